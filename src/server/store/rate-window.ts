import type { RateHit } from "./types.ts";

/** A counter's stored window read at the window starting `windowStart`: its hits now, or as the previous window's. */
export function hitAt(stored: { windowStart: number; count: number; prevCount: number } | undefined, windowStart: number, windowMs: number): RateHit {
  if (stored?.windowStart === windowStart) return { current: stored.count, previous: stored.prevCount };
  if (stored?.windowStart === windowStart - windowMs) return { current: 0, previous: stored.count };
  return { current: 0, previous: 0 };
}
