// The one table printed at the end of a run.

const fmt = (v) => (v === undefined || v === null ? "" : typeof v === "number" ? v.toLocaleString("en-US") : String(v));

/** Prints the figures as an aligned text table. */
export function printTable(figures) {
  const header = ["Figure", "Value", "Unit", "Median", "p95", "n", "Floor", "Ratio"];
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value),
    f.unit,
    fmt(f.median),
    fmt(f.p95),
    fmt(f.samples),
    fmt(f.floor ?? f.before),
    f.ratio !== undefined ? `${fmt(f.ratio)}×` : f.before !== undefined ? `(before)` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log("\n" + line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}
