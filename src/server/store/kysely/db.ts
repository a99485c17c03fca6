import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

/** A database handle: the pool, or one transaction of it. */
export type Db = Kysely<Database>;

/** Rows changed by an insert, update or delete, from kysely's bigint counts. */
export function changed(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint; numInsertedOrUpdatedRows?: bigint | undefined }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? result.numInsertedOrUpdatedRows ?? 0n);
}

/** A count(*) value as a number (PostgreSQL answers bigint). */
export function countOf(row: { n: number | string | bigint } | undefined): number {
  return Number(row?.n ?? 0);
}

/** Runs `fn` in `db`'s transaction when it is one, else in a new transaction. */
export function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
