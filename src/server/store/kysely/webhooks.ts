import { lockSkippingLocked } from "../dialect.ts";
import type { WebhookEndpointsTable } from "../schema.ts";
import type { DialectName, WebhookEndpointRecord, WebhookStore } from "../types.ts";
import { changed, countOf, inTransaction, type Db } from "./db.ts";

function toEndpoint(row: WebhookEndpointsTable): WebhookEndpointRecord {
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Webhook endpoints, the outbox and the attempt log in SQL. */
export function webhookStore(db: Db, dialect: DialectName): WebhookStore {
  return {
    async getEndpoint(clientId) {
      const row = await db.selectFrom("webhook_endpoints").selectAll().where("client_id", "=", clientId).executeTakeFirst();
      return row ? toEndpoint(row) : undefined;
    },
    async enabledEndpointId(clientId) {
      const row = await db
        .selectFrom("webhook_endpoints")
        .select("endpoint_id")
        .where("client_id", "=", clientId)
        .where("enabled", "=", 1)
        .executeTakeFirst();
      return row?.endpoint_id;
    },
    async insertEndpoint(clientId, e, secretEncrypted) {
      await db
        .insertInto("webhook_endpoints")
        .values({
          endpoint_id: e.endpointId,
          client_id: clientId,
          url: e.url,
          secret_encrypted: secretEncrypted,
          enabled: e.enabled ? 1 : 0,
          disabled_reason: e.disabledReason,
          created_at: e.createdAt,
          updated_at: e.updatedAt,
        })
        .execute();
    },
    async updateEndpoint(endpointId, url, secretEncrypted, now) {
      await db
        .updateTable("webhook_endpoints")
        .set({ url, enabled: 1, disabled_reason: null, updated_at: now, ...(secretEncrypted ? { secret_encrypted: secretEncrypted } : {}) })
        .where("endpoint_id", "=", endpointId)
        .execute();
    },
    async disableClientEndpoint(clientId, reason, now) {
      const res = await db
        .updateTable("webhook_endpoints")
        .set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return changed(res) > 0;
    },
    async disableEndpoint(endpointId, reason) {
      await db.updateTable("webhook_endpoints").set({ enabled: 0, disabled_reason: reason }).where("endpoint_id", "=", endpointId).execute();
    },
    async enqueue(m) {
      await db
        .insertInto("webhook_outbox")
        .values({
          message_id: m.messageId,
          endpoint_id: m.endpointId,
          client_id: m.clientId,
          event_type: m.eventType,
          body: m.body,
          state: "pending",
          attempts: 0,
          next_attempt_at: m.now,
          created_at: m.now,
          last_status: null,
          last_error: null,
        })
        .execute();
    },
    claimDue(now, limit, leaseMs) {
      return inTransaction(db, async (trx) => {
        const due = trx
          .selectFrom("webhook_outbox as o")
          .innerJoin("webhook_endpoints as e", "e.endpoint_id", "o.endpoint_id")
          .select(["o.outbox_id", "o.message_id", "o.endpoint_id", "e.url", "e.secret_encrypted", "o.body", "o.attempts"])
          .where("o.state", "=", "pending")
          .where("o.next_attempt_at", "<=", now)
          .where("e.enabled", "=", 1)
          .orderBy("o.next_attempt_at")
          .orderBy("o.outbox_id")
          .limit(limit);
        const rows = await lockSkippingLocked(dialect, due, "o").execute();
        if (rows.length > 0) {
          await trx
            .updateTable("webhook_outbox")
            .set({ next_attempt_at: now + leaseMs })
            .where("outbox_id", "in", rows.map((r) => r.outbox_id))
            .execute();
        }
        return rows.map((row) => ({
          id: String(row.outbox_id),
          messageId: row.message_id,
          endpointId: row.endpoint_id,
          url: row.url,
          secretEncrypted: row.secret_encrypted,
          body: row.body,
          attempts: row.attempts,
        }));
      });
    },
    recordAttempt(id, attempt, state, nextAt) {
      const outboxId = Number(id);
      return inTransaction(db, async (trx) => {
        await trx
          .updateTable("webhook_outbox")
          .set({
            state,
            attempts: attempt.attempt,
            last_status: attempt.status,
            last_error: attempt.error,
            ...(nextAt !== null ? { next_attempt_at: nextAt } : {}),
          })
          .where("outbox_id", "=", outboxId)
          .execute();
        await trx
          .insertInto("webhook_attempts")
          .values({
            outbox_id: outboxId,
            attempt: attempt.attempt,
            at: attempt.at,
            outcome: attempt.outcome,
            status: attempt.status,
            error: attempt.error,
            duration_ms: attempt.durationMs,
            response_snippet: attempt.responseSnippet,
          })
          .onConflict((oc) => oc.columns(["outbox_id", "attempt"]).doNothing())
          .execute();
      });
    },
    async listDeliveries(clientId, limit, offset) {
      const count = await db
        .selectFrom("webhook_outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      const rows = await db
        .selectFrom("webhook_outbox")
        .selectAll()
        .where("client_id", "=", clientId)
        .orderBy("outbox_id", "desc")
        .limit(limit)
        .offset(offset)
        .execute();
      const ids = rows.map((r) => r.outbox_id);
      const attempts = ids.length
        ? await db.selectFrom("webhook_attempts").selectAll().where("outbox_id", "in", ids).orderBy("attempt").execute()
        : [];
      return {
        total: countOf(count),
        deliveries: rows.map((r) => ({
          messageId: r.message_id,
          eventType: r.event_type,
          state: r.state,
          attempts: r.attempts,
          nextAttemptAt: r.state === "pending" ? r.next_attempt_at : null,
          createdAt: r.created_at,
          lastStatus: r.last_status,
          lastError: r.last_error,
          body: r.body,
          log: attempts
            .filter((a) => a.outbox_id === r.outbox_id)
            .map((a) => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, status: a.status, error: a.error, durationMs: a.duration_ms })),
        })),
      };
    },
    async pendingCount() {
      // Served by the (state, next_attempt_at) index.
      const row = await db.selectFrom("webhook_outbox").select((eb) => eb.fn.countAll<number>().as("n")).where("state", "=", "pending").executeTakeFirst();
      return countOf(row);
    },
  };
}
