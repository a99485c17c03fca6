import { sql } from "kysely";
import type { RateLimitStore } from "../types.ts";
import { inTransaction, type Db } from "./db.ts";

/** Fixed-window counters in SQL: one row per key, reset when a new window starts. */
export function rateLimitStore(db: Db): RateLimitStore {
  return {
    hit(keys, windowStart, windowMs) {
      return inTransaction(db, async (trx) => {
        const hits = [];
        for (const key of keys) {
          const row = await trx
            .insertInto("rate_limits")
            .values({ key, window_start: windowStart, count: 1 })
            .onConflict((oc) =>
              oc.column("key").doUpdateSet({
                count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
                window_start: windowStart,
              }),
            )
            .returning("count")
            .executeTakeFirstOrThrow();
          hits.push({ count: row.count, resetAt: windowStart + windowMs });
        }
        return hits;
      });
    },
  };
}
