import { ApiFailure } from "./errors.ts";
import type { RateHit, Store } from "./store/types.ts";

/**
 * Request budgets per sliding window; counters live in the database, so that a restart does not reset them and every
 * instance on one database spends the same budget.
 */
export interface RateLimitConfig {
  windowMs: number;
  /** Token endpoint requests with a proven client secret, per client IP per window. */
  tokenPerIp: number;
  /** Token endpoint requests with a proven client secret, per client app per window. */
  tokenPerClient: number;
  /** Credential, MFA and OAuth start attempts per human per window. */
  connectPerHuman: number;
  /** Portal sign-in attempts per client IP per window (default 10). */
  portalSignInPerIp?: number;
  /** Wrong client credentials per client IP per window, at any entry; past it the IP gets 429 (default 30). */
  credentialFailuresPerIp?: number;
  /**
   * Wrong client credentials per client id per window (default 120); past it further wrong attempts get 429, while a
   * caller with the right secret is never refused by it.
   */
  credentialFailuresPerClient?: number;
}

/** The defaults: generous for a backend, tight enough to stop guessing secrets or passwords. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  windowMs: 60_000,
  tokenPerIp: 600,
  tokenPerClient: 1200,
  connectPerHuman: 30,
  portalSignInPerIp: 10,
  credentialFailuresPerIp: 30,
  credentialFailuresPerClient: 120,
};

/** One request budget: at most `limit` hits on `key` per window. */
export interface RateBudget {
  key: string;
  limit: number;
}

function windowOf(now: number, windowMs: number): { start: number; elapsed: number } {
  const start = now - (now % windowMs);
  return { start, elapsed: now - start };
}

/**
 * Hits in the sliding window that ends now: the current window's, plus the previous window's weighted by how much of
 * it the sliding window still covers.
 */
export function slidingCount(hit: RateHit, elapsed: number, windowMs: number): number {
  return hit.current + Math.floor(hit.previous * ((windowMs - elapsed) / windowMs));
}

/** Milliseconds until one more hit fits in the budget, when no other hit comes meanwhile. */
export function msUntilRoom(hit: RateHit, elapsed: number, windowMs: number, limit: number): number {
  const room = limit - 1 - hit.current;
  // Still in this window: the previous window's weight fades until it leaves room.
  if (room >= 0 && hit.previous > 0) {
    const at = Math.floor(windowMs * (1 - (room + 1) / hit.previous)) + 1;
    if (at < windowMs) return Math.max(0, at - elapsed);
  }
  if (room >= 0 && hit.previous === 0) return 0;
  // In the next window this window's hits are the ones that fade.
  const next = hit.current <= limit - 1 ? 0 : Math.floor(windowMs * (1 - limit / hit.current)) + 1;
  return windowMs - elapsed + Math.max(0, next);
}

function refuse(waitMs: number): ApiFailure {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiFailure(429, "RATE_LIMITED", `Too many requests. Retry in ${retryAfter} s.`, { "Retry-After": String(retryAfter) });
}

/**
 * Throws 429 RATE_LIMITED with Retry-After when any budget is spent; otherwise counts a hit on every budget, in one
 * write. A refused request counts on no budget, so that refusals do not prolong a block.
 */
export async function enforceRateLimits(store: Store, now: number, budgets: readonly RateBudget[], windowMs: number): Promise<void> {
  for (const budget of budgets) await refuseIfSpent(store, now, budget, windowMs);
  const { start, elapsed } = windowOf(now, windowMs);
  const hits = await store.rateLimits.hit(
    budgets.map((b) => b.key),
    start,
    windowMs,
  );
  // Requests racing on other instances may have spent the budget since the check.
  budgets.forEach((budget, i) => {
    const hit = hits[i]!;
    if (slidingCount(hit, elapsed, windowMs) > budget.limit) throw refuse(msUntilRoom(hit, elapsed, windowMs, budget.limit));
  });
}

/** Counts a hit on one budget and throws 429 RATE_LIMITED with Retry-After when it is over. */
export function enforceRateLimit(store: Store, now: number, key: string, limit: number, windowMs: number): Promise<void> {
  return enforceRateLimits(store, now, [{ key, limit }], windowMs);
}

/** Throws 429 RATE_LIMITED when a budget is already spent, without counting a hit. */
export async function refuseIfSpent(store: Store, now: number, budget: RateBudget, windowMs: number): Promise<void> {
  const { start, elapsed } = windowOf(now, windowMs);
  const hit = await store.rateLimits.peek(budget.key, start, windowMs);
  if (slidingCount(hit, elapsed, windowMs) >= budget.limit) throw refuse(msUntilRoom(hit, elapsed, windowMs, budget.limit));
}
