import { CompiledQuery, type Compilable, type QueryResult } from "kysely";
import type { Db } from "./db.ts";

/**
 * A query that kysely builds and compiles once per dialect; each call then only binds its values. Building and
 * compiling a query's tree costs about as much as running a primary-key lookup on SQLite, so the queries of every
 * request's path (token, session, connection lookups) are written this way.
 *
 * `build` receives one marker per argument, in place of the values, and must use each marker as a plain value (one
 * compared, inserted or set), never inside an expression that kysely would compute with.
 */
export function compiledOnce<Args extends unknown[], Row>(build: (db: Db, ...values: Args) => Compilable<Row>): (db: Db, ...values: Args) => Promise<QueryResult<Row>> {
  const plans = new WeakMap<object, { sql: string; slots: ({ arg: number } | { constant: unknown })[] }>();
  return (db, ...values) => {
    const adapter = db.getExecutor().adapter;
    let plan = plans.get(adapter);
    if (!plan) {
      const markers = values.map((_, i) => `\u0000compiled-once-${i}\u0000`);
      const compiled = build(db, ...(markers as unknown as Args)).compile();
      plan = {
        sql: compiled.sql,
        slots: compiled.parameters.map((p) => {
          const arg = markers.indexOf(p as string);
          return arg >= 0 ? { arg } : { constant: p };
        }),
      };
      plans.set(adapter, plan);
    }
    const parameters = plan.slots.map((slot) => ("arg" in slot ? values[slot.arg] : slot.constant));
    return db.executeQuery<Row>(CompiledQuery.raw(plan.sql, parameters));
  };
}
