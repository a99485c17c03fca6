/** A 32-bit set of the characters in a term; a query needs at least one edit per character the term lacks. */
export function letterMask(term: string): number {
  let mask = 0;
  for (let i = 0; i < term.length; i++) {
    const code = term.charCodeAt(i);
    mask |= 1 << (code >= 97 && code <= 122 ? code - 97 : 26 + (code % 6));
  }
  return mask;
}

export function bitCount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Terms longer than this are never compared. */
export const MAX_COMPARED_CHARS = 64;
const ROW_LIMIT = MAX_COMPARED_CHARS + 4;
let rowBeforePrevious = new Int32Array(ROW_LIMIT);
let previousRow = new Int32Array(ROW_LIMIT);
let currentRow = new Int32Array(ROW_LIMIT);

/**
 * Optimal string alignment distance (Damerau: insertions, deletions, substitutions, adjacent transpositions)
 * between `query` and `term`, or between `query` and the closest prefix of `term` when `asPrefix`.
 * Returns `max + 1` as soon as the distance must exceed `max`.
 */
export function boundedDistance(query: string, term: string, max: number, asPrefix: boolean): number {
  const m = query.length;
  let n = term.length;
  if (asPrefix) n = Math.min(n, m + max);
  else if (Math.abs(m - n) > max) return max + 1;
  if (m >= ROW_LIMIT || n >= ROW_LIMIT) return max + 1;
  for (let j = 0; j <= n; j++) previousRow[j] = j;
  for (let i = 1; i <= m; i++) {
    const qi = query.charCodeAt(i - 1);
    const qBefore = i > 1 ? query.charCodeAt(i - 2) : -1;
    currentRow[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const tj = term.charCodeAt(j - 1);
      let value = Math.min(previousRow[j]! + 1, currentRow[j - 1]! + 1, previousRow[j - 1]! + (qi === tj ? 0 : 1));
      if (i > 1 && j > 1 && qi === term.charCodeAt(j - 2) && qBefore === tj) {
        value = Math.min(value, rowBeforePrevious[j - 2]! + 1);
      }
      currentRow[j] = value;
      if (value < rowMin) rowMin = value;
    }
    // Every alignment passes within one of each row's cells (a transposition is no cheaper than its substitution).
    if (rowMin > max) return max + 1;
    const spare = rowBeforePrevious;
    rowBeforePrevious = previousRow;
    previousRow = currentRow;
    currentRow = spare;
  }
  let distance = previousRow[n]!;
  if (asPrefix) for (let j = Math.max(0, m - max); j < n; j++) distance = Math.min(distance, previousRow[j]!);
  return distance <= max ? distance : max + 1;
}
