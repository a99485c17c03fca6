import type { Kysely, Migration, MigrationProvider } from "kysely";

// Numbered, append-only. A new schema change is a new entry; an applied entry is never edited.
const migrations: Record<string, Migration> = {
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
};

/** The schema migrations, provided from code so that the bundled build needs no migration folder. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
