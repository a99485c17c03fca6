// Webhook endpoints, the durable outbox and its attempt log. Events are enqueued with the transaction of the change
// that caused them (`enqueueEvent`), so an acknowledged change and its event are stored together or not at all.
import type { Kysely, Transaction } from "kysely";
import type { ConnectSource } from "../../protocol/results.ts";
import type { SecretBox } from "../security/crypto.ts";
import { randomToken } from "../security/crypto.ts";
import { createWebhookMessage, type WebhookEventDataMap, type WebhookEventType } from "../webhooks/events.ts";
import type { AttemptInfo, OutboxRow, WebhookOutboxStore } from "../webhooks/outbox-worker.ts";
import { generateWebhookSecret } from "../webhooks/signature.ts";
import type { Database, OutboxState } from "./schema.ts";

type Db = Kysely<Database> | Transaction<Database>;

/** A client's webhook endpoint as shown to the client (never the secret). */
export interface WebhookEndpointRecord {
  endpointId: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One outbox message with its attempts, for the delivery log. */
export interface WebhookDeliveryRecord {
  messageId: string;
  eventType: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number | null;
  createdAt: number;
  lastStatus: number | null;
  lastError: string | null;
  body: string;
  log: { attempt: number; at: number; outcome: string; status: number | null; error: string | null; durationMs: number }[];
}

/** The human's connections as `{name, id}`, in the order they were made. */
export async function connectionsOf(db: Db, humanId: string): Promise<ConnectSource[]> {
  const rows = await db
    .selectFrom("connections")
    .innerJoin("sources", "sources.source_id", "connections.source_id")
    .select(["sources.name as name", "sources.source_id as id"])
    .where("connections.human_id", "=", humanId)
    .orderBy("connections.seq")
    .execute();
  return rows.map((r) => ({ name: r.name, id: r.id }));
}

/**
 * Puts an event in the outbox of the client's enabled endpoint, inside `db` (a transaction); returns whether a row
 * was added. A client without an endpoint gets no row: events are not kept for an endpoint registered later.
 */
export async function enqueueEvent<T extends WebhookEventType>(
  db: Db,
  clientId: string,
  type: T,
  data: WebhookEventDataMap[T],
  now: number,
): Promise<boolean> {
  const endpoint = await db
    .selectFrom("webhook_endpoints")
    .select("endpoint_id")
    .where("client_id", "=", clientId)
    .where("enabled", "=", 1)
    .executeTakeFirst();
  if (!endpoint) return false;
  const message = createWebhookMessage(type, data, now);
  await db
    .insertInto("webhook_outbox")
    .values({
      message_id: message.id,
      endpoint_id: endpoint.endpoint_id,
      client_id: clientId,
      event_type: type,
      body: message.body,
      state: "pending",
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      last_status: null,
      last_error: null,
    })
    .execute();
  return true;
}

function toEndpoint(row: Database["webhook_endpoints"]): WebhookEndpointRecord {
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** SQL of webhook endpoints and the outbox; the worker's `WebhookOutboxStore`. */
export class WebhookStore implements WebhookOutboxStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** The client's endpoint, or undefined. */
  async getEndpoint(clientId: string): Promise<WebhookEndpointRecord | undefined> {
    const row = await this.db.selectFrom("webhook_endpoints").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    return row ? toEndpoint(row) : undefined;
  }

  /**
   * Sets the client's endpoint URL and enables it. A new endpoint, or `rotateSecret`, gets a fresh `whsec_` secret,
   * returned here once; otherwise the secret stays and `secret` is null.
   */
  async setEndpoint(
    clientId: string,
    url: string,
    now: number,
    rotateSecret = false,
  ): Promise<{ endpoint: WebhookEndpointRecord; secret: string | null }> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("webhook_endpoints").selectAll().where("client_id", "=", clientId).executeTakeFirst();
      const secret = !existing || rotateSecret ? generateWebhookSecret() : null;
      if (existing) {
        await trx
          .updateTable("webhook_endpoints")
          .set({
            url,
            enabled: 1,
            disabled_reason: null,
            updated_at: now,
            ...(secret ? { secret_encrypted: this.secrets.encrypt(secret) } : {}),
          })
          .where("endpoint_id", "=", existing.endpoint_id)
          .execute();
      } else {
        await trx
          .insertInto("webhook_endpoints")
          .values({
            endpoint_id: randomToken(12, "ep_"),
            client_id: clientId,
            url,
            secret_encrypted: this.secrets.encrypt(secret!),
            enabled: 1,
            disabled_reason: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
      const row = await trx.selectFrom("webhook_endpoints").selectAll().where("client_id", "=", clientId).executeTakeFirstOrThrow();
      return { endpoint: toEndpoint(row), secret };
    });
  }

  /** Stops deliveries to the client's endpoint (pending messages stay and resume when it is set again). */
  async disableClientEndpoint(clientId: string, reason: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable("webhook_endpoints")
      .set({ enabled: 0, disabled_reason: reason, updated_at: now })
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** The client's most recent messages, newest first, with their attempts. */
  async listDeliveries(clientId: string, limit: number, offset: number): Promise<{ total: number; deliveries: WebhookDeliveryRecord[] }> {
    const count = await this.db
      .selectFrom("webhook_outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    const rows = await this.db
      .selectFrom("webhook_outbox")
      .selectAll()
      .where("client_id", "=", clientId)
      .orderBy("outbox_id", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    const ids = rows.map((r) => r.outbox_id);
    const attempts = ids.length
      ? await this.db.selectFrom("webhook_attempts").selectAll().where("outbox_id", "in", ids).orderBy("attempt").execute()
      : [];
    return {
      total: Number(count?.n ?? 0),
      deliveries: rows.map((r) => ({
        messageId: r.message_id,
        eventType: r.event_type,
        state: r.state,
        attempts: r.attempts,
        nextAttemptAt: r.state === "pending" ? Number(r.next_attempt_at) : null,
        createdAt: Number(r.created_at),
        lastStatus: r.last_status,
        lastError: r.last_error,
        body: r.body,
        log: attempts
          .filter((a) => a.outbox_id === r.outbox_id)
          .map((a) => ({ attempt: a.attempt, at: Number(a.at), outcome: a.outcome, status: a.status, error: a.error, durationMs: a.duration_ms })),
      })),
    };
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("webhook_outbox as o")
        .innerJoin("webhook_endpoints as e", "e.endpoint_id", "o.endpoint_id")
        .select(["o.outbox_id", "o.message_id", "o.endpoint_id", "e.url", "e.secret_encrypted", "o.body", "o.attempts"])
        .where("o.state", "=", "pending")
        .where("o.next_attempt_at", "<=", now)
        .where("e.enabled", "=", 1)
        .orderBy("o.next_attempt_at")
        .orderBy("o.outbox_id")
        .limit(limit)
        .execute();
      for (const row of rows) {
        await trx.updateTable("webhook_outbox").set({ next_attempt_at: now + leaseMs }).where("outbox_id", "=", row.outbox_id).execute();
      }
      return rows.map((row) => ({
        id: String(row.outbox_id),
        messageId: row.message_id,
        endpointId: row.endpoint_id,
        url: row.url,
        secret: this.secrets.decrypt(row.secret_encrypted),
        body: row.body,
        attempts: row.attempts,
      }));
    });
  }

  private async record(id: string, attempt: AttemptInfo, state: OutboxState, nextAt: number | null): Promise<void> {
    const outboxId = Number(id);
    await this.db.transaction().execute(async (trx) => {
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
  }

  async markDelivered(id: string, attempt: AttemptInfo): Promise<void> {
    await this.record(id, attempt, "delivered", null);
  }

  async markRetry(id: string, nextAt: number, attempt: AttemptInfo): Promise<void> {
    await this.record(id, attempt, "pending", nextAt);
  }

  async markFailed(id: string, attempt: AttemptInfo): Promise<void> {
    await this.record(id, attempt, "failed", null);
  }

  async disableEndpoint(endpointId: string, reason: string): Promise<void> {
    await this.db
      .updateTable("webhook_endpoints")
      .set({ enabled: 0, disabled_reason: reason })
      .where("endpoint_id", "=", endpointId)
      .execute();
  }
}
