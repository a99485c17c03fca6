// Summaries of timing samples. Percentiles use the nearest-rank method on the sorted samples.

/** The value at `fraction` (0..1) of the sorted samples, by nearest rank. */
export function percentile(sorted, fraction) {
  if (sorted.length === 0) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[at];
}

/** Median, p95, min, max and count of a list of samples (milliseconds or anything else). */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    samples: sorted.length,
  };
}

/** Rounds to `digits` decimals, keeping NaN and null as null (JSON has no NaN). */
export function round(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
