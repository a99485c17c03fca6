// Group commit for the embedded SQLite file: transactions that arrive together share one. Each runs in a savepoint of
// the common transaction, so that a failing one rolls back only its own writes, and each is answered after the one
// COMMIT (and the driver's fsync behind it), so nothing is acknowledged before it is on disk. A commit writes every
// page it changed to the WAL: fifty token requests that each add a human and a token change the same few pages, so
// one commit writes them once instead of fifty times.
import { sql } from "kysely";
import type { Db } from "./db.ts";

interface Pending {
  fn: (trx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Most transactions sharing one commit: bounds how long the first of them waits for the last. */
const MAX_GROUP = 128;

/** Returns a `transaction(fn)` that runs `fn` in the next group's transaction on `db` and settles after its commit. */
export function commitGroup(db: Db): <T>(fn: (trx: Db) => Promise<T>) => Promise<T> {
  let queue: Pending[] = [];
  let flushing = false;

  function schedule(): void {
    if (flushing) return;
    flushing = true;
    // The next turn of the event loop: requests that reach their transaction in this turn join the group.
    setImmediate(() => void flush());
  }

  async function flush(): Promise<void> {
    const group = queue.slice(0, MAX_GROUP);
    queue = queue.slice(group.length);
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of group) {
          await sql`savepoint grouped`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.fn(trx) });
            await sql`release savepoint grouped`.execute(trx);
          } catch (error) {
            await sql`rollback to savepoint grouped`.execute(trx);
            await sql`release savepoint grouped`.execute(trx);
            outcomes.push({ ok: false, value: error });
          }
        }
      });
      group.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
    } catch (error) {
      // The commit itself failed: none of the group's writes happened.
      for (const item of group) item.reject(error);
    } finally {
      flushing = false;
      if (queue.length > 0) schedule();
    }
  }

  return <T>(fn: (trx: Db) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}
