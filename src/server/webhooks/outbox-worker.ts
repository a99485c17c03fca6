/**
 * The webhook dispatcher: polls a durable outbox, delivers due messages concurrently (bounded), and records each
 * attempt. Delivery is at least once: a message leaves the outbox only when `markDelivered` or `markFailed` is
 * stored, and a worker that dies mid-attempt leaves its claim to expire so that the next worker retries.
 *
 * The request that causes an event only inserts an outbox row (in its own transaction) and may call `poke()`;
 * it never waits for a delivery.
 */
import type { ResolveHost } from "./checked-address.ts";
import { DEFAULT_DELIVERY_TIMEOUT_MS, deliverOnce, type DeliveryResult } from "./delivery.ts";
import { MAX_DELIVERY_ATTEMPTS, nextAttemptAt } from "./schedule.ts";

/** A message due for delivery to one endpoint, as `claimDue` returns it. */
export interface OutboxRow {
  /** The store's key of this row. */
  id: string;
  /** `webhook-id`: identical on every attempt, the receiver's idempotency key. */
  messageId: string;
  endpointId: string;
  url: string;
  /** The endpoint's current `whsec_` secret. */
  secret: string;
  /** Exact JSON body, fixed when the event was enqueued. */
  body: string;
  /** Attempts already made (0 for a new message). */
  attempts: number;
}

/**
 * What became of a message after one attempt: delivered, due again later, abandoned after the last attempt, abandoned
 * because the receiver answered 410 Gone, or refused by the address policy.
 */
export type WebhookDisposition = "delivered" | "retry" | "failed" | "gone" | "refused";

/** What is recorded for one attempt (the Portal's delivery log). */
export interface AttemptInfo {
  /** 1-based number of this attempt. */
  attempt: number;
  /** When the attempt started, ms since epoch. */
  at: number;
  outcome: DeliveryResult["outcome"];
  status: number | null;
  error: string | null;
  durationMs: number;
  responseSnippet: string | null;
}

/**
 * What the service's store implements for the worker.
 *
 * `claimDue(now, limit, leaseMs)` atomically selects up to `limit` pending rows with `next_attempt_at <= now` whose
 * endpoint is enabled, oldest first, and moves their `next_attempt_at` to `now + leaseMs` before returning them, so
 * that a second poll (or worker) does not take them again, and a crash mid-attempt makes them due again later.
 * The other methods must be durable when their promise resolves.
 */
export interface WebhookOutboxStore {
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]>;
  /** Row delivered: never sent again. */
  markDelivered(id: string, attempt: AttemptInfo): Promise<void>;
  /** Row failed this time: `attempts` becomes `attempt.attempt`, due again at `nextAt`. */
  markRetry(id: string, nextAt: number, attempt: AttemptInfo): Promise<void>;
  /** Row abandoned (attempts exhausted, or endpoint gone): never sent again. */
  markFailed(id: string, attempt: AttemptInfo): Promise<void>;
  /** The receiver answered 410: stop delivering to this endpoint until the client re-enables it. */
  disableEndpoint(endpointId: string, reason: string): Promise<void>;
}

/** The subset of a pino logger the worker uses. */
export interface WorkerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WebhookWorkerOptions {
  store: WebhookOutboxStore;
  /** Time source for claims and signatures (ms since epoch); polling itself uses real timers. */
  clock: { now(): number };
  /** Pause between polls. Default 1000 ms. */
  intervalMs?: number;
  /** Deliveries in flight at once. Default 8. */
  concurrency?: number;
  /** Per-attempt timeout. Default 15 s. */
  timeoutMs?: number;
  /** How long a claim holds before another worker may retry the row. Default 2 × timeoutMs + 5 s. */
  leaseMs?: number;
  /** Deliver to loopback, private, link-local and other non-public addresses (local development). Default false. */
  allowPrivate?: boolean;
  /** Host name resolution (tests); default the system resolver. */
  resolveHost?: ResolveHost;
  logger?: WorkerLogger | false;
  /** Source of jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** Called after each attempt has been recorded, with what became of the message. */
  onAttempt?: (row: OutboxRow, attempt: AttemptInfo, disposition: WebhookDisposition) => void;
}

export interface WebhookWorker {
  /** Polls now instead of at the next interval (call after enqueueing); returns at once. */
  poke(): void;
  /** Stops polling and resolves once every delivery in flight has been recorded. */
  stop(): Promise<void>;
  /** Deliveries currently in flight. */
  readonly inFlight: number;
}

/** Starts the dispatcher; it polls until `stop()`. */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { store, clock } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  // A lease outlasts any attempt, so that no second worker takes a message while it is still being delivered.
  const leaseMs = options.leaseMs ?? 2 * timeoutMs + 5_000;
  const random = options.random ?? Math.random;
  const logger = options.logger || null;

  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let polling: Promise<void> | null = null;
  let pollAgain = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      poll();
    }, delay);
  }

  function poll(): void {
    if (stopped) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = pollOnce()
      .catch((error: unknown) => logger?.error({ err: error }, "webhook outbox poll failed"))
      .finally(() => {
        polling = null;
        if (pollAgain) {
          pollAgain = false;
          schedule(0);
        } else {
          schedule(intervalMs);
        }
      });
  }

  async function pollOnce(): Promise<void> {
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    const rows = await store.claimDue(clock.now(), free, leaseMs);
    for (const row of rows) {
      const task: Promise<void> = attempt(row)
        .catch((error: unknown) => logger?.error({ err: error, webhookId: row.messageId }, "webhook attempt could not be recorded"))
        .finally(() => {
          inFlight.delete(task);
          // A freed slot may have due rows waiting.
          if (!stopped) poll();
        });
      inFlight.add(task);
    }
  }

  async function attempt(row: OutboxRow): Promise<void> {
    const at = clock.now();
    const result = await deliverOnce({
      url: row.url,
      id: row.messageId,
      timestamp: Math.floor(at / 1000),
      body: row.body,
      secret: row.secret,
      timeoutMs,
      allowPrivate: options.allowPrivate ?? false,
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    });
    const info: AttemptInfo = {
      attempt: row.attempts + 1,
      at,
      outcome: result.outcome,
      status: result.status,
      error: result.error,
      durationMs: result.durationMs,
      responseSnippet: result.responseSnippet,
    };
    const log = { webhookId: row.messageId, endpointId: row.endpointId, attempt: info.attempt, status: info.status };
    let disposition: WebhookDisposition = result.outcome;
    if (result.outcome === "delivered") {
      await store.markDelivered(row.id, info);
      logger?.info(log, "webhook delivered");
    } else if (result.outcome === "gone") {
      await store.markFailed(row.id, info);
      await store.disableEndpoint(row.endpointId, "receiver answered 410 Gone");
      logger?.warn(log, "webhook endpoint answered 410; endpoint disabled");
    } else if (result.outcome === "refused") {
      // The address policy will refuse every later attempt the same way: the message fails now.
      await store.markFailed(row.id, info);
      logger?.warn({ ...log, error: info.error }, "webhook refused: the endpoint leads to a non-public address");
    } else {
      const next = info.attempt >= MAX_DELIVERY_ATTEMPTS ? null : nextAttemptAt(info.attempt, clock.now(), random);
      if (next === null) {
        disposition = "failed";
        await store.markFailed(row.id, info);
        logger?.warn({ ...log, error: info.error }, "webhook failed after the last attempt");
      } else {
        await store.markRetry(row.id, next, info);
        logger?.info({ ...log, error: info.error, nextAt: new Date(next).toISOString() }, "webhook attempt failed; will retry");
      }
    }
    options.onAttempt?.(row, info, disposition);
  }

  schedule(0);

  return {
    poke() {
      if (stopped) return;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (polling) await polling;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
