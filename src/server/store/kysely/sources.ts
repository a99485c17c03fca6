import type { AuthMethod, SourceType } from "../../../protocol/connect-api.ts";
import type { SourceRecord } from "../../catalog/types.ts";
import type { SourcesTable } from "../schema.ts";
import type { SourceStore } from "../types.ts";
import { compiledOnce } from "./compiled-once.ts";
import { countOf, inTransaction, type Db } from "./db.ts";

const getSource = compiledOnce((db, sourceId: string) => db.selectFrom("sources").selectAll().where("source_id", "=", sourceId));

const INSERT_BATCH = 500;

function toSource(row: SourcesTable): SourceRecord {
  return {
    id: row.source_id,
    name: row.name,
    type: row.type as SourceType,
    city: row.city,
    state: row.state,
    auth: row.auth as AuthMethod,
    description: row.description,
    behavior: row.behavior as SourceRecord["behavior"],
    // Absent rather than null, as the catalog file leaves them out.
    ...(row.rank === null ? {} : { rank: Number(row.rank) }),
    ...(row.logo_url === null ? {} : { logoUrl: row.logo_url }),
  };
}

/** The catalog in SQL, with a version row that instances poll to learn of imports. */
export function sourceStore(db: Db): SourceStore {
  return {
    async count() {
      return countOf(await db.selectFrom("sources").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst());
    },
    async upsert(sources, now) {
      await inTransaction(db, async (trx) => {
        for (let i = 0; i < sources.length; i += INSERT_BATCH) {
          const batch = sources.slice(i, i + INSERT_BATCH).map((s) => ({
            source_id: s.id,
            name: s.name,
            type: s.type,
            city: s.city,
            state: s.state,
            auth: s.auth,
            description: s.description,
            behavior: s.behavior,
            rank: s.rank ?? null,
            logo_url: s.logoUrl ?? null,
          }));
          await trx
            .insertInto("sources")
            .values(batch)
            .onConflict((oc) =>
              oc.column("source_id").doUpdateSet((eb) => ({
                name: eb.ref("excluded.name"),
                type: eb.ref("excluded.type"),
                city: eb.ref("excluded.city"),
                state: eb.ref("excluded.state"),
                auth: eb.ref("excluded.auth"),
                description: eb.ref("excluded.description"),
                behavior: eb.ref("excluded.behavior"),
                rank: eb.ref("excluded.rank"),
                logo_url: eb.ref("excluded.logo_url"),
              })),
            )
            .execute();
        }
        await trx
          .insertInto("catalog_version")
          .values({ id: 1, version: 1, updated_at: now })
          .onConflict((oc) =>
            oc.column("id").doUpdateSet((eb) => ({ version: eb("catalog_version.version", "+", 1), updated_at: now })),
          )
          .execute();
      });
    },
    async list() {
      const rows = await db.selectFrom("sources").selectAll().orderBy("source_id").execute();
      return rows.map(toSource);
    },
    async get(sourceId) {
      const row = (await getSource(db, sourceId)).rows[0];
      return row ? toSource(row) : undefined;
    },
    async version() {
      const row = await db.selectFrom("catalog_version").select("version").where("id", "=", 1).executeTakeFirst();
      return row?.version ?? 0;
    },
  };
}
