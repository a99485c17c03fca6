// Every difference between SQLite and PostgreSQL that the store's SQL has to know about lives here.
import type { ColumnDefinitionBuilder, SelectQueryBuilder } from "kysely";
import type { DialectName } from "./types.ts";

/** An auto-numbered integer primary key. */
export function identityColumn(dialect: DialectName) {
  return (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === "postgres" ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

/**
 * Locks the selected rows for this transaction and skips rows another transaction holds, so that concurrent workers
 * claim disjoint rows. SQLite has one writer at a time, so its transactions need no row locks.
 */
export function lockSkippingLocked<DB, TB extends keyof DB, O>(
  dialect: DialectName,
  query: SelectQueryBuilder<DB, TB, O>,
  of: TB & string,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === "postgres" ? query.forUpdate(of as never).skipLocked() : query;
}
