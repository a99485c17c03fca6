import type { OAuthAttemptsTable } from "../schema.ts";
import type { OAuthAttemptRecord, OAuthAttemptStore } from "../types.ts";
import { changed, type Db } from "./db.ts";

function toAttempt(row: OAuthAttemptsTable): OAuthAttemptRecord {
  return {
    attemptId: row.attempt_id,
    humanId: row.human_id,
    sourceId: row.source_id,
    codeVerifier: row.code_verifier,
    codeChallenge: row.code_challenge,
    redirectUri: row.redirect_uri,
    codeHash: row.code_hash,
    codeExpiresAt: row.code_expires_at,
    codeUsedAt: row.code_used_at,
    status: row.status,
    sessionId: row.session_id,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    expiresAt: row.expires_at,
    returnUrl: row.return_url,
    completionHash: row.completion_hash,
    completionExpiresAt: row.completion_expires_at,
    completionUsedAt: row.completion_used_at,
  };
}

/** OAuth attempts in SQL. */
export function oauthAttemptStore(db: Db): OAuthAttemptStore {
  const findBy = async (column: "attempt_id" | "state_hash" | "code_hash", value: string) => {
    const row = await db.selectFrom("oauth_attempts").selectAll().where(column, "=", value).executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  };
  return {
    async insert(a) {
      await db
        .insertInto("oauth_attempts")
        .values({
          attempt_id: a.attemptId,
          human_id: a.humanId,
          source_id: a.sourceId,
          state_hash: a.stateHash,
          code_verifier: a.codeVerifier,
          code_challenge: a.codeChallenge,
          redirect_uri: a.redirectUri,
          session_id: a.sessionId,
          code_hash: a.codeHash,
          code_expires_at: a.codeExpiresAt,
          code_used_at: a.codeUsedAt,
          status: a.status,
          error_code: a.errorCode,
          error_message: a.errorMessage,
          created_at: a.createdAt,
          expires_at: a.expiresAt,
          return_url: a.returnUrl,
          completion_hash: a.completionHash,
          completion_expires_at: a.completionExpiresAt,
          completion_used_at: a.completionUsedAt,
        })
        .execute();
    },
    get: (attemptId) => findBy("attempt_id", attemptId),
    findByState: (stateHash) => findBy("state_hash", stateHash),
    findByCode: (codeHash) => findBy("code_hash", codeHash),
    async setCode(attemptId, codeHash, codeExpiresAt) {
      const res = await db
        .updateTable("oauth_attempts")
        .set({ code_hash: codeHash, code_expires_at: codeExpiresAt })
        .where("attempt_id", "=", attemptId)
        .where("status", "=", "pending")
        .where("code_hash", "is", null)
        .executeTakeFirst();
      return changed(res) === 1;
    },
    async consumeCode(codeHash, now) {
      const res = await db
        .updateTable("oauth_attempts")
        .set({ code_used_at: now })
        .where("code_hash", "=", codeHash)
        .where("code_used_at", "is", null)
        .executeTakeFirst();
      return changed(res) === 1;
    },
    async setCompletion(attemptId, completionHash, completionExpiresAt) {
      const res = await db
        .updateTable("oauth_attempts")
        .set({ completion_hash: completionHash, completion_expires_at: completionExpiresAt })
        .where("attempt_id", "=", attemptId)
        .where("completion_hash", "is", null)
        .executeTakeFirst();
      return changed(res) === 1;
    },
    async consumeCompletion(attemptId, completionHash, now) {
      const res = await db
        .updateTable("oauth_attempts")
        .set({ completion_used_at: now })
        .where("attempt_id", "=", attemptId)
        .where("completion_hash", "=", completionHash)
        .where("completion_used_at", "is", null)
        .executeTakeFirst();
      return changed(res) === 1;
    },
    async finish(attemptId, outcome) {
      await db
        .updateTable("oauth_attempts")
        .set(
          outcome.status === "connected"
            ? { status: "connected" }
            : { status: "failed", error_code: outcome.errorCode, error_message: outcome.message },
        )
        .where("attempt_id", "=", attemptId)
        .where("status", "=", "pending")
        .execute();
    },
  };
}
