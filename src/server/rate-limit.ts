import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { ApiFailure } from "./errors.ts";
import type { Store } from "./store/types.ts";

/** Request budgets per fixed window; counters live in the database so that a restart does not reset them. */
export interface RateLimitConfig {
  windowMs: number;
  /** Token endpoint requests per client IP per window. */
  tokenPerIp: number;
  /** Token endpoint requests per client app per window. */
  tokenPerClient: number;
  /** Credential, MFA and OAuth start attempts per human per window. */
  connectPerHuman: number;
  /** Portal sign-in attempts per client IP per window (default 10). */
  portalSignInPerIp?: number;
}

/** The defaults: generous for a backend, tight enough to stop guessing secrets or passwords. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  windowMs: 60_000,
  tokenPerIp: 600,
  tokenPerClient: 1200,
  connectPerHuman: 30,
  portalSignInPerIp: 10,
};

/** One request budget: at most `limit` hits on `key` per window. */
export interface RateBudget {
  key: string;
  limit: number;
}

/** Counts a hit on every budget (in one write) and throws 429 RATE_LIMITED with Retry-After when any is over. */
export async function enforceRateLimits(store: Store, now: number, budgets: readonly RateBudget[], windowMs: number): Promise<void> {
  const windowStart = now - (now % windowMs);
  const hits = await store.rateLimits.hit(
    budgets.map((b) => b.key),
    windowStart,
    windowMs,
  );
  budgets.forEach((budget, i) => {
    const { count, resetAt } = hits[i]!;
    if (count <= budget.limit) return;
    const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
    throw new ApiFailure(429, "RATE_LIMITED", `Too many requests. Retry in ${retryAfter} s.`, {
      "Retry-After": String(retryAfter),
    });
  });
}

/** Counts a hit on one budget and throws 429 RATE_LIMITED with Retry-After when it is over. */
export function enforceRateLimit(store: Store, now: number, key: string, limit: number, windowMs: number): Promise<void> {
  return enforceRateLimits(store, now, [{ key, limit }], windowMs);
}

/** The caller's IP: the socket address, or the first X-Forwarded-For entry when the service trusts its proxy. */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}
