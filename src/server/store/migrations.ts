import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { identityColumn } from "./dialect.ts";
import type { DialectName } from "./types.ts";

// Numbered, append-only. A new schema change is a new entry; an applied entry is never edited (the identity column
// helper yields exactly the SQLite DDL these entries always had).
const migrations = (dialect: DialectName): Record<string, Migration> => ({
  "0001_initial": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("clients")
        .addColumn("client_id", "text", (c) => c.primaryKey())
        .addColumn("secret_encrypted", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("primary_color", "text")
        .addColumn("logo_url", "text")
        .addColumn("allowed_origins", "text", (c) => c.notNull())
        .addColumn("perm_id_tokens", "integer", (c) => c.notNull())
        .addColumn("perm_client_tokens", "integer", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull())
        .addColumn("redirect_url", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("secret_rotated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("humans")
        .addColumn("human_id", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.client_id"))
        .addColumn("client_user_id", "text", (c) => c.notNull())
        .addColumn("email", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("invited_at", "bigint")
        .addColumn("engaged_at", "bigint")
        .addColumn("connected_at", "bigint")
        .addUniqueConstraint("humans_client_user", ["client_id", "client_user_id"])
        .execute();

      await db.schema
        .createTable("tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("human_id", "text", (c) => c.references("humans.human_id"))
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.client_id"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();
      await db.schema.createIndex("tokens_human").on("tokens").column("human_id").execute();
      await db.schema.createIndex("tokens_expires").on("tokens").column("expires_at").execute();

      await db.schema
        .createTable("sources")
        .addColumn("source_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("city", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("auth", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("behavior", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("connections")
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("source_id", "text", (c) => c.notNull().references("sources.source_id"))
        .addColumn("connected_at", "bigint", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("connections_pk", ["human_id", "source_id"])
        .execute();

      await db.schema
        .createTable("mfa_challenges")
        .addColumn("challenge_hash", "text", (c) => c.primaryKey())
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("source_id", "text", (c) => c.notNull().references("sources.source_id"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("failed_attempts", "integer", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();

      await db.schema
        .createTable("oauth_attempts")
        .addColumn("attempt_id", "text", (c) => c.primaryKey())
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("source_id", "text", (c) => c.notNull().references("sources.source_id"))
        .addColumn("state_hash", "text", (c) => c.notNull().unique())
        .addColumn("code_verifier", "text", (c) => c.notNull())
        .addColumn("code_challenge", "text", (c) => c.notNull())
        .addColumn("redirect_uri", "text", (c) => c.notNull())
        .addColumn("code_hash", "text", (c) => c.unique())
        .addColumn("code_expires_at", "bigint")
        .addColumn("code_used_at", "bigint")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("error_code", "text")
        .addColumn("error_message", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("ui_state")
        .addColumn("human_id", "text", (c) => c.primaryKey().references("humans.human_id"))
        .addColumn("state_json", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("window_start", "bigint", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .execute();
    },
  },
  "0002_invites_webhooks_portal": {
    async up(db: Kysely<unknown>): Promise<void> {
      // One endpoint per client; the `whsec_` secret is encrypted with the master key like client secrets.
      await db.schema
        .createTable("webhook_endpoints")
        .addColumn("endpoint_id", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull().unique().references("clients.client_id"))
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("secret_encrypted", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("disabled_reason", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("webhook_outbox")
        .addColumn("outbox_id", "integer", identityColumn(dialect))
        .addColumn("message_id", "text", (c) => c.notNull())
        .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.endpoint_id"))
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.client_id"))
        .addColumn("event_type", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_status", "integer")
        .addColumn("last_error", "text")
        .addUniqueConstraint("webhook_outbox_message", ["message_id", "endpoint_id"])
        .execute();
      await db.schema.createIndex("webhook_outbox_due").on("webhook_outbox").columns(["state", "next_attempt_at"]).execute();
      await db.schema.createIndex("webhook_outbox_client").on("webhook_outbox").columns(["client_id", "outbox_id"]).execute();

      await db.schema
        .createTable("webhook_attempts")
        .addColumn("outbox_id", "integer", (c) => c.notNull().references("webhook_outbox.outbox_id"))
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("status", "integer")
        .addColumn("error", "text")
        .addColumn("duration_ms", "integer", (c) => c.notNull())
        .addColumn("response_snippet", "text")
        .addPrimaryKeyConstraint("webhook_attempts_pk", ["outbox_id", "attempt"])
        .execute();

      await db.schema
        .createTable("email_templates")
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.client_id"))
        .addColumn("alias", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("html", "text", (c) => c.notNull())
        .addColumn("text", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("email_templates_pk", ["client_id", "alias"])
        .execute();

      await db.schema
        .createTable("portal_sessions")
        .addColumn("session_hash", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.client_id"))
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();

      // What each Connect session connected and disconnected, in order: the server's own record for
      // `connect.session_closed`.
      await db.schema
        .createTable("session_activity")
        .addColumn("seq", "integer", identityColumn(dialect))
        .addColumn("session_id", "text", (c) => c.notNull())
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("source_id", "text", (c) => c.notNull().references("sources.source_id"))
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("session_activity_session").on("session_activity").column("session_id").execute();

      // An OAuth round trip ends outside the Connect API request, so it remembers its session.
      await db.schema.alterTable("oauth_attempts").addColumn("session_id", "text").execute();
    },
  },
  "0003_token_issued_via": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Where a session or id token was issued (null: the token endpoint), so that the Connect session read can
      // record how the user engaged when they actually launch Connect with it.
      await db.schema.alterTable("tokens").addColumn("issued_via", "text").execute();
    },
  },
  "0004_catalog_version": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("catalog_version")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("version", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  "0005_closed_sessions": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A session closes once, so that one token cannot queue `connect.session_closed` over and over.
      await db.schema
        .createTable("closed_sessions")
        .addColumn("session_id", "text", (c) => c.primaryKey())
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("closed_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  "0006_rate_limits_previous_window": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A sliding window weighs the previous window's hits, so a burst across a window boundary is not twice the limit.
      await db.schema.alterTable("rate_limits").addColumn("prev_count", "integer", (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  "0007_oauth_redirect": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A sign-in by full-page redirect returns to the page that started it, carrying a one-time completion secret
      // (kept hashed) that only the attempt's own user can redeem. SQLite adds one column per statement.
      await db.schema.alterTable("oauth_attempts").addColumn("return_url", "text").execute();
      await db.schema.alterTable("oauth_attempts").addColumn("completion_hash", "text").execute();
      await db.schema.alterTable("oauth_attempts").addColumn("completion_expires_at", "bigint").execute();
      await db.schema.alterTable("oauth_attempts").addColumn("completion_used_at", "bigint").execute();
    },
  },
  "0008_connection_health": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A connection can break (a changed password, a revoked consent) and be repaired in place; until then it
      // needs re-authorisation. SQLite adds one column per statement, each with a default for the rows already there.
      await db.schema.alterTable("connections").addColumn("status", "text", (c) => c.notNull().defaultTo("active")).execute();
      await db.schema.alterTable("connections").addColumn("status_reason", "text").execute();
      await db.schema.alterTable("connections").addColumn("status_changed_at", "bigint", (c) => c.notNull().defaultTo(0)).execute();
      await sql`update connections set status_changed_at = connected_at`.execute(db);
    },
  },
  "0009_smart_sources": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A SMART on FHIR source's EHR and this service's registration with it; the client secret is encrypted with the
      // master key like client secrets.
      await db.schema
        .createTable("smart_sources")
        .addColumn("source_id", "text", (c) => c.primaryKey().references("sources.source_id"))
        .addColumn("fhir_base_url", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("client_secret_encrypted", "text")
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      // The EHR's tokens of one user's connection, encrypted; `patient` is the patient the EHR issued them for.
      await db.schema
        .createTable("smart_grants")
        .addColumn("human_id", "text", (c) => c.notNull().references("humans.human_id"))
        .addColumn("source_id", "text", (c) => c.notNull().references("sources.source_id"))
        .addColumn("access_token_encrypted", "text", (c) => c.notNull())
        .addColumn("refresh_token_encrypted", "text")
        .addColumn("expires_at", "bigint")
        .addColumn("patient", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("smart_grants_pk", ["human_id", "source_id"])
        .execute();
    },
  },
  "0010_source_rank": {
    async up(db: Kysely<unknown>): Promise<void> {
      // The first screen suggests the most popular sources (rank 0 first) and shows each source's logo when the
      // catalog has one. Both stay null for sources imported without them.
      await db.schema.alterTable("sources").addColumn("rank", "integer").execute();
      await db.schema.alterTable("sources").addColumn("logo_url", "text").execute();
    },
  },
  "0011_smart_refresh_lease": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Until when one instance holds the right to refresh a connection's tokens: an EHR that rotates refresh tokens
      // refuses the second use of one, so instances sharing a database must not both use it.
      await db.schema.alterTable("smart_grants").addColumn("refresh_lease_until", "bigint").execute();
    },
  },
});

/** The schema migrations for one dialect, provided from code so that the bundled build needs no migration folder. */
export function migrationProvider(dialect: DialectName): MigrationProvider {
  return {
    async getMigrations() {
      return migrations(dialect);
    },
  };
}
