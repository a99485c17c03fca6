import { serve } from "@hono/node-server";
import { attachSearchSocket } from "./catalog/search-socket.ts";
import type { AppDeps } from "./deps.ts";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { generateSandboxCatalog } from "./catalog/sandbox-catalog.ts";
import { CATALOG_POLL_MS, LiveCatalog } from "./catalog/live-catalog.ts";
import type { SourceRecord } from "./catalog/types.ts";
import { systemClock, type Clock } from "./clock.ts";
import { createLogger } from "./logger.ts";
import { defaultDistDir } from "./paths.ts";
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from "./rate-limit.ts";
import { openServices } from "./open-services.ts";
import { trustedProxyHops } from "./proxy.ts";
import type { Services } from "./services.ts";
import type { Store } from "./store/types.ts";
import { workerOutbox } from "./webhooks/endpoints.ts";
import { createMailer, type Mailer } from "./mail/mailer.ts";
import type { ResolveHost } from "./webhooks/checked-address.ts";
import { startWebhookWorker, type WebhookWorker } from "./webhooks/outbox-worker.ts";
import { createServiceMetrics } from "./operations/metrics.ts";
import { Readiness } from "./operations/readiness.ts";
import { join } from "node:path";

/** Folder of the mail outbox inside the data dir. */
export const MAIL_OUTBOX_DIR = "mail-outbox";

/** Options of `startServer`. */
export interface StartServerOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Directory of `connect.sqlite`, the master key file and the mail outbox. */
  dataDir: string;
  /** postgres:// URL of a database shared by every instance; default: SQLite in the data dir. */
  databaseUrl?: string | undefined;
  /** Pause between checks for a catalog imported elsewhere. Default 2 s. */
  catalogPollMs?: number;
  clock?: Clock;
  /** A pino logger, or false for none. Default: JSON logs on stdout. */
  logger?: Logger | false;
  /** Where the built app and loader are. Default `<package root>/dist`. */
  distDir?: string;
  /** Public origin when the service sits behind a proxy (used in OAuth redirect URIs and popup messages). */
  publicUrl?: string;
  /** Rate limits, or false to turn them off. */
  rateLimits?: RateLimitConfig | false;
  /**
   * Proxies you run in front of the service, whose forwarding headers are trusted: `true` or 1 for one, N for N hops.
   * The caller's address is then the N-th X-Forwarded-For entry from the right, and X-Forwarded-Proto says whether
   * the caller used TLS. Default: none.
   */
  trustProxy?: boolean | number;
  /** Longest a request may take to arrive (headers and body), in ms. Default 30 s. */
  requestTimeoutMs?: number;
  /** Delay of the sandbox's slow sources in ms. Default 3000. */
  slowSourceDelayMs?: number;
  /** Number of sources to seed an empty catalog with. Default 50,000. */
  catalogSize?: number;
  /** 32-byte key for client secrets; default HC_MASTER_KEY, else (SQLite only) the data dir's key file. */
  masterKey?: Buffer;
  /** smtp:// or smtps:// URL for invitation emails; default SMTP_URL, else mail goes to `<dataDir>/mail-outbox`. */
  smtpUrl?: string | null;
  /** Sender of invitation emails; default MAIL_FROM or "Human Connect <no-reply@localhost>". */
  mailFrom?: string;
  /** Webhook worker tuning (tests), or false to not deliver webhooks from this process. */
  webhooks?: { intervalMs?: number; timeoutMs?: number; random?: () => number; resolveHost?: ResolveHost } | false;
  /** Accept plain http:// webhook URLs. Default true (local receivers); set false on a public deployment. */
  allowHttpWebhooks?: boolean;
  /**
   * Register and deliver webhooks to loopback, private, link-local, CGNAT and multicast addresses (and `localhost`),
   * for local development. Default: HC_WEBHOOKS_ALLOW_PRIVATE=1 (or "true") in the environment, else false.
   */
  allowPrivateWebhooks?: boolean;
  /**
   * Serve the sandbox's own routes (`/v1/sandbox/...`, e.g. breaking a connection on purpose to test a repair
   * flow). Default true; the CLI turns them off with HC_SANDBOX=0.
   */
  sandbox?: boolean;
  /** Bearer token that `GET /metrics` requires; without one the service serves no metrics. */
  metricsToken?: string | undefined;
  /**
   * On `close()`, how long `/readyz` answers 503 while requests are still served, so that load balancers stop sending
   * traffic before the service stops accepting it, in ms. Default 0 (the CLI's default is 5000).
   */
  shutdownDrainMs?: number;
}

/** True when HC_WEBHOOKS_ALLOW_PRIVATE asks to allow webhooks to non-public addresses. */
export function allowPrivateWebhooksFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  return env.HC_WEBHOOKS_ALLOW_PRIVATE === "1" || env.HC_WEBHOOKS_ALLOW_PRIVATE === "true";
}

/** A started service. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /**
   * Turns `/readyz` to 503, waits the drain time, stops accepting connections, lets in-flight requests finish, stops
   * the webhook worker after its current attempts, then closes the database.
   */
  close(): Promise<void>;
  store: Store;
  services: Services;
  /** The search index, following catalog imports. */
  catalog: LiveCatalog;
}

const SHUTDOWN_GRACE_MS = 10_000;

/** Longest a request may take to arrive, headers and body: a stalled sender is cut after this. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How long an idle keep-alive connection stays open: longer than the idle timeout of common load balancers (60 s),
 * so that the balancer, not the service, closes idle connections and never sends on one the service just closed.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Node's server timeouts for this API (its default lets a request take 300 s to arrive). */
export function httpTimeouts(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 20_000),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two timeouts above only this often.
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
  };
}

// Generating the sandbox catalog is deterministic and costs a second or two: do it once per process and size.
const catalogCache = new Map<number, SourceRecord[]>();
function sandboxCatalog(size: number): SourceRecord[] {
  let catalog = catalogCache.get(size);
  if (!catalog) {
    catalog = generateSandboxCatalog(size);
    catalogCache.set(size, catalog);
  }
  return catalog;
}
const PURGE_INTERVAL_MS = 3600_000;
/** Expired tokens, challenges and sessions are kept this long, then purged. */
const PURGE_GRACE_MS = 7 * 24 * 3600_000;

/** Opens the store (seeding the sandbox catalog on first start), builds the search index and listens. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const drainMs = opts.shutdownDrainMs ?? 0;
  if (!Number.isSafeInteger(drainMs) || drainMs < 0) throw new RangeError("shutdownDrainMs must be a whole number of milliseconds, 0 or more");
  const clock = opts.clock ?? systemClock;
  const allowPrivateWebhooks = opts.allowPrivateWebhooks ?? allowPrivateWebhooksFromEnv();
  const logger = opts.logger === false ? undefined : (opts.logger ?? createLogger());
  const { store, services, exclusive } = await openServices({
    dataDir: opts.dataDir,
    databaseUrl: opts.databaseUrl,
    clock,
    masterKey: opts.masterKey,
    // A sandbox or local EHR needs the same opt-in as local webhooks.
    ehrPolicy: { allowPrivate: allowPrivateWebhooks },
  });
  let server: Server;
  let catalog: LiveCatalog | undefined;
  let mailer: Mailer | undefined;
  let worker: WebhookWorker | undefined;
  try {
    const metrics = createServiceMetrics({ outboxBacklog: () => store.webhooks.pendingCount() });
    const counted = { connected: metrics.sourceConnected, repaired: metrics.sourceRepaired, disconnected: metrics.sourceDisconnected };
    services.connect.onChange = (change) => counted[change.action](change.method);
    const mailOutboxDir = join(opts.dataDir, MAIL_OUTBOX_DIR);
    mailer = createMailer({
      smtpUrl: opts.smtpUrl === undefined ? process.env.SMTP_URL : opts.smtpUrl,
      outboxDir: mailOutboxDir,
      from: opts.mailFrom ?? process.env.MAIL_FROM ?? "Human Connect <no-reply@localhost>",
      now: () => clock.now(),
      onSend: (transport, sent) => (sent ? metrics.emailSent(transport) : metrics.emailFailed(transport)),
    });
    // Under the setup lock, so that instances starting together on an empty database seed it once.
    const seeded = await exclusive(async () => {
      if ((await store.sources.count()) > 0) return undefined;
      const sources = sandboxCatalog(opts.catalogSize ?? 50_000);
      await store.sources.upsert(sources, clock.now());
      return sources;
    });
    if (seeded) logger?.info({ count: seeded.length }, "seeded the sandbox catalog");
    // Right after seeding the table holds exactly the generated rows, so the index can skip reading them back.
    const liveCatalog = await LiveCatalog.load(store, seeded);
    catalog = liveCatalog;
    liveCatalog.watch(
      opts.catalogPollMs ?? CATALOG_POLL_MS,
      (err) => logger?.warn({ err }, "checking the catalog version failed"),
      () => logger?.info("catalog changed: search index rebuilt"),
    );
    const readiness = new Readiness(store, () => catalog !== undefined);
    const deps: AppDeps = {
      metrics,
      readiness,
      metricsToken: opts.metricsToken,
      sandbox: opts.sandbox ?? true,
      store,
      services,
      clock,
      catalog: liveCatalog,
      distDir: opts.distDir ?? defaultDistDir(),
      logger,
      publicUrl: opts.publicUrl,
      rateLimits: opts.rateLimits === undefined ? DEFAULT_RATE_LIMITS : opts.rateLimits,
      trustProxyHops: trustedProxyHops(opts.trustProxy),
      ...(opts.slowSourceDelayMs !== undefined ? { slowSourceDelayMs: opts.slowSourceDelayMs } : {}),
      mailer,
      mailOutboxDir,
      allowHttpWebhooks: opts.allowHttpWebhooks ?? true,
      allowPrivateWebhooks,
    };
    const app = createApp(deps);
    const host = opts.host ?? "127.0.0.1";
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: opts.port ?? 8080, hostname: host, serverOptions: httpTimeouts(opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) }) as Server;
      s.once("error", reject);
      s.once("listening", () => resolve(s));
    });
    const searchSocket = attachSearchSocket(server, deps, readiness);
    const port = (server.address() as AddressInfo).port;
    const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    const url = `http://${urlHost}:${port}`;
    logger?.info({ url, database: store.dialect === "postgres" ? "postgres" : opts.dataDir }, "Connect service listening");

    const purge = setInterval(() => {
      store.purgeExpired(clock.now() - PURGE_GRACE_MS).catch((err: unknown) => logger?.warn({ err }, "purging expired rows failed"));
    }, PURGE_INTERVAL_MS);
    purge.unref();

    if (opts.webhooks !== false) {
      const tuning = opts.webhooks ?? {};
      const activeWorker = startWebhookWorker({
        store: workerOutbox(store, services.secrets),
        clock,
        logger: logger ?? false,
        ...(tuning.intervalMs !== undefined ? { intervalMs: tuning.intervalMs } : {}),
        ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
        ...(tuning.random ? { random: tuning.random } : {}),
        ...(tuning.resolveHost ? { resolveHost: tuning.resolveHost } : {}),
        allowPrivate: allowPrivateWebhooks,
        onAttempt: (_row, _attempt, disposition) => metrics.webhookAttempt(disposition),
      });
      worker = activeWorker;
      // Requests only insert outbox rows; the worker is told right after they commit, and never awaited.
      services.events.onQueued = () => activeWorker.poke();
    }

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        // Load balancers see /readyz fail and stop sending new requests; until the drain ends, those still sent are served.
        readiness.beginShutdown();
        // The app goes on searching by HTTP, whose answers now close their connections as the drain asks.
        searchSocket.close();
        logger?.info({ drainMs }, "shutting down: not ready, draining");
        if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
        clearInterval(purge);
        liveCatalog.stop();
        services.events.onQueued = undefined;
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        // In-flight deliveries are recorded before the database closes; unsent ones stay in the outbox.
        await worker?.stop();
        mailer?.close();
        await store.close();
        logger?.info("Connect service stopped");
      })();
      return closing;
    };
    return { url, port, close, store, services, catalog: liveCatalog };
  } catch (err) {
    catalog?.stop();
    await worker?.stop();
    mailer?.close();
    await store.close();
    throw err;
  }
}
