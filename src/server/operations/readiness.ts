// Whether this instance should be sent traffic. Liveness (/healthz) only says the process runs; readiness also asks
// the database, and turns false as soon as shutdown begins, so that a load balancer stops routing here while the
// requests it already sent still finish.
import type { MiddlewareHandler } from "hono";
import { setAnswerHeader } from "./response-header.ts";
import type { Store } from "../store/types.ts";

/** Why an instance is not ready; stable strings that monitoring may match on. */
export type NotReadyReason = "shutting_down" | "database_unavailable" | "catalog_not_loaded";

/** The answer of one readiness check. */
export type ReadinessState = { ready: true } | { ready: false; reason: NotReadyReason };

/** A database that does not answer within this time counts as unavailable: a probe must not hang with it. */
export const DATABASE_PING_TIMEOUT_MS = 2000;

/** The readiness of one running service. */
export class Readiness {
  private draining = false;

  /**
   * `catalogLoaded` says whether the search index exists. The store is handed over only after its migrations ran,
   * so a store that answers is a migrated one.
   */
  constructor(
    private readonly store: Pick<Store, "ping">,
    private readonly catalogLoaded: () => boolean,
  ) {}

  /** From now on the instance answers not ready (shutdown began); there is no way back. */
  beginShutdown(): void {
    this.draining = true;
  }

  /** True once shutdown began. */
  get shuttingDown(): boolean {
    return this.draining;
  }

  /** Checks shutdown, the catalog and the database, in that order (the cheapest first). */
  async check(): Promise<ReadinessState> {
    if (this.draining) return { ready: false, reason: "shutting_down" };
    if (!this.catalogLoaded()) return { ready: false, reason: "catalog_not_loaded" };
    if (!(await pingWithin(this.store, DATABASE_PING_TIMEOUT_MS))) return { ready: false, reason: "database_unavailable" };
    // Shutdown may have begun while the database was asked.
    if (this.draining) return { ready: false, reason: "shutting_down" };
    return { ready: true };
  }
}

async function pingWithin(store: Pick<Store, "ping">, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([store.ping().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Once shutdown began, each answer asks its client to open a new connection for the next request, so that keep-alive
 * connections end as their last request does (and the next one reaches another instance) instead of idling until the
 * listener's grace period cuts them.
 */
export function closeConnectionsWhenDraining(readiness: Readiness): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (readiness.shuttingDown) setAnswerHeader(c, "Connection", "close");
  };
}
