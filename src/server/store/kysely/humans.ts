import { sql } from "kysely";
import type { HumanRecord, HumanStore } from "../types.ts";
import type { HumansTable } from "../schema.ts";
import { compiledOnce } from "./compiled-once.ts";
import { changed, countOf, type Db } from "./db.ts";

function toHuman(row: HumansTable): HumanRecord {
  return {
    humanId: row.human_id,
    clientId: row.client_id,
    clientUserId: row.client_user_id,
    email: row.email,
    createdAt: row.created_at,
    invitedAt: row.invited_at,
    engagedAt: row.engaged_at,
    connectedAt: row.connected_at,
  };
}

const COLUMN = { invitedAt: "invited_at", engagedAt: "engaged_at", connectedAt: "connected_at" } as const;

const findHuman = compiledOnce((db, clientId: string, clientUserId: string) =>
  db.selectFrom("humans").selectAll().where("client_id", "=", clientId).where("client_user_id", "=", clientUserId),
);
const getHuman = compiledOnce((db, humanId: string) => db.selectFrom("humans").selectAll().where("human_id", "=", humanId));
/** Inserts a human, or on a known (client, client_user_id) sets the email (`keepEmail`: only touches the row). */
const upsertHuman = (keepEmail: boolean) =>
  compiledOnce(
    (
      db,
      human_id: string,
      client_id: string,
      client_user_id: string,
      email: string | null,
      created_at: number,
      invited_at: number | null,
      engaged_at: number | null,
      connected_at: number | null,
    ) =>
      db
        .insertInto("humans")
        .values({ human_id, client_id, client_user_id, email, created_at, invited_at, engaged_at, connected_at })
        .onConflict((oc) => oc.columns(["client_id", "client_user_id"]).doUpdateSet(keepEmail ? { client_id } : { email }))
        .returningAll(),
  );
const upsertKeepingEmail = upsertHuman(true);
const upsertSettingEmail = upsertHuman(false);

/** End users in SQL. */
export function humanStore(db: Db): HumanStore {
  const find = async (clientId: string, clientUserId: string) => {
    const row = (await findHuman(db, clientId, clientUserId)).rows[0];
    return row ? toHuman(row) : undefined;
  };
  return {
    async upsert(h) {
      const upsert = h.email === null ? upsertKeepingEmail : upsertSettingEmail;
      const stored = (await upsert(db, h.humanId, h.clientId, h.clientUserId, h.email, h.createdAt, h.invitedAt, h.engagedAt, h.connectedAt)).rows[0]!;
      return toHuman(stored);
    },
    find,
    async get(humanId) {
      const row = (await getHuman(db, humanId)).rows[0];
      return row ? toHuman(row) : undefined;
    },
    async markFirst(humanId, field, at) {
      const column = COLUMN[field];
      const res = await db.updateTable("humans").set({ [column]: at }).where("human_id", "=", humanId).where(column, "is", null).executeTakeFirst();
      return changed(res) > 0;
    },
    async list(clientId, opts) {
      const connectionCount = sql<number>`(select count(*) from connections where connections.human_id = humans.human_id)`;
      const needingReauth = sql<number>`(select count(*) from connections where connections.human_id = humans.human_id and connections.status = 'needs_reauth')`;
      let q = db.selectFrom("humans").where("client_id", "=", clientId);
      if (opts.status === "connected") q = q.where(sql<boolean>`${connectionCount} > 0`);
      else if (opts.status === "engaged") q = q.where(sql<boolean>`${connectionCount} = 0`).where("engaged_at", "is not", null);
      else if (opts.status === "invited") {
        q = q.where(sql<boolean>`${connectionCount} = 0`).where("engaged_at", "is", null).where("invited_at", "is not", null);
      }
      const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
      const rows = await q
        .selectAll()
        .select(connectionCount.as("connection_count"))
        .select(needingReauth.as("needing_reauth"))
        .orderBy("created_at", "desc")
        .orderBy("human_id")
        .limit(opts.limit)
        .offset(opts.offset)
        .execute();
      const users = rows.map((row) => ({
        ...toHuman(row),
        connections: Number(row.connection_count),
        connectionsNeedingReauth: Number(row.needing_reauth),
      }));
      return { total: countOf(total), users };
    },
    async count() {
      return countOf(await db.selectFrom("humans").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst());
    },
  };
}
