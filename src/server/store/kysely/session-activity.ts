import type { SessionActivityStore } from "../types.ts";
import { changed, type Db } from "./db.ts";

/** Per-session change log in SQL. */
export function sessionActivityStore(db: Db): SessionActivityStore {
  return {
    async record(sessionId, humanId, sourceId, action, at) {
      await db.insertInto("session_activity").values({ session_id: sessionId, human_id: humanId, source_id: sourceId, action, at }).execute();
    },
    async list(sessionId, humanId) {
      const rows = await db
        .selectFrom("session_activity")
        .innerJoin("sources", "sources.source_id", "session_activity.source_id")
        .select(["sources.name as name", "sources.source_id as id", "session_activity.action as action"])
        .where("session_activity.session_id", "=", sessionId)
        .where("session_activity.human_id", "=", humanId)
        .orderBy("session_activity.seq")
        .execute();
      return rows.map((r) => ({ action: r.action, source: { name: r.name, id: r.id } }));
    },
    async close(sessionId, humanId, status, at) {
      const res = await db
        .insertInto("closed_sessions")
        .values({ session_id: sessionId, human_id: humanId, status, closed_at: at })
        .onConflict((oc) => oc.column("session_id").doNothing())
        .executeTakeFirst();
      if (changed(res) > 0) return { closedNow: true, status };
      const row = await db.selectFrom("closed_sessions").select("status").where("session_id", "=", sessionId).executeTakeFirstOrThrow();
      return { closedNow: false, status: row.status };
    },
  };
}
