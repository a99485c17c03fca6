// The service's Prometheus metrics, in one registry per app: several services may run in one process (tests, or an
// application embedding the service), and each must report only its own traffic.
//
// Label values come only from closed sets the code defines (route patterns, token types, error codes, outcomes),
// never from a request's own text: no token, user id, email, source id or raw path can reach a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SignInMethod } from "../connect/service.ts";
import type { EmailTransport } from "../mail/mailer.ts";
import type { WebhookDisposition } from "../webhooks/outbox-worker.ts";

/** Token kinds the token endpoint issues. */
export type IssuedTokenType = "session" | "id" | "client" | "refresh";

/** Label of a request that matched no route. */
export const UNMATCHED_ROUTE = "unmatched";

const TOKEN_TYPES: readonly IssuedTokenType[] = ["session", "id", "client", "refresh"];
const SIGN_IN_METHODS: readonly SignInMethod[] = ["credentials", "mfa", "oauth"];
const WEBHOOK_DISPOSITIONS: readonly WebhookDisposition[] = ["delivered", "retry", "failed", "gone", "refused"];
const EMAIL_TRANSPORTS: readonly EmailTransport[] = ["smtp", "outbox"];
// "WS": a search on the search socket, timed like a request.
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "WS"]);
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What services and routes report; the one place that knows metric names. */
export interface ServiceMetrics {
  /** The registry to scrape. */
  readonly registry: Registry;
  /** One answered request: `route` is the matched route pattern (or UNMATCHED_ROUTE), never the request's path. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  tokenIssued(type: IssuedTokenType): void;
  /** The token endpoint refused a request with this error code. */
  tokenRefused(errorCode: string): void;
  sourceConnected(method: SignInMethod): void;
  /** A connection that needed re-authorisation was signed in to again. */
  sourceRepaired(method: SignInMethod): void;
  sourceDisconnected(method: SignInMethod): void;
  webhookAttempt(disposition: WebhookDisposition): void;
  emailSent(transport: EmailTransport): void;
  emailFailed(transport: EmailTransport): void;
  observeSearch(seconds: number): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Where gauges read their values at scrape time. */
export interface MetricsSources {
  /** Webhook messages waiting in the outbox (pending, due or not). */
  outboxBacklog?: () => Promise<number>;
}

/** Creates the metrics of one app, over a registry of its own, with Node's default process metrics. */
export function createServiceMetrics(sources: MetricsSources = {}): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requestDuration = new Histogram({
    name: "hc_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route pattern, method and status.",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const tokensIssued = new Counter({
    name: "hc_tokens_issued_total",
    help: "Tokens issued by the token endpoint, by type.",
    labelNames: ["type"] as const,
    registers,
  });
  const tokenRefusals = new Counter({
    name: "hc_token_refusals_total",
    help: "Token endpoint requests refused, by error code.",
    labelNames: ["error_code"] as const,
    registers,
  });
  const connectionsMade = new Counter({
    name: "hc_connections_made_total",
    help: "Sources connected, by sign-in method.",
    labelNames: ["method"] as const,
    registers,
  });
  const connectionsRepaired = new Counter({
    name: "hc_connections_repaired_total",
    help: "Connections that needed re-authorisation, signed in to again, by sign-in method.",
    labelNames: ["method"] as const,
    registers,
  });
  const connectionsRemoved = new Counter({
    name: "hc_connections_removed_total",
    help: "Connections removed, by the sign-in method the source uses.",
    labelNames: ["method"] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: "hc_webhook_deliveries_total",
    help: "Webhook delivery attempts recorded, by what became of the message.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const backlog = sources.outboxBacklog;
  new Gauge({
    name: "hc_webhook_outbox_backlog",
    help: "Webhook messages waiting in the outbox.",
    registers,
    async collect() {
      try {
        this.set(backlog ? await backlog() : 0);
      } catch {
        // An unanswered count is unknown, not zero: a scrape still succeeds and the other metrics still arrive.
        this.set(Number.NaN);
      }
    },
  });
  const emailsSent = new Counter({
    name: "hc_emails_sent_total",
    help: "Emails sent, by transport.",
    labelNames: ["transport"] as const,
    registers,
  });
  const emailFailures = new Counter({
    name: "hc_email_failures_total",
    help: "Emails that could not be sent, by transport.",
    labelNames: ["transport"] as const,
    registers,
  });
  const searchDuration = new Histogram({
    name: "hc_search_duration_seconds",
    help: "Time to search the source catalog.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers,
  });

  // Every series of a closed label set exists from the start, so that a rate over it is 0 rather than absent.
  for (const type of TOKEN_TYPES) tokensIssued.inc({ type }, 0);
  for (const method of SIGN_IN_METHODS) {
    connectionsMade.inc({ method }, 0);
    connectionsRepaired.inc({ method }, 0);
    connectionsRemoved.inc({ method }, 0);
  }
  for (const outcome of WEBHOOK_DISPOSITIONS) webhookDeliveries.inc({ outcome }, 0);
  for (const transport of EMAIL_TRANSPORTS) {
    emailsSent.inc({ transport }, 0);
    emailFailures.inc({ transport }, 0);
  }

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requestDuration.observe(
        {
          route,
          method: HTTP_METHODS.has(method) ? method : "OTHER",
          status: Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : "unknown",
        },
        seconds,
      );
    },
    tokenIssued: (type) => tokensIssued.inc({ type }),
    tokenRefused: (errorCode) => tokenRefusals.inc({ error_code: ERROR_CODE.test(errorCode) ? errorCode : "OTHER" }),
    sourceConnected: (method) => connectionsMade.inc({ method }),
    sourceRepaired: (method) => connectionsRepaired.inc({ method }),
    sourceDisconnected: (method) => connectionsRemoved.inc({ method }),
    webhookAttempt: (outcome) => webhookDeliveries.inc({ outcome }),
    emailSent: (transport) => emailsSent.inc({ transport }),
    emailFailed: (transport) => emailFailures.inc({ transport }),
    observeSearch: (seconds) => searchDuration.observe(seconds),
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
