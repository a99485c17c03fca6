import type { ConnectionStatus, ConnectionStatusReason } from "../../../protocol/connect-api.ts";
import type { ConnectionRecord, ConnectionStore } from "../types.ts";
import { compiledOnce } from "./compiled-once.ts";
import { changed, type Db } from "./db.ts";

interface ConnectionRow {
  name: string;
  id: string;
  status: string;
  status_reason: string | null;
  connected_at: number;
  status_changed_at: number;
}

const toRecord = (r: ConnectionRow): ConnectionRecord => ({
  source: { name: r.name, id: r.id },
  status: r.status as ConnectionStatus,
  statusReason: r.status_reason as ConnectionStatusReason | null,
  connectedAt: r.connected_at,
  statusChangedAt: r.status_changed_at,
});

const withSource = (db: Db) =>
  db
    .selectFrom("connections")
    .innerJoin("sources", "sources.source_id", "connections.source_id")
    .select([
      "sources.name as name",
      "sources.source_id as id",
      "connections.status as status",
      "connections.status_reason as status_reason",
      "connections.connected_at as connected_at",
      "connections.status_changed_at as status_changed_at",
    ]);
const getConnection = compiledOnce((db, humanId: string, sourceId: string) =>
  withSource(db).where("connections.human_id", "=", humanId).where("connections.source_id", "=", sourceId),
);
const connectionDetails = compiledOnce((db, humanId: string) => withSource(db).where("connections.human_id", "=", humanId).orderBy("connections.seq"));
const connectedSources = compiledOnce((db, humanId: string) =>
  db
    .selectFrom("connections")
    .innerJoin("sources", "sources.source_id", "connections.source_id")
    .select(["sources.name as name", "sources.source_id as id"])
    .where("connections.human_id", "=", humanId)
    .orderBy("connections.seq"),
);

/** Connections in SQL; `seq` keeps the order they were made in (timestamps can tie). */
export function connectionStore(db: Db): ConnectionStore {
  const get = async (humanId: string, sourceId: string) => {
    const row = (await getConnection(db, humanId, sourceId)).rows[0];
    return row ? toRecord(row) : undefined;
  };
  return {
    async add(humanId, sourceId, at) {
      const last = await db
        .selectFrom("connections")
        .select((eb) => eb.fn.max("seq").as("seq"))
        .where("human_id", "=", humanId)
        .executeTakeFirst();
      const res = await db
        .insertInto("connections")
        .values({ human_id: humanId, source_id: sourceId, connected_at: at, seq: Number(last?.seq ?? 0) + 1, status: "active", status_changed_at: at })
        .onConflict((oc) => oc.columns(["human_id", "source_id"]).doNothing())
        .executeTakeFirst();
      return changed(res) > 0;
    },
    async remove(humanId, sourceId) {
      const res = await db.deleteFrom("connections").where("human_id", "=", humanId).where("source_id", "=", sourceId).executeTakeFirst();
      return changed(res) > 0;
    },
    async list(humanId) {
      return (await connectedSources(db, humanId)).rows.map((r) => ({ name: r.name, id: r.id }));
    },
    async details(humanId) {
      return (await connectionDetails(db, humanId)).rows.map(toRecord);
    },
    get,
    async setStatus(humanId, sourceId, status, reason, at) {
      const before = await get(humanId, sourceId);
      if (!before || (before.status === status && before.statusReason === reason)) return undefined;
      // Only from the health just read: of two concurrent changes, one wins and the other changes nothing.
      let update = db
        .updateTable("connections")
        .set({ status, status_reason: reason, status_changed_at: at })
        .where("human_id", "=", humanId)
        .where("source_id", "=", sourceId)
        .where("status", "=", before.status);
      update = before.statusReason === null ? update.where("status_reason", "is", null) : update.where("status_reason", "=", before.statusReason);
      const res = await update.executeTakeFirst();
      return changed(res) > 0 ? before : undefined;
    },
  };
}
