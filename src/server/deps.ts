import type { Logger } from "pino";
import type { LiveCatalog } from "./catalog/live-catalog.ts";
import type { Clock } from "./clock.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { ServiceMetrics } from "./operations/metrics.ts";
import type { Readiness } from "./operations/readiness.ts";
import type { RateLimitConfig } from "./rate-limit.ts";
import type { Services } from "./services.ts";
import type { ClientRecord, HumanRecord, Store, TokenIssuedVia } from "./store/types.ts";

/** Everything the HTTP app needs; built by `startServer` or by a test. */
export interface AppDeps {
  /** Reads of stored records; every change with a rule behind it goes through `services`. */
  store: Store;
  services: Services;
  clock: Clock;
  /** Search index over the catalog, rebuilt when the catalog changes. */
  catalog: Pick<LiveCatalog, "index">;
  /** Directory with the built Connect app (`app/`) and loader (`connect.js`). */
  distDir: string;
  logger?: Logger | undefined;
  /** Public origin of the service (e.g. https://connect.example.com); defaults to the request's own origin. */
  publicUrl?: string | undefined;
  /** Rate limits, or false to turn them off (benchmarks). */
  rateLimits?: RateLimitConfig | false;
  /** Proxies in front of the service whose X-Forwarded-For and X-Forwarded-Proto entries are trusted (0: none). */
  trustProxyHops?: number;
  /** How long the sandbox's slow sources take to answer, in ms. */
  slowSourceDelayMs?: number;
  /** Sends invitation emails (SMTP or the outbox folder). */
  mailer?: Mailer | undefined;
  /** Folder of the mail outbox (shown as the mailbox) when mail is not sent over SMTP. */
  mailOutboxDir?: string | undefined;
  /** Serve the sandbox's own routes under `/v1/sandbox` (default true). */
  sandbox?: boolean;
  /** Accept plain http:// webhook URLs (default true: self-hosted and local receivers). */
  allowHttpWebhooks?: boolean;
  /** Accept webhook URLs on loopback, private and other non-public addresses (default false; local development). */
  allowPrivateWebhooks?: boolean;
  /** The app's Prometheus metrics; default: a fresh registry of its own. */
  metrics?: ServiceMetrics | undefined;
  /** Whether to send traffic here (`/readyz`); default: ready while the database answers. */
  readiness?: Readiness | undefined;
  /** Bearer token of `/metrics`; without one there is no `/metrics` route. */
  metricsToken?: string | undefined;
}

/** The human and client behind a Connect API request. */
export interface ConnectAuth {
  human: HumanRecord;
  client: ClientRecord;
  tokenKind: "session" | "id";
  expiresAt: number;
  /** Stable, non-secret id of the Connect session (one per token), as webhooks name it. */
  sessionId: string;
  /** Where the token was issued (an invite link's hosted page), or null for the token endpoint. */
  issuedVia: TokenIssuedVia | null;
}

/** Hono environment of the service's app. */
export interface AppEnv {
  Variables: {
    auth: ConnectAuth;
    /** The client behind a server-to-server or Portal request. */
    client: ClientRecord;
    /** This request's id (the X-Request-Id response header). */
    requestId: string;
    /** The service's logger bound to this request's id, when the service logs. */
    logger: Logger | undefined;
  };
}
