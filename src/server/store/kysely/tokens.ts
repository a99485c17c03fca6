import type { TokenIssuedVia, TokenKind, TokenStore } from "../types.ts";
import { compiledOnce } from "./compiled-once.ts";
import { changed, countOf, type Db } from "./db.ts";

const insertToken = compiledOnce(
  (db, token_hash: string, kind: TokenKind, human_id: string | null, client_id: string, created_at: number, expires_at: number, used_at: number | null, issued_via: TokenIssuedVia | null) =>
    db.insertInto("tokens").values({ token_hash, kind, human_id, client_id, created_at, expires_at, used_at, issued_via }),
);
const findToken = compiledOnce((db, tokenHash: string) => db.selectFrom("tokens").selectAll().where("token_hash", "=", tokenHash));

/** Bearer tokens in SQL, by hash. */
export function tokenStore(db: Db): TokenStore {
  return {
    async insert(tokenHash, t) {
      await insertToken(db, tokenHash, t.kind, t.humanId, t.clientId, t.createdAt, t.expiresAt, t.usedAt, t.issuedVia);
    },
    async find(tokenHash) {
      const row = (await findToken(db, tokenHash)).rows[0];
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
