/**
 * A small SQLite implementation of WebhookOutboxStore, for the worker's own tests (leases, concurrency, stop): a real
 * file, so that a test can close it, reopen it and see that nothing was lost, without clients, tokens or encryption.
 * The service's store implements the same interface and is tested end to end in service-webhooks.test.ts.
 */
import Database from "better-sqlite3";
import type { AttemptInfo, OutboxRow, WebhookOutboxStore } from "../../src/server/webhooks/outbox-worker.ts";

export interface OutboxRecord {
  id: number;
  message_id: string;
  endpoint_id: string;
  body: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: number;
}

export interface AttemptRecord {
  outbox_id: number;
  attempt: number;
  at: number;
  outcome: string;
  status: number | null;
  error: string | null;
}

export class SqliteOutboxStore implements WebhookOutboxStore {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        disabled_reason TEXT
      );
      CREATE TABLE IF NOT EXISTS webhook_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
        body TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        UNIQUE (message_id, endpoint_id)
      );
      CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(state, next_attempt_at);
      CREATE TABLE IF NOT EXISTS webhook_attempts (
        outbox_id INTEGER NOT NULL REFERENCES webhook_outbox(id),
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (outbox_id, attempt)
      );
    `);
  }

  addEndpoint(id: string, url: string, secret: string): void {
    this.db.prepare("INSERT INTO webhook_endpoints (id, url, secret) VALUES (?, ?, ?)").run(id, url, secret);
  }

  enqueue(endpointId: string, messageId: string, body: string, now: number): void {
    this.db
      .prepare("INSERT INTO webhook_outbox (message_id, endpoint_id, body, next_attempt_at) VALUES (?, ?, ?, ?)")
      .run(messageId, endpointId, body, now);
  }

  endpoint(id: string): { disabled_reason: string | null } | undefined {
    return this.db.prepare("SELECT disabled_reason FROM webhook_endpoints WHERE id = ?").get(id) as { disabled_reason: string | null } | undefined;
  }

  message(messageId: string): OutboxRecord | undefined {
    return this.db.prepare("SELECT * FROM webhook_outbox WHERE message_id = ?").get(messageId) as OutboxRecord | undefined;
  }

  attemptsOf(messageId: string): AttemptRecord[] {
    return this.db
      .prepare(
        `SELECT a.* FROM webhook_attempts a JOIN webhook_outbox o ON o.id = a.outbox_id
         WHERE o.message_id = ? ORDER BY a.attempt`,
      )
      .all(messageId) as AttemptRecord[];
  }

  close(): void {
    this.db.close();
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    const claim = this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT o.id, o.message_id, o.endpoint_id, e.url, e.secret, o.body, o.attempts
           FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id
           WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND e.disabled_reason IS NULL
           ORDER BY o.next_attempt_at, o.id LIMIT ?`,
        )
        .all(now, limit) as Array<{ id: number; message_id: string; endpoint_id: string; url: string; secret: string; body: string; attempts: number }>;
      const lease = this.db.prepare("UPDATE webhook_outbox SET next_attempt_at = ? WHERE id = ?");
      for (const row of rows) lease.run(now + leaseMs, row.id);
      return rows;
    });
    return claim().map((row) => ({
      id: String(row.id),
      messageId: row.message_id,
      endpointId: row.endpoint_id,
      url: row.url,
      secret: row.secret,
      body: row.body,
      attempts: row.attempts,
    }));
  }

  private record(id: string, attempt: AttemptInfo, state: OutboxRecord["state"], nextAt: number | null): void {
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE webhook_outbox SET state = ?, attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?")
        .run(state, attempt.attempt, nextAt, Number(id));
      this.db
        .prepare(
          "INSERT INTO webhook_attempts (outbox_id, attempt, at, outcome, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(Number(id), attempt.attempt, attempt.at, attempt.outcome, attempt.status, attempt.error, attempt.durationMs);
    })();
  }

  async markDelivered(id: string, attempt: AttemptInfo): Promise<void> {
    this.record(id, attempt, "delivered", null);
  }

  async markRetry(id: string, nextAt: number, attempt: AttemptInfo): Promise<void> {
    this.record(id, attempt, "pending", nextAt);
  }

  async markFailed(id: string, attempt: AttemptInfo): Promise<void> {
    this.record(id, attempt, "failed", null);
  }

  async disableEndpoint(endpointId: string, reason: string): Promise<void> {
    this.db.prepare("UPDATE webhook_endpoints SET disabled_reason = ? WHERE id = ?").run(reason, endpointId);
  }
}
