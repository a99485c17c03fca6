// Connecting and disconnecting sources, and closing Connect sessions: each change, its record in the session and its
// webhook event are stored in one transaction.
import { sessionResultsOf, type CloseStatus } from "../../protocol/results.ts";
import type { Clock } from "../clock.ts";
import type { SessionClosedData } from "../webhooks/events.ts";
import type { EventQueue, QueueFn } from "../webhooks/event-queue.ts";
import { signsInByRedirect, type AuthMethod, type ConnectionStatus, type ConnectionStatusReason } from "../../protocol/connect-api.ts";
import type { ConnectSource } from "../../protocol/results.ts";
import type { ConnectionRecord, StoreConcerns } from "../store/types.ts";

/** Session id recorded for a change made outside a Connect session. */
const NO_SESSION = "ses_unknown";

/** How a source was signed in to: a password, a password and a code, or OAuth. */
export type SignInMethod = "credentials" | "mfa" | "oauth";

/** A connection made, repaired or removed, as observers hear of it once it is stored. */
export interface ConnectionChange {
  action: "connected" | "repaired" | "disconnected";
  /** For a removal, the method the source signs in with (which sign-in made the connection is not stored). */
  method: SignInMethod;
}

function catalogMethod(auth: AuthMethod | undefined): SignInMethod {
  if (auth === undefined) return "credentials";
  return signsInByRedirect(auth) ? "oauth" : auth === "credentials_mfa" ? "mfa" : "credentials";
}

/** Connects, disconnects and closes sessions. */
export class ConnectService {
  /** Hears of each stored change, after its transaction committed (metrics). */
  onChange: ((change: ConnectionChange) => void) | undefined;

  constructor(
    private readonly store: StoreConcerns,
    private readonly events: EventQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Connects a source, or repairs its connection when that needs re-authorisation (`outcome` false when it was
   * already connected and active), and returns the human's connections after it. A new connection sets the human's connected time the first time, is recorded for the
   * Connect session, and queues `connect.source_connected`. A repair makes the same connection `active` again, is
   * recorded for the session as a connection (the user signed in to it there), and queues
   * `connect.connection_status_changed`.
   */
  async connect(
    humanId: string,
    sourceId: string,
    sessionId: string | null,
    method: SignInMethod,
  ): Promise<{ outcome: "connected" | "repaired" | false; connections: ConnectSource[] }> {
    // Most sign-ins are new connections: only a connection that needs re-authorisation takes the repair's transaction.
    const known = await this.store.connections.get(humanId, sourceId);
    const repaired = known?.status === "needs_reauth" && (await this.events.transaction(async (tx, queue) => {
      const existing = await tx.connections.get(humanId, sourceId);
      if (!existing || existing.status !== "needs_reauth") return false;
      const now = this.clock.now();
      const before = await tx.connections.setStatus(humanId, sourceId, "active", null, now);
      if (!before) return false;
      await tx.activity.record(sessionId ?? NO_SESSION, humanId, sourceId, "connected", now);
      await this.queueStatusChange(tx, queue, humanId, existing.source, before.status, "active", null);
      return true;
    }));
    if (repaired) {
      this.onChange?.({ action: "repaired", method });
      return { outcome: "repaired", connections: await this.store.connections.list(humanId) };
    }
    const changed = await this.change(humanId, sourceId, sessionId, "connected", method);
    return { outcome: changed ? "connected" : false, connections: changed || (await this.store.connections.list(humanId)) };
  }

  /** Removes a connection (false when there was none), recording it and queueing `connect.source_disconnected`. */
  async disconnect(humanId: string, sourceId: string, sessionId: string | null): Promise<boolean> {
    return (await this.change(humanId, sourceId, sessionId, "disconnected", null)) !== false;
  }

  /**
   * Sets the health of a connection (a source refused its credentials, or the sandbox broke it on purpose) and
   * queues `connect.connection_status_changed` when the status changed. Returns the connection as it is now, or
   * undefined when there is no such connection.
   */
  async setHealth(humanId: string, sourceId: string, status: ConnectionStatus, reason: ConnectionStatusReason | null): Promise<ConnectionRecord | undefined> {
    return this.events.transaction(async (tx, queue) => {
      const existing = await tx.connections.get(humanId, sourceId);
      if (!existing) return undefined;
      const before = await tx.connections.setStatus(humanId, sourceId, status, status === "active" ? null : reason, this.clock.now());
      if (before && before.status !== status) {
        await this.queueStatusChange(tx, queue, humanId, existing.source, before.status, status, status === "active" ? null : reason);
      }
      return tx.connections.get(humanId, sourceId);
    });
  }

  private async queueStatusChange(
    tx: StoreConcerns,
    queue: QueueFn,
    humanId: string,
    source: ConnectSource,
    previous: ConnectionStatus,
    status: ConnectionStatus,
    reason: ConnectionStatusReason | null,
  ): Promise<void> {
    const human = await tx.humans.get(humanId);
    if (!human) return;
    await queue(human.clientId, "connect.connection_status_changed", {
      client_user_id: human.clientUserId,
      human_id: humanId,
      source: { name: source.name, id: source.id },
      status,
      status_reason: reason,
      previous_status: previous,
    });
  }

  private async change(
    humanId: string,
    sourceId: string,
    sessionId: string | null,
    action: "connected" | "disconnected",
    method: SignInMethod | null,
  ): Promise<ConnectSource[] | false> {
    const now = this.clock.now();
    const session = sessionId ?? NO_SESSION;
    let observed: ConnectionChange | undefined;
    const changedNow = await this.events.transaction(async (tx, queue) => {
      const changed = action === "connected" ? await tx.connections.add(humanId, sourceId, now) : await tx.connections.remove(humanId, sourceId);
      if (!changed) return false;
      if (action === "connected") await tx.humans.markFirst(humanId, "connectedAt", now);
      // A removed connection keeps no EHR tokens.
      else await tx.smart.deleteGrant(humanId, sourceId);
      await tx.activity.record(session, humanId, sourceId, action, now);
      const [human, source, current] = await Promise.all([tx.humans.get(humanId), tx.sources.get(sourceId), tx.connections.list(humanId)]);
      observed = { action, method: method ?? catalogMethod(source?.auth) };
      if (human && source) {
        await queue(human.clientId, action === "connected" ? "connect.source_connected" : "connect.source_disconnected", {
          client_user_id: human.clientUserId,
          human_id: humanId,
          session_id: session,
          source: { name: source.name, id: source.id },
          current_connections: current,
        });
      }
      return current;
    });
    if (changedNow && observed) this.onChange?.(observed);
    return changedNow;
  }

  /**
   * Ends a Connect session: queues `connect.session_closed` with the session's results as the app reports them to
   * `onClose`, and returns that event's data. A session closes once: a later report gets the same answer, with the
   * status it closed with, and queues nothing.
   */
  closeSession(humanId: string, sessionId: string, status: CloseStatus): Promise<SessionClosedData | undefined> {
    return this.events.transaction(async (tx, queue) => {
      const human = await tx.humans.get(humanId);
      if (!human) return undefined;
      const close = await tx.activity.close(sessionId, humanId, status, this.clock.now());
      const closed: SessionClosedData = {
        client_user_id: human.clientUserId,
        human_id: humanId,
        session_id: sessionId,
        status: close.status as CloseStatus,
        session_results: sessionResultsOf(await tx.activity.list(sessionId, humanId)),
        current_connections: await tx.connections.list(humanId),
      };
      if (close.closedNow) await queue(human.clientId, "connect.session_closed", closed);
      return closed;
    });
  }
}

