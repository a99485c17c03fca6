import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql, type Transaction } from "kysely";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CloseStatus, ConnectSource } from "../../protocol/results.ts";
import type { AuthMethod, SourceType, UiState } from "../../protocol/connect-api.ts";
import type { SourceRecord } from "../catalog/types.ts";
import { systemClock, type Clock } from "../clock.ts";
import { SecretBox, constantTimeEqual, hashToken, loadMasterKey, randomHex128, randomToken } from "../security/crypto.ts";
import type { SessionClosedData, WebhookEventDataMap, WebhookEventType } from "../webhooks/events.ts";
import { migrationProvider } from "./migrations.ts";
import { WebhookStore, connectionsOf, enqueueEvent } from "./webhook-store.ts";
import type { Database, OAuthAttemptState, OAuthAttemptsTable, TokenIssuedVia, TokenKind } from "./schema.ts";

export type { TokenIssuedVia, TokenKind, OAuthAttemptState } from "./schema.ts";
export type { WebhookDeliveryRecord, WebhookEndpointRecord } from "./webhook-store.ts";

/** A user's place in onboarding (seed 000): invited, engaged (opened a link or Connect), connected (a source now). */
export type HumanStatus = "created" | "invited" | "engaged" | "connected";

/** A human with the status the company sees in `GET /v1/users` and the Portal. */
export interface HumanSummary extends HumanRecord {
  status: HumanStatus;
  connections: number;
}

/** A client's stored email template. */
export interface StoredEmailTemplate {
  alias: string;
  subject: string;
  html: string;
  text: string | null;
  updatedAt: number;
}

/** A Portal sign-in session. */
export interface PortalSessionRecord {
  clientId: string;
  csrfToken: string;
  expiresAt: number;
}

/** File name of the SQLite database inside the data dir. */
export const DATABASE_FILE = "connect.sqlite";

/** What a client app may do. */
export interface ClientPermissions {
  idTokens: boolean;
  clientTokens: boolean;
}

/** A client app as the service sees it; the secret is never part of it. */
export interface ClientRecord {
  clientId: string;
  name: string;
  primaryColor: string | null;
  logoUrl: string | null;
  allowedOrigins: string[];
  permissions: ClientPermissions;
  disabled: boolean;
  redirectUrl: string | null;
  createdAt: number;
}

/** Fields for a new client app. */
export interface NewClient {
  name: string;
  allowedOrigins: string[];
  primaryColor?: string | null;
  logoUrl?: string | null;
  permissions?: Partial<ClientPermissions>;
  redirectUrl?: string | null;
}

/** Credentials of a client app, shown once at creation or rotation. */
export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

/** One end user of one client app. */
export interface HumanRecord {
  humanId: string;
  clientId: string;
  clientUserId: string;
  email: string | null;
  createdAt: number;
  invitedAt: number | null;
  engagedAt: number | null;
  connectedAt: number | null;
}

/** A stored token, found by its hash. */
export interface TokenRecord {
  kind: TokenKind;
  humanId: string | null;
  clientId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** Where the token was issued; null for the token endpoint. */
  issuedVia: TokenIssuedVia | null;
}

/** A pending MFA challenge. */
export interface MfaChallengeRecord {
  humanId: string;
  sourceId: string;
  expiresAt: number;
  failedAttempts: number;
  usedAt: number | null;
}

/** An OAuth authorization attempt from start to callback. */
export interface OAuthAttemptRecord {
  attemptId: string;
  humanId: string;
  sourceId: string;
  codeVerifier: string;
  codeChallenge: string;
  redirectUri: string;
  codeHash: string | null;
  codeExpiresAt: number | null;
  codeUsedAt: number | null;
  status: OAuthAttemptState;
  sessionId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  expiresAt: number;
}

/** Options for opening a store. */
export interface StoreOptions {
  clock?: Clock;
  /** 32-byte key for client secrets; defaults to HC_MASTER_KEY or the data dir's key file. */
  masterKey?: Buffer;
}

const SOURCE_INSERT_BATCH = 500;

function toClient(row: Database["clients"]): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    primaryColor: row.primary_color,
    logoUrl: row.logo_url,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    permissions: { idTokens: row.perm_id_tokens === 1, clientTokens: row.perm_client_tokens === 1 },
    disabled: row.disabled === 1,
    redirectUrl: row.redirect_url,
    createdAt: Number(row.created_at),
  };
}

function toHuman(row: Database["humans"]): HumanRecord {
  return {
    humanId: row.human_id,
    clientId: row.client_id,
    clientUserId: row.client_user_id,
    email: row.email,
    createdAt: Number(row.created_at),
    invitedAt: row.invited_at,
    engagedAt: row.engaged_at,
    connectedAt: row.connected_at,
  };
}

function toSource(row: Database["sources"]): SourceRecord {
  return {
    id: row.source_id,
    name: row.name,
    type: row.type as SourceType,
    city: row.city,
    state: row.state,
    auth: row.auth as AuthMethod,
    description: row.description,
    behavior: row.behavior as SourceRecord["behavior"],
  };
}

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
  };
}

/**
 * Every query of the Connect service. Written with Kysely so that a PostgreSQL dialect can replace SQLite
 * without touching a query; nothing outside this module speaks SQL.
 */
export class Store {
  private readonly secrets: SecretBox;
  /** Webhook endpoints, the outbox and the delivery log (the webhook worker's store). */
  readonly webhooks: WebhookStore;
  /** Called after a transaction that queued a webhook event has committed (the service pokes its worker). */
  onEventQueued: (() => void) | undefined;

  private constructor(
    /** The Kysely handle; exposed for modules that add their own tables through migrations. */
    readonly db: Kysely<Database>,
    private readonly sqlite: BetterSqlite3.Database,
    masterKey: Buffer,
    private readonly clock: Clock,
    /** Directory holding the database and key file. */
    readonly dataDir: string,
  ) {
    this.secrets = new SecretBox(masterKey);
    this.webhooks = new WebhookStore(db, this.secrets);
  }

  private notifyQueued(queued: boolean): void {
    if (queued) this.onEventQueued?.();
  }

  private async humanRef(db: Transaction<Database>, humanId: string) {
    return db.selectFrom("humans").select(["client_id", "client_user_id"]).where("human_id", "=", humanId).executeTakeFirst();
  }

  /** Queues an event for the client's endpoint outside any other change. */
  async emitEvent<T extends WebhookEventType>(clientId: string, type: T, data: WebhookEventDataMap[T]): Promise<void> {
    const queued = await this.db.transaction().execute((trx) => enqueueEvent(trx, clientId, type, data, this.clock.now()));
    this.notifyQueued(queued);
  }

  /** Opens (creating if needed) `connect.sqlite` in `dataDir` and applies pending migrations. */
  static async open(dataDir: string, options: StoreOptions = {}): Promise<Store> {
    mkdirSync(dataDir, { recursive: true });
    const masterKey = options.masterKey ?? loadMasterKey(dataDir);
    const sqlite = new BetterSqlite3(join(dataDir, DATABASE_FILE));
    sqlite.pragma("journal_mode = WAL");
    // FULL: an acknowledged write survives a power cut, not only a process crash.
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const store = new Store(db, sqlite, masterKey, options.clock ?? systemClock, dataDir);
    try {
      await store.migrate();
      await store.checkMasterKey();
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return store;
  }

  /** Fails fast when the master key is not the one the stored secrets were encrypted with. */
  private async checkMasterKey(): Promise<void> {
    const row = await this.db.selectFrom("clients").select("secret_encrypted").limit(1).executeTakeFirst();
    if (!row) return;
    try {
      this.secrets.decrypt(row.secret_encrypted);
    } catch {
      throw new Error(
        `the master key does not decrypt the client secrets in ${this.dataDir}: use the HC_MASTER_KEY or master.key they were created with`,
      );
    }
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error");
      throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`);
    }
  }

  /** Closes the database (checkpointing the WAL). */
  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Runs `fn` in one transaction with a store bound to it. */
  async transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  // ---- clients ----------------------------------------------------------------------------------------

  /** Creates a client app and returns its credentials (the only time the secret is shown). */
  async createClient(input: NewClient): Promise<ClientCredentials> {
    const clientId = randomHex128() + randomHex128().slice(0, 8);
    const clientSecret = randomToken(32);
    const now = this.clock.now();
    await this.db
      .insertInto("clients")
      .values({
        client_id: clientId,
        secret_encrypted: this.secrets.encrypt(clientSecret),
        name: input.name,
        primary_color: input.primaryColor ?? null,
        logo_url: input.logoUrl ?? null,
        allowed_origins: JSON.stringify(input.allowedOrigins),
        perm_id_tokens: input.permissions?.idTokens === false ? 0 : 1,
        perm_client_tokens: input.permissions?.clientTokens === true ? 1 : 0,
        disabled: 0,
        redirect_url: input.redirectUrl ?? null,
        created_at: now,
        secret_rotated_at: now,
      })
      .execute();
    return { client_id: clientId, client_secret: clientSecret };
  }

  /** A client by id, or undefined. */
  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const row = await this.db.selectFrom("clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    return row ? toClient(row) : undefined;
  }

  /** Every client, oldest first. */
  async listClients(): Promise<ClientRecord[]> {
    const rows = await this.db.selectFrom("clients").selectAll().orderBy("created_at").orderBy("client_id").execute();
    return rows.map(toClient);
  }

  /** True when `secret` is the client's current secret (constant-time compare). */
  async verifyClientSecret(clientId: string, secret: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("clients")
      .select("secret_encrypted")
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    if (!row) return false;
    return constantTimeEqual(this.secrets.decrypt(row.secret_encrypted), secret);
  }

  /** The client's current secret in clear, for signing and verifying invite links. */
  async getClientSecret(clientId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("clients")
      .select("secret_encrypted")
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return row ? this.secrets.decrypt(row.secret_encrypted) : undefined;
  }

  /** Replaces the client's secret and revokes its client tokens; returns the new credentials. */
  async rotateClientSecret(clientId: string): Promise<ClientCredentials | undefined> {
    const clientSecret = randomToken(32);
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("clients")
        .set({ secret_encrypted: this.secrets.encrypt(clientSecret), secret_rotated_at: now })
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return undefined;
      await trx.deleteFrom("tokens").where("client_id", "=", clientId).where("kind", "=", "client").execute();
      await trx.deleteFrom("portal_sessions").where("client_id", "=", clientId).execute();
      return { client_id: clientId, client_secret: clientSecret };
    });
  }

  /** Disables or re-enables a client; returns false when it does not exist. */
  async setClientDisabled(clientId: string, disabled: boolean): Promise<boolean> {
    const res = await this.db
      .updateTable("clients")
      .set({ disabled: disabled ? 1 : 0 })
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Changes a client's branding, origins, permissions or redirect URL. */
  async updateClient(
    clientId: string,
    changes: Partial<Omit<NewClient, "permissions">> & { permissions?: Partial<ClientPermissions> },
  ): Promise<boolean> {
    const set: Partial<Database["clients"]> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.allowedOrigins !== undefined) set.allowed_origins = JSON.stringify(changes.allowedOrigins);
    if (changes.primaryColor !== undefined) set.primary_color = changes.primaryColor;
    if (changes.logoUrl !== undefined) set.logo_url = changes.logoUrl;
    if (changes.redirectUrl !== undefined) set.redirect_url = changes.redirectUrl;
    if (changes.permissions?.idTokens !== undefined) set.perm_id_tokens = changes.permissions.idTokens ? 1 : 0;
    if (changes.permissions?.clientTokens !== undefined) {
      set.perm_client_tokens = changes.permissions.clientTokens ? 1 : 0;
    }
    if (Object.keys(set).length === 0) return (await this.getClient(clientId)) !== undefined;
    const res = await this.db.updateTable("clients").set(set).where("client_id", "=", clientId).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  // ---- humans -----------------------------------------------------------------------------------------

  /** The human for (client, client_user_id), created on first sight; the email is updated when given. */
  async upsertHuman(clientId: string, clientUserId: string, email: string | null, db: Kysely<Database> = this.db): Promise<HumanRecord> {
    const now = this.clock.now();
    await db
      .insertInto("humans")
      .values({
        human_id: randomHex128(),
        client_id: clientId,
        client_user_id: clientUserId,
        email,
        created_at: now,
        invited_at: null,
        engaged_at: null,
        connected_at: null,
      })
      .onConflict((oc) =>
        oc.columns(["client_id", "client_user_id"]).doUpdateSet(email === null ? { client_id: clientId } : { email }),
      )
      .execute();
    const human = await this.findHuman(clientId, clientUserId, db);
    if (!human) throw new Error("human vanished after upsert");
    return human;
  }

  /**
   * Seed 001's session step in one transaction: a new session token for the human, created on first sight, unless the
   * human has ever connected a source (then `undefined`: the session window is over for good and id tokens take over).
   */
  async startSession(
    clientId: string,
    clientUserId: string,
    email: string,
    ttlMs: number,
  ): Promise<{ human: HumanRecord; token: string } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await this.findHuman(clientId, clientUserId, trx);
      if (existing && existing.connectedAt !== null) return undefined;
      const human = await this.upsertHuman(clientId, clientUserId, email, trx);
      const { token } = await this.issueToken({ kind: "session", clientId, humanId: human.humanId, ttlMs }, trx);
      return { human, token };
    });
  }

  /** The human for (client, client_user_id), or undefined. */
  async findHuman(clientId: string, clientUserId: string, db: Kysely<Database> = this.db): Promise<HumanRecord | undefined> {
    const row = await db
      .selectFrom("humans")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("client_user_id", "=", clientUserId)
      .executeTakeFirst();
    return row ? toHuman(row) : undefined;
  }

  /** A human by id, or undefined. */
  async getHuman(humanId: string): Promise<HumanRecord | undefined> {
    const row = await this.db.selectFrom("humans").selectAll().where("human_id", "=", humanId).executeTakeFirst();
    return row ? toHuman(row) : undefined;
  }

  /**
   * Records the first time a human engaged (launched Connect, from an invite link or embedded) and queues
   * `user.engaged` then; later calls keep the first time and queue nothing.
   */
  async markHumanEngaged(humanId: string, via: "invite_link" | "connect" = "connect"): Promise<void> {
    const now = this.clock.now();
    const queued = await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("humans")
        .set({ engaged_at: now })
        .where("human_id", "=", humanId)
        .where("engaged_at", "is", null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      const ref = await this.humanRef(trx, humanId);
      if (!ref) return false;
      return enqueueEvent(trx, ref.client_id, "user.engaged", { client_user_id: ref.client_user_id, human_id: humanId, via }, now);
    });
    this.notifyQueued(queued);
  }

  /**
   * Records that an invite link or email was made for (client, client_user_id): creates the human when new, keeps
   * the latest email, sets `invited_at` the first time, and queues `user.invited` (every invitation is an event).
   */
  async markHumanInvited(input: {
    clientId: string;
    clientUserId: string;
    email: string;
    via: "link" | "email";
    expiresAt: string;
  }): Promise<HumanRecord> {
    const now = this.clock.now();
    const human = await this.upsertHuman(input.clientId, input.clientUserId, input.email);
    const queued = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("humans")
        .set({ invited_at: now })
        .where("human_id", "=", human.humanId)
        .where("invited_at", "is", null)
        .execute();
      return enqueueEvent(
        trx,
        input.clientId,
        "user.invited",
        { client_user_id: input.clientUserId, email: input.email, via: input.via, expires_at: input.expiresAt },
        now,
      );
    });
    this.notifyQueued(queued);
    return (await this.getHuman(human.humanId)) ?? human;
  }

  /** A client's users with their status, newest first, optionally only those in one status. */
  async listHumans(
    clientId: string,
    opts: { status?: Exclude<HumanStatus, "created"> | undefined; limit: number; offset: number },
  ): Promise<{ total: number; users: HumanSummary[] }> {
    const connectionCount = sql<number>`(select count(*) from connections where connections.human_id = humans.human_id)`;
    let q = this.db.selectFrom("humans").where("client_id", "=", clientId);
    if (opts.status === "connected") q = q.where(sql<boolean>`${connectionCount} > 0`);
    else if (opts.status === "engaged") q = q.where(sql<boolean>`${connectionCount} = 0`).where("engaged_at", "is not", null);
    else if (opts.status === "invited") {
      q = q.where(sql<boolean>`${connectionCount} = 0`).where("engaged_at", "is", null).where("invited_at", "is not", null);
    }
    const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    const rows = await q
      .selectAll()
      .select(connectionCount.as("connection_count"))
      .orderBy("created_at", "desc")
      .orderBy("human_id")
      .limit(opts.limit)
      .offset(opts.offset)
      .execute();
    return {
      total: Number(total?.n ?? 0),
      users: rows.map((row) => {
        const connections = Number(row.connection_count);
        const human = toHuman(row);
        const status: HumanStatus =
          connections > 0 ? "connected" : human.engagedAt !== null ? "engaged" : human.invitedAt !== null ? "invited" : "created";
        return { ...human, status, connections };
      }),
    };
  }

  /** Number of humans stored (all clients). */
  async countHumans(): Promise<number> {
    const row = await this.db.selectFrom("humans").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  // ---- tokens -----------------------------------------------------------------------------------------

  /** Issues a new opaque token, storing only its SHA-256 hash. */
  async issueToken(input: {
    kind: TokenKind;
    clientId: string;
    humanId: string | null;
    ttlMs: number;
    prefix?: string;
    /** Recorded on the token; the Connect session read reports engagement through it. */
    issuedVia?: TokenIssuedVia;
  }, db: Kysely<Database> = this.db): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken(32, input.prefix ?? "");
    const now = this.clock.now();
    const expiresAt = now + input.ttlMs;
    await db
      .insertInto("tokens")
      .values({
        token_hash: hashToken(token),
        kind: input.kind,
        human_id: input.humanId,
        client_id: input.clientId,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        issued_via: input.issuedVia ?? null,
      })
      .execute();
    return { token, expiresAt };
  }

  /** The stored token for a presented string, or undefined (expiry is the caller's check). */
  async findToken(token: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom("tokens")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      kind: row.kind,
      humanId: row.human_id,
      clientId: row.client_id,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      usedAt: row.used_at,
      issuedVia: row.issued_via ?? null,
    };
  }

  /** Marks a single-use token used; true only for the one caller that got there first. */
  async consumeToken(token: string): Promise<boolean> {
    const res = await this.db
      .updateTable("tokens")
      .set({ used_at: this.clock.now() })
      .where("token_hash", "=", hashToken(token))
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Number of tokens stored, optionally of one kind. */
  async countTokens(kind?: TokenKind): Promise<number> {
    let q = this.db.selectFrom("tokens").select((eb) => eb.fn.countAll<number>().as("n"));
    if (kind) q = q.where("kind", "=", kind);
    const row = await q.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Deletes tokens, challenges and attempts that expired more than `graceMs` ago. */
  async purgeExpired(graceMs = 7 * 24 * 3600 * 1000): Promise<void> {
    const cutoff = this.clock.now() - graceMs;
    await this.db.deleteFrom("tokens").where("expires_at", "<", cutoff).execute();
    await this.db.deleteFrom("mfa_challenges").where("expires_at", "<", cutoff).execute();
    await this.db.deleteFrom("oauth_attempts").where("expires_at", "<", cutoff).execute();
    await this.db.deleteFrom("portal_sessions").where("expires_at", "<", cutoff).execute();
  }

  // ---- sources ----------------------------------------------------------------------------------------

  /** Number of catalog sources stored. */
  async countSources(): Promise<number> {
    const row = await this.db.selectFrom("sources").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Inserts or replaces catalog sources, all in one transaction. */
  async upsertSources(sources: readonly SourceRecord[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < sources.length; i += SOURCE_INSERT_BATCH) {
        const batch = sources.slice(i, i + SOURCE_INSERT_BATCH).map((s) => ({
          source_id: s.id,
          name: s.name,
          type: s.type,
          city: s.city,
          state: s.state,
          auth: s.auth,
          description: s.description,
          behavior: s.behavior,
        }));
        await trx
          .insertInto("sources")
          .values(batch)
          .onConflict((oc) =>
            oc.column("source_id").doUpdateSet((eb) => ({
              name: eb.ref("excluded.name"),
              type: eb.ref("excluded.type"),
              city: eb.ref("excluded.city"),
              state: eb.ref("excluded.state"),
              auth: eb.ref("excluded.auth"),
              description: eb.ref("excluded.description"),
              behavior: eb.ref("excluded.behavior"),
            })),
          )
          .execute();
      }
    });
  }

  /** Seeds the catalog when it is empty, in one transaction; returns whether it seeded. */
  async seedSourcesIfEmpty(make: () => readonly SourceRecord[]): Promise<boolean> {
    if ((await this.countSources()) > 0) return false;
    await this.upsertSources(make());
    return true;
  }

  /** Every catalog source, for building the search index. */
  async listSources(): Promise<SourceRecord[]> {
    const rows = await this.db.selectFrom("sources").selectAll().orderBy("source_id").execute();
    return rows.map(toSource);
  }

  /** One catalog source, or undefined. */
  async getSource(sourceId: string): Promise<SourceRecord | undefined> {
    const row = await this.db.selectFrom("sources").selectAll().where("source_id", "=", sourceId).executeTakeFirst();
    return row ? toSource(row) : undefined;
  }

  // ---- connections ------------------------------------------------------------------------------------

  /** The human's connections as `{name, id}`, in the order they were made. */
  async listConnections(humanId: string): Promise<ConnectSource[]> {
    return connectionsOf(this.db, humanId);
  }

  /** True when the human is connected to the source. */
  async isConnected(humanId: string, sourceId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("connections")
      .select("source_id")
      .where("human_id", "=", humanId)
      .where("source_id", "=", sourceId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Connects a source; false when it was already connected. Sets the human's connected time the first time, records
   * the change for the Connect session `sessionId`, and queues `connect.source_connected`, all in one transaction.
   */
  async addConnection(humanId: string, sourceId: string, sessionId: string | null = null): Promise<boolean> {
    const now = this.clock.now();
    let queued = false;
    const added = await this.db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom("connections")
        .select((eb) => eb.fn.max("seq").as("seq"))
        .where("human_id", "=", humanId)
        .executeTakeFirst();
      const seq = Number(last?.seq ?? 0) + 1;
      const res = await trx
        .insertInto("connections")
        .values({ human_id: humanId, source_id: sourceId, connected_at: now, seq })
        .onConflict((oc) => oc.columns(["human_id", "source_id"]).doNothing())
        .executeTakeFirst();
      const added = Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
      if (added) {
        await trx
          .updateTable("humans")
          .set({ connected_at: now })
          .where("human_id", "=", humanId)
          .where("connected_at", "is", null)
          .execute();
        queued = await this.recordSourceChange(trx, humanId, sourceId, sessionId, "connected", now);
      }
      return added;
    });
    this.notifyQueued(queued);
    return added;
  }

  /** Removes a connection (false when there was none), recording it and queueing `connect.source_disconnected`. */
  async removeConnection(humanId: string, sourceId: string, sessionId: string | null = null): Promise<boolean> {
    const now = this.clock.now();
    let queued = false;
    const removed = await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom("connections")
        .where("human_id", "=", humanId)
        .where("source_id", "=", sourceId)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      queued = await this.recordSourceChange(trx, humanId, sourceId, sessionId, "disconnected", now);
      return true;
    });
    this.notifyQueued(queued);
    return removed;
  }

  private async recordSourceChange(
    trx: Transaction<Database>,
    humanId: string,
    sourceId: string,
    sessionId: string | null,
    action: "connected" | "disconnected",
    now: number,
  ): Promise<boolean> {
    const session = sessionId ?? "ses_unknown";
    await trx.insertInto("session_activity").values({ session_id: session, human_id: humanId, source_id: sourceId, action, at: now }).execute();
    const ref = await this.humanRef(trx, humanId);
    const source = await trx.selectFrom("sources").select(["name", "source_id"]).where("source_id", "=", sourceId).executeTakeFirst();
    if (!ref || !source) return false;
    return enqueueEvent(
      trx,
      ref.client_id,
      action === "connected" ? "connect.source_connected" : "connect.source_disconnected",
      {
        client_user_id: ref.client_user_id,
        human_id: humanId,
        session_id: session,
        source: { name: source.name, id: source.source_id },
        current_connections: await connectionsOf(trx, humanId),
      },
      now,
    );
  }

  /**
   * Ends a Connect session: queues `connect.session_closed` with what the service itself recorded for the session
   * (sources connected and disconnected in it, in order) and returns that event's data.
   */
  async closeSession(humanId: string, sessionId: string, status: CloseStatus): Promise<SessionClosedData | undefined> {
    const now = this.clock.now();
    let queued = false;
    const data = await this.db.transaction().execute(async (trx) => {
      const ref = await this.humanRef(trx, humanId);
      if (!ref) return undefined;
      const activity = await trx
        .selectFrom("session_activity")
        .innerJoin("sources", "sources.source_id", "session_activity.source_id")
        .select(["sources.name as name", "sources.source_id as id", "session_activity.action as action"])
        .where("session_activity.session_id", "=", sessionId)
        .where("session_activity.human_id", "=", humanId)
        .orderBy("session_activity.seq")
        .execute();
      const closed: SessionClosedData = {
        client_user_id: ref.client_user_id,
        human_id: humanId,
        session_id: sessionId,
        status,
        session_results: {
          connectedSources: activity.filter((a) => a.action === "connected").map((a) => ({ name: a.name, id: a.id })),
          disconnectedSources: activity.filter((a) => a.action === "disconnected").map((a) => ({ name: a.name, id: a.id })),
        },
        current_connections: await connectionsOf(trx, humanId),
      };
      queued = await enqueueEvent(trx, ref.client_id, "connect.session_closed", closed, now);
      return closed;
    });
    this.notifyQueued(queued);
    return data;
  }

  // ---- email templates --------------------------------------------------------------------------------

  /** The client's stored templates, by alias. */
  async listEmailTemplates(clientId: string): Promise<StoredEmailTemplate[]> {
    const rows = await this.db.selectFrom("email_templates").selectAll().where("client_id", "=", clientId).orderBy("alias").execute();
    return rows.map((r) => ({ alias: r.alias, subject: r.subject, html: r.html, text: r.text, updatedAt: Number(r.updated_at) }));
  }

  /** One stored template, or undefined. */
  async getEmailTemplate(clientId: string, alias: string): Promise<StoredEmailTemplate | undefined> {
    const r = await this.db
      .selectFrom("email_templates")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("alias", "=", alias)
      .executeTakeFirst();
    return r ? { alias: r.alias, subject: r.subject, html: r.html, text: r.text, updatedAt: Number(r.updated_at) } : undefined;
  }

  /** Creates or replaces a template. */
  async putEmailTemplate(clientId: string, alias: string, t: { subject: string; html: string; text?: string | undefined }): Promise<void> {
    const now = this.clock.now();
    const values = { subject: t.subject, html: t.html, text: t.text ?? null, updated_at: now };
    await this.db
      .insertInto("email_templates")
      .values({ client_id: clientId, alias, ...values })
      .onConflict((oc) => oc.columns(["client_id", "alias"]).doUpdateSet(values))
      .execute();
  }

  /** Deletes a template; false when there was none. */
  async deleteEmailTemplate(clientId: string, alias: string): Promise<boolean> {
    const res = await this.db.deleteFrom("email_templates").where("client_id", "=", clientId).where("alias", "=", alias).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ---- Portal sessions --------------------------------------------------------------------------------

  /** Starts a Portal session; returns the cookie value (stored only hashed) and its CSRF token. */
  async createPortalSession(clientId: string, ttlMs: number): Promise<{ sessionId: string; csrfToken: string; expiresAt: number }> {
    const sessionId = randomToken(32);
    const csrfToken = randomToken(24);
    const now = this.clock.now();
    await this.db
      .insertInto("portal_sessions")
      .values({ session_hash: hashToken(sessionId), client_id: clientId, csrf_token: csrfToken, created_at: now, expires_at: now + ttlMs })
      .execute();
    return { sessionId, csrfToken, expiresAt: now + ttlMs };
  }

  /** The Portal session of a cookie value, or undefined (expiry is the caller's check). */
  async getPortalSession(sessionId: string): Promise<PortalSessionRecord | undefined> {
    const row = await this.db.selectFrom("portal_sessions").selectAll().where("session_hash", "=", hashToken(sessionId)).executeTakeFirst();
    return row ? { clientId: row.client_id, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) } : undefined;
  }

  /** Ends a Portal session. */
  async deletePortalSession(sessionId: string): Promise<void> {
    await this.db.deleteFrom("portal_sessions").where("session_hash", "=", hashToken(sessionId)).execute();
  }

  // ---- MFA challenges ---------------------------------------------------------------------------------

  /** Creates an MFA challenge; returns its opaque id (stored only hashed). */
  async createMfaChallenge(humanId: string, sourceId: string, ttlMs: number): Promise<string> {
    const challengeId = randomToken(24, "mfa_");
    const now = this.clock.now();
    await this.db
      .insertInto("mfa_challenges")
      .values({
        challenge_hash: hashToken(challengeId),
        human_id: humanId,
        source_id: sourceId,
        created_at: now,
        expires_at: now + ttlMs,
        failed_attempts: 0,
        used_at: null,
      })
      .execute();
    return challengeId;
  }

  /** A challenge by its id, or undefined. */
  async getMfaChallenge(challengeId: string): Promise<MfaChallengeRecord | undefined> {
    const row = await this.db
      .selectFrom("mfa_challenges")
      .selectAll()
      .where("challenge_hash", "=", hashToken(challengeId))
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      humanId: row.human_id,
      sourceId: row.source_id,
      expiresAt: Number(row.expires_at),
      failedAttempts: row.failed_attempts,
      usedAt: row.used_at,
    };
  }

  /** Counts a wrong code; returns the new number of failures. */
  async recordMfaFailure(challengeId: string): Promise<number> {
    const row = await this.db
      .updateTable("mfa_challenges")
      .set((eb) => ({ failed_attempts: eb("failed_attempts", "+", 1) }))
      .where("challenge_hash", "=", hashToken(challengeId))
      .returning("failed_attempts")
      .executeTakeFirst();
    return row?.failed_attempts ?? 0;
  }

  /** Marks a challenge used; true only for the first caller. */
  async consumeMfaChallenge(challengeId: string): Promise<boolean> {
    const res = await this.db
      .updateTable("mfa_challenges")
      .set({ used_at: this.clock.now() })
      .where("challenge_hash", "=", hashToken(challengeId))
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  // ---- OAuth attempts ---------------------------------------------------------------------------------

  /** Stores a new OAuth attempt. `state` is stored only hashed. */
  async createOAuthAttempt(input: {
    attemptId: string;
    humanId: string;
    sourceId: string;
    state: string;
    codeVerifier: string;
    codeChallenge: string;
    redirectUri: string;
    ttlMs: number;
    sessionId?: string | null;
  }): Promise<void> {
    const now = this.clock.now();
    await this.db
      .insertInto("oauth_attempts")
      .values({
        attempt_id: input.attemptId,
        human_id: input.humanId,
        source_id: input.sourceId,
        state_hash: hashToken(input.state),
        code_verifier: input.codeVerifier,
        code_challenge: input.codeChallenge,
        redirect_uri: input.redirectUri,
        session_id: input.sessionId ?? null,
        code_hash: null,
        code_expires_at: null,
        code_used_at: null,
        status: "pending",
        error_code: null,
        error_message: null,
        created_at: now,
        expires_at: now + input.ttlMs,
      })
      .execute();
  }

  /** An attempt by id, or undefined. */
  async getOAuthAttempt(attemptId: string): Promise<OAuthAttemptRecord | undefined> {
    const row = await this.db
      .selectFrom("oauth_attempts")
      .selectAll()
      .where("attempt_id", "=", attemptId)
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  }

  /** An attempt by its `state` value, or undefined. */
  async findOAuthAttemptByState(state: string): Promise<OAuthAttemptRecord | undefined> {
    const row = await this.db
      .selectFrom("oauth_attempts")
      .selectAll()
      .where("state_hash", "=", hashToken(state))
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  }

  /** An attempt by its authorization code, or undefined. */
  async findOAuthAttemptByCode(code: string): Promise<OAuthAttemptRecord | undefined> {
    const row = await this.db
      .selectFrom("oauth_attempts")
      .selectAll()
      .where("code_hash", "=", hashToken(code))
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  }

  /** Records the authorization code issued for a pending attempt (only the hash is kept). */
  async setOAuthCode(attemptId: string, code: string, ttlMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable("oauth_attempts")
      .set({ code_hash: hashToken(code), code_expires_at: this.clock.now() + ttlMs })
      .where("attempt_id", "=", attemptId)
      .where("status", "=", "pending")
      .where("code_hash", "is", null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Marks an authorization code used; true only for the first caller. */
  async consumeOAuthCode(code: string): Promise<boolean> {
    const res = await this.db
      .updateTable("oauth_attempts")
      .set({ code_used_at: this.clock.now() })
      .where("code_hash", "=", hashToken(code))
      .where("code_used_at", "is", null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends a pending attempt as connected or failed. */
  async finishOAuthAttempt(
    attemptId: string,
    outcome: { status: "connected" } | { status: "failed"; errorCode: string; message: string },
  ): Promise<void> {
    await this.db
      .updateTable("oauth_attempts")
      .set(
        outcome.status === "connected"
          ? { status: "connected" }
          : { status: "failed", error_code: outcome.errorCode, error_message: outcome.message },
      )
      .where("attempt_id", "=", attemptId)
      .where("status", "=", "pending")
      .execute();
  }

  // ---- UI state ---------------------------------------------------------------------------------------

  /** The human's saved UI state, or null. */
  async getUiState(humanId: string): Promise<UiState | null> {
    const row = await this.db
      .selectFrom("ui_state")
      .select("state_json")
      .where("human_id", "=", humanId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.state_json) as UiState) : null;
  }

  /** Saves (replaces) the human's UI state. */
  async saveUiState(humanId: string, state: UiState): Promise<void> {
    const json = JSON.stringify(state);
    const now = this.clock.now();
    await this.db
      .insertInto("ui_state")
      .values({ human_id: humanId, state_json: json, updated_at: now })
      .onConflict((oc) => oc.column("human_id").doUpdateSet({ state_json: json, updated_at: now }))
      .execute();
  }

  // ---- rate limits ------------------------------------------------------------------------------------

  /** Counts one hit on each key's fixed window, all in one write; the counts come back in the keys' order. */
  async hitRateLimits(keys: readonly string[], windowMs: number): Promise<{ count: number; resetAt: number }[]> {
    const now = this.clock.now();
    const windowStart = now - (now % windowMs);
    return this.db.transaction().execute(async (trx) => {
      const hits: { count: number; resetAt: number }[] = [];
      for (const key of keys) {
        const row = await trx
          .insertInto("rate_limits")
          .values({ key, window_start: windowStart, count: 1 })
          .onConflict((oc) =>
            oc.column("key").doUpdateSet({
              count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
              window_start: windowStart,
            }),
          )
          .returning("count")
          .executeTakeFirstOrThrow();
        hits.push({ count: row.count, resetAt: windowStart + windowMs });
      }
      return hits;
    });
  }

  /** Runs SQLite's WAL checkpoint; used before backups. */
  checkpoint(): void {
    this.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  }
}
