/**
 * Webhook retry schedule: exponential-looking backoff over about three days, with jitter.
 *
 * | attempt | nominal wait before it | nominal time since the event |
 * | ------- | ---------------------- | ---------------------------- |
 * | 1       | 0 (at once)            | 0                            |
 * | 2       | 5 s                    | 5 s                          |
 * | 3       | 5 min                  | ~5 min                       |
 * | 4       | 30 min                 | ~35 min                      |
 * | 5       | 2 h                    | ~2 h 35 min                  |
 * | 6       | 5 h                    | ~7 h 35 min                  |
 * | 7       | 10 h                   | ~17 h 35 min                 |
 * | 8       | 14 h                   | ~31 h 35 min                 |
 * | 9       | 20 h                   | ~51 h 35 min                 |
 * | 10      | 20 h                   | ~71 h 35 min (~3 days)       |
 *
 * After the 10th failed attempt the message is marked failed. Each wait is multiplied by a random factor in
 * [0.75, 1.25): enough to spread a burst of failures across the receiver's recovery, while keeping the window near
 * three days. Plain full jitter (a wait anywhere in [0, nominal]) was not used because it could fire the 20 h
 * attempt seconds after the previous one and collapse the window to a fraction of the promise.
 */

/** Nominal wait before attempt n+2, after attempt n+1 failed (index 0 = wait after the first attempt). */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  20 * 3_600_000,
];

/** Attempts made in all before a message is marked failed. */
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Each wait is scaled by a factor in [1 - JITTER, 1 + JITTER). */
export const RETRY_JITTER = 0.25;

/**
 * Wait after `attempt` (1-based, the attempt that just failed) before the next one, or null when no attempt is left.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError("attempt must be a positive integer");
  const nominal = RETRY_DELAYS_MS[attempt - 1];
  if (nominal === undefined) return null;
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * factor);
}

/** When to make the next attempt after `attempt` failed at `now` (ms since epoch), or null to give up. */
export function nextAttemptAt(attempt: number, now: number, random: () => number = Math.random): number | null {
  const delay = retryDelayMs(attempt, random);
  return delay === null ? null : now + delay;
}
