import type { PortalSessionStore } from "../types.ts";
import type { Db } from "./db.ts";

/** Portal sessions in SQL, by the hash of the cookie value. */
export function portalSessionStore(db: Db): PortalSessionStore {
  return {
    async insert(sessionHash, s) {
      await db
        .insertInto("portal_sessions")
        .values({ session_hash: sessionHash, client_id: s.clientId, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt })
        .execute();
    },
    async get(sessionHash) {
      const row = await db.selectFrom("portal_sessions").selectAll().where("session_hash", "=", sessionHash).executeTakeFirst();
      return row ? { clientId: row.client_id, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
    },
    async delete(sessionHash) {
      await db.deleteFrom("portal_sessions").where("session_hash", "=", sessionHash).execute();
    },
    async deleteOfClient(clientId) {
      await db.deleteFrom("portal_sessions").where("client_id", "=", clientId).execute();
    },
  };
}
