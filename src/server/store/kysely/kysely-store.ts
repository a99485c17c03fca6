import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";
import type { DialectName, RateLimitStore, Store, StoreConcerns } from "../types.ts";
import { clientStore } from "./clients.ts";
import { connectionStore } from "./connections.ts";
import type { Db } from "./db.ts";
import { humanStore } from "./humans.ts";
import { mfaChallengeStore } from "./mfa-challenges.ts";
import { oauthAttemptStore } from "./oauth-attempts.ts";
import { overviewStore } from "./overview.ts";
import { portalSessionStore } from "./portal-sessions.ts";
import { sessionActivityStore } from "./session-activity.ts";
import { sourceStore } from "./sources.ts";
import { templateStore } from "./templates.ts";
import { tokenStore } from "./tokens.ts";
import { uiStateStore } from "./ui-state.ts";
import { commitGroup } from "./commit-group.ts";
import { webhookStore } from "./webhooks.ts";
import { smartStore } from "./smart.ts";
import { sql } from "kysely";

/** Every concern over one handle: the pool, or one transaction. */
export function concernsOver(db: Db, dialect: DialectName): StoreConcerns {
  return {
    clients: clientStore(db),
    humans: humanStore(db),
    tokens: tokenStore(db),
    sources: sourceStore(db),
    connections: connectionStore(db),
    activity: sessionActivityStore(db),
    mfa: mfaChallengeStore(db),
    oauth: oauthAttemptStore(db),
    portalSessions: portalSessionStore(db),
    templates: templateStore(db),
    uiState: uiStateStore(db),
    webhooks: webhookStore(db, dialect),
    overview: overviewStore(db),
    smart: smartStore(db),
  };
}

/**
 * The one store implementation, for SQLite and PostgreSQL alike, with the rate counters kept apart (see
 * RateLimitStore); `close` releases the database. On SQLite, transactions that arrive together share one commit.
 */
export function kyselyStore(db: Kysely<Database>, dialect: DialectName, rateLimits: RateLimitStore, close: () => Promise<void>): Store {
  const grouped = dialect === "sqlite" ? commitGroup(db) : undefined;
  return {
    ...concernsOver(db, dialect),
    dialect,
    rateLimits,
    transaction: (fn) =>
      grouped ? grouped((trx) => fn(concernsOver(trx, dialect))) : db.transaction().execute((trx) => fn(concernsOver(trx, dialect))),
    async purgeExpired(cutoff) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("tokens").where("expires_at", "<", cutoff).execute();
        await trx.deleteFrom("mfa_challenges").where("expires_at", "<", cutoff).execute();
        await trx.deleteFrom("oauth_attempts").where("expires_at", "<", cutoff).execute();
        await trx.deleteFrom("portal_sessions").where("expires_at", "<", cutoff).execute();
      });
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close,
  };
}
