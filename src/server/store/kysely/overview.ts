import { sql } from "kysely";
import type { OverviewStore } from "../types.ts";
import type { Db } from "./db.ts";

// Flags are computed as 0/1 integers so that SQLite and PostgreSQL group and return them alike.
const hasConnection = sql<number>`case when exists (select 1 from connections where connections.human_id = humans.human_id) then 1 else 0 end`;
const flag = (column: "engaged_at" | "invited_at") => sql<number>`case when ${sql.ref(column)} is null then 0 else 1 end`;

/** The Portal overview's counts in SQL. */
export function overviewStore(db: Db): OverviewStore {
  return {
    async humanProfiles(clientId, since) {
      const profiles = db
        .selectFrom("humans")
        .select([hasConnection.as("connected"), flag("engaged_at").as("engaged"), flag("invited_at").as("invited")])
        .where("client_id", "=", clientId)
        .where("created_at", ">=", since)
        .as("profiles");
      const rows = await db
        .selectFrom(profiles)
        .select(["connected", "engaged", "invited", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["connected", "engaged", "invited"])
        .execute();
      return rows.map((r) => ({
        connected: Number(r.connected) === 1,
        engaged: Number(r.engaged) === 1,
        invited: Number(r.invited) === 1,
        count: Number(r.n),
      }));
    },
    async connectionsBySourceType(clientId, since) {
      const rows = await db
        .selectFrom("connections")
        .innerJoin("humans", "humans.human_id", "connections.human_id")
        .innerJoin("sources", "sources.source_id", "connections.source_id")
        .select(["sources.type as type", (eb) => eb.fn.countAll<number>().as("n")])
        .where("humans.client_id", "=", clientId)
        .where("connections.connected_at", ">=", since)
        .groupBy("sources.type")
        .orderBy("n", "desc")
        .orderBy("sources.type")
        .execute();
      return rows.map((r) => ({ type: r.type, count: Number(r.n) }));
    },
    async outboxStates(clientId, since) {
      const states = db
        .selectFrom("webhook_outbox")
        .select(["state", sql<number>`case when attempts > 0 then 1 else 0 end`.as("attempted")])
        .where("client_id", "=", clientId)
        .where("created_at", ">=", since)
        .as("states");
      const rows = await db
        .selectFrom(states)
        .select(["state", "attempted", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["state", "attempted"])
        .execute();
      return rows.map((r) => ({ state: r.state, attempted: Number(r.attempted) === 1, count: Number(r.n) }));
    },
  };
}
