import { sql } from "kysely";
import { hitAt } from "../rate-window.ts";
import type { RateHit, RateLimitStore } from "../types.ts";
import { inTransaction, type Db } from "./db.ts";

/**
 * Window counters in PostgreSQL: one row per key holding the current window's hits and the previous window's. Moving to a
 * new window keeps the old count as `prev_count` when the windows are adjacent, and zero when they are not.
 */
export function rateLimitStore(db: Db): RateLimitStore {
  return {
    hit(keys, windowStart, windowMs) {
      const previousStart = windowStart - windowMs;
      // Rows are written (and so locked) in one order whatever order the keys come in: concurrent hits on the same
      // keys in different orders would otherwise deadlock on PostgreSQL.
      const order = keys.map((key, i) => ({ key, i })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
      return inTransaction(db, async (trx) => {
        // The commit need not wait for the disk (see RateLimitStore); the counters are still one shared budget.
        await sql`set local synchronous_commit = off`.execute(trx);
        const hits: RateHit[] = new Array<RateHit>(keys.length);
        for (const { key, i } of order) {
          const row = await trx
            .insertInto("rate_limits")
            .values({ key, window_start: windowStart, count: 1, prev_count: 0 })
            .onConflict((oc) =>
              oc.column("key").doUpdateSet({
                count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
                prev_count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.prev_count when rate_limits.window_start = ${previousStart} then rate_limits.count else 0 end`,
                window_start: windowStart,
              }),
            )
            .returning(["count", "prev_count"])
            .executeTakeFirstOrThrow();
          hits[i] = { current: row.count, previous: row.prev_count };
        }
        return hits;
      });
    },
    async peek(key, windowStart, windowMs) {
      const row = await db.selectFrom("rate_limits").select(["window_start", "count", "prev_count"]).where("key", "=", key).executeTakeFirst();
      return hitAt(row && { windowStart: row.window_start, count: row.count, prevCount: row.prev_count }, windowStart, windowMs);
    },
  };
}
