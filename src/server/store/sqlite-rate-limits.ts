// Rate counters of the embedded database. The embedded database has one process, so the counters live in its memory
// and are written behind to a file of their own, a quarter of a second later, so that a restart finds them: a
// counter is not an acknowledged fact, and a durable commit per hit would cost more than the request it counts.
// A crash may forget the hits of the last quarter second; the file is written with synchronous=OFF for the same
// reason, and never joins the main file's transactions.
import BetterSqlite3 from "better-sqlite3";
import { hitAt } from "./rate-window.ts";
import type { RateHit, RateLimitStore } from "./types.ts";

/** File name of the rate counters inside the data dir. */
export const RATE_LIMITS_FILE = "rate-limits.sqlite";
/** How long changed counters wait before they are written to the file. */
export const RATE_LIMITS_WRITE_DELAY_MS = 250;

/** How often every counter is looked at to drop the expired ones. */
const SWEEP_EVERY_MS = 60_000;

interface Counter {
  windowStart: number;
  count: number;
  prevCount: number;
  /** The window length last used with the key: a counter two windows old counts nothing and is dropped. */
  windowMs: number;
}

/** The counters, kept in memory and in the SQLite file at `path`, and a way to close it (writing what is pending). */
export function openSqliteRateLimits(path: string): RateLimitStore & { close(): void } {
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  sqlite.exec(
    "create table if not exists rate_limits (key text primary key, window_start integer not null, count integer not null, prev_count integer not null, window_ms integer not null default 0)",
  );
  const counters = new Map<string, Counter>();
  for (const row of sqlite.prepare("select key, window_start, count, prev_count, window_ms from rate_limits").all() as {
    key: string;
    window_start: number;
    count: number;
    prev_count: number;
    window_ms: number;
  }[]) {
    counters.set(row.key, { windowStart: row.window_start, count: row.count, prevCount: row.prev_count, windowMs: row.window_ms });
  }

  const put = sqlite.prepare("insert or replace into rate_limits (key, window_start, count, prev_count, window_ms) values (?, ?, ?, ?, ?)");
  const drop = sqlite.prepare("delete from rate_limits where key = ?");
  const changed = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Time as the callers count it (their clock), from the latest window they hit.
  let latestStart = 0;
  let sweptAt = 0;

  /** A counter whose window and the one after it are over counts nothing any more. */
  const expired = (c: Counter) => c.windowStart + 2 * c.windowMs <= latestStart;

  const write = sqlite.transaction(() => {
    if (latestStart - sweptAt >= SWEEP_EVERY_MS) {
      sweptAt = latestStart;
      for (const [key, c] of counters) if (expired(c)) changed.add(key);
    }
    for (const key of changed) {
      const c = counters.get(key);
      if (!c || expired(c)) {
        counters.delete(key);
        drop.run(key);
      } else {
        put.run(key, c.windowStart, c.count, c.prevCount, c.windowMs);
      }
    }
    changed.clear();
  });
  const flush = () => {
    timer = undefined;
    write();
  };

  return {
    async hit(keys, windowStart, windowMs) {
      latestStart = Math.max(latestStart, windowStart);
      const hits: RateHit[] = keys.map((key) => {
        const before = hitAt(counters.get(key), windowStart, windowMs);
        const next: Counter = { windowStart, count: before.current + 1, prevCount: before.previous, windowMs };
        counters.set(key, next);
        changed.add(key);
        return { current: next.count, previous: next.prevCount };
      });
      timer ??= setTimeout(flush, RATE_LIMITS_WRITE_DELAY_MS).unref();
      return hits;
    },
    async peek(key, windowStart, windowMs) {
      return hitAt(counters.get(key), windowStart, windowMs);
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      write();
      sqlite.close();
    },
  };
}
