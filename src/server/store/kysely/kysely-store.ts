import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";
import type { DialectName, Store, StoreConcerns } from "../types.ts";
import { clientStore } from "./clients.ts";
import { connectionStore } from "./connections.ts";
import type { Db } from "./db.ts";
import { humanStore } from "./humans.ts";
import { mfaChallengeStore } from "./mfa-challenges.ts";
import { oauthAttemptStore } from "./oauth-attempts.ts";
import { overviewStore } from "./overview.ts";
import { portalSessionStore } from "./portal-sessions.ts";
import { rateLimitStore } from "./rate-limits.ts";
import { sessionActivityStore } from "./session-activity.ts";
import { sourceStore } from "./sources.ts";
import { templateStore } from "./templates.ts";
import { tokenStore } from "./tokens.ts";
import { uiStateStore } from "./ui-state.ts";
import { webhookStore } from "./webhooks.ts";
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
    rateLimits: rateLimitStore(db),
    webhooks: webhookStore(db, dialect),
    overview: overviewStore(db),
  };
}

/** The one store implementation, for SQLite and PostgreSQL alike; `close` releases the database. */
export function kyselyStore(db: Kysely<Database>, dialect: DialectName, close: () => Promise<void>): Store {
  return {
    ...concernsOver(db, dialect),
    dialect,
    transaction: (fn) => db.transaction().execute((trx) => fn(concernsOver(trx, dialect))),
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
