// Rate counters of the embedded database, in a file of their own. A counter is not an acknowledged fact: losing the
// last hits to a power cut costs nothing, while a durable commit per hit would cost an fsync on every request. So
// this file is written with synchronous=OFF (a crash of the process still loses nothing: the OS holds the writes),
// through statements prepared once, and never joins the main file's transactions.
import BetterSqlite3 from "better-sqlite3";
import type { RateHit, RateLimitStore } from "./types.ts";

/** File name of the rate counters inside the data dir. */
export const RATE_LIMITS_FILE = "rate-limits.sqlite";

/** The counters in the SQLite file at `path`, and a way to close it. */
export function openSqliteRateLimits(path: string): RateLimitStore & { close(): void } {
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  sqlite.exec(
    "create table if not exists rate_limits (key text primary key, window_start integer not null, count integer not null, prev_count integer not null)",
  );
  // SQLite evaluates every SET expression against the row as it was, so the new window reads the old one's count.
  const hitOne = sqlite.prepare<{ key: string; start: number; previous: number }, { count: number; prev_count: number }>(
    `insert into rate_limits (key, window_start, count, prev_count) values (@key, @start, 1, 0)
     on conflict (key) do update set
       count = case when window_start = @start then count + 1 else 1 end,
       prev_count = case when window_start = @start then prev_count when window_start = @previous then count else 0 end,
       window_start = @start
     returning count, prev_count`,
  );
  const read = sqlite.prepare<[string], { window_start: number; count: number; prev_count: number }>(
    "select window_start, count, prev_count from rate_limits where key = ?",
  );
  const hitAll = sqlite.transaction((keys: readonly string[], start: number, previous: number): RateHit[] =>
    keys.map((key) => {
      const row = hitOne.get({ key, start, previous })!;
      return { current: row.count, previous: row.prev_count };
    }),
  );
  return {
    async hit(keys, windowStart, windowMs) {
      return hitAll(keys, windowStart, windowStart - windowMs);
    },
    async peek(key, windowStart, windowMs) {
      const row = read.get(key);
      if (!row) return { current: 0, previous: 0 };
      if (row.window_start === windowStart) return { current: row.count, previous: row.prev_count };
      if (row.window_start === windowStart - windowMs) return { current: 0, previous: row.count };
      return { current: 0, previous: 0 };
    },
    close: () => sqlite.close(),
  };
}
