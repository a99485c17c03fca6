import type { ConnectionStore } from "../types.ts";
import { changed, type Db } from "./db.ts";

/** Connections in SQL; `seq` keeps the order they were made in (timestamps can tie). */
export function connectionStore(db: Db): ConnectionStore {
  return {
    async add(humanId, sourceId, at) {
      const last = await db
        .selectFrom("connections")
        .select((eb) => eb.fn.max("seq").as("seq"))
        .where("human_id", "=", humanId)
        .executeTakeFirst();
      const res = await db
        .insertInto("connections")
        .values({ human_id: humanId, source_id: sourceId, connected_at: at, seq: Number(last?.seq ?? 0) + 1 })
        .onConflict((oc) => oc.columns(["human_id", "source_id"]).doNothing())
        .executeTakeFirst();
      return changed(res) > 0;
    },
    async remove(humanId, sourceId) {
      const res = await db.deleteFrom("connections").where("human_id", "=", humanId).where("source_id", "=", sourceId).executeTakeFirst();
      return changed(res) > 0;
    },
    async has(humanId, sourceId) {
      const row = await db
        .selectFrom("connections")
        .select("source_id")
        .where("human_id", "=", humanId)
        .where("source_id", "=", sourceId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async list(humanId) {
      const rows = await db
        .selectFrom("connections")
        .innerJoin("sources", "sources.source_id", "connections.source_id")
        .select(["sources.name as name", "sources.source_id as id"])
        .where("connections.human_id", "=", humanId)
        .orderBy("connections.seq")
        .execute();
      return rows.map((r) => ({ name: r.name, id: r.id }));
    },
  };
}
