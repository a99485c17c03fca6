import type { TokenStore } from "../types.ts";
import { changed, countOf, type Db } from "./db.ts";

/** Bearer tokens in SQL, by hash. */
export function tokenStore(db: Db): TokenStore {
  return {
    async insert(tokenHash, t) {
      await db
        .insertInto("tokens")
        .values({
          token_hash: tokenHash,
          kind: t.kind,
          human_id: t.humanId,
          client_id: t.clientId,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          used_at: t.usedAt,
          issued_via: t.issuedVia,
        })
        .execute();
    },
    async find(tokenHash) {
      const row = await db.selectFrom("tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
      if (!row) return undefined;
      return {
        kind: row.kind,
        humanId: row.human_id,
        clientId: row.client_id,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        issuedVia: row.issued_via ?? null,
      };
    },
    async consume(tokenHash, now) {
      const res = await db.updateTable("tokens").set({ used_at: now }).where("token_hash", "=", tokenHash).where("used_at", "is", null).executeTakeFirst();
      return changed(res) === 1;
    },
    async deleteOfClient(clientId, kinds) {
      let q = db.deleteFrom("tokens").where("client_id", "=", clientId);
      if (kinds) q = q.where("kind", "in", [...kinds]);
      await q.execute();
    },
    async count(kind) {
      let q = db.selectFrom("tokens").select((eb) => eb.fn.countAll<number>().as("n"));
      if (kind) q = q.where("kind", "=", kind);
      return countOf(await q.executeTakeFirst());
    },
  };
}
