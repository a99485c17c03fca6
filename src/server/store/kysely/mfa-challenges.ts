import type { MfaChallengeStore } from "../types.ts";
import { changed, type Db } from "./db.ts";

/** MFA challenges in SQL, by the hash of their id. */
export function mfaChallengeStore(db: Db): MfaChallengeStore {
  return {
    async insert(challengeHash, c) {
      await db
        .insertInto("mfa_challenges")
        .values({
          challenge_hash: challengeHash,
          human_id: c.humanId,
          source_id: c.sourceId,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          failed_attempts: c.failedAttempts,
          used_at: c.usedAt,
        })
        .execute();
    },
    async get(challengeHash) {
      const row = await db.selectFrom("mfa_challenges").selectAll().where("challenge_hash", "=", challengeHash).executeTakeFirst();
      if (!row) return undefined;
      return {
        humanId: row.human_id,
        sourceId: row.source_id,
        expiresAt: row.expires_at,
        failedAttempts: row.failed_attempts,
        usedAt: row.used_at,
      };
    },
    async recordFailure(challengeHash) {
      const row = await db
        .updateTable("mfa_challenges")
        .set((eb) => ({ failed_attempts: eb("failed_attempts", "+", 1) }))
        .where("challenge_hash", "=", challengeHash)
        .returning("failed_attempts")
        .executeTakeFirst();
      return row?.failed_attempts ?? 0;
    },
    async consume(challengeHash, now) {
      const res = await db
        .updateTable("mfa_challenges")
        .set({ used_at: now })
        .where("challenge_hash", "=", challengeHash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return changed(res) === 1;
    },
  };
}
