// Connecting and disconnecting sources, and closing Connect sessions: each change, its record in the session and its
// webhook event are stored in one transaction.
import { sessionResultsOf, type CloseStatus } from "../../protocol/results.ts";
import type { Clock } from "../clock.ts";
import type { SessionClosedData } from "../webhooks/events.ts";
import type { EventQueue } from "../webhooks/event-queue.ts";

/** Session id recorded for a change made outside a Connect session. */
const NO_SESSION = "ses_unknown";

/** Connects, disconnects and closes sessions. */
export class ConnectService {
  constructor(
    private readonly events: EventQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Connects a source; false when it was already connected. Sets the human's connected time the first time, records
   * the change for the Connect session, and queues `connect.source_connected`.
   */
  connect(humanId: string, sourceId: string, sessionId: string | null): Promise<boolean> {
    return this.change(humanId, sourceId, sessionId, "connected");
  }

  /** Removes a connection (false when there was none), recording it and queueing `connect.source_disconnected`. */
  disconnect(humanId: string, sourceId: string, sessionId: string | null): Promise<boolean> {
    return this.change(humanId, sourceId, sessionId, "disconnected");
  }

  private change(humanId: string, sourceId: string, sessionId: string | null, action: "connected" | "disconnected"): Promise<boolean> {
    const now = this.clock.now();
    const session = sessionId ?? NO_SESSION;
    return this.events.transaction(async (tx, queue) => {
      const changed = action === "connected" ? await tx.connections.add(humanId, sourceId, now) : await tx.connections.remove(humanId, sourceId);
      if (!changed) return false;
      if (action === "connected") await tx.humans.markFirst(humanId, "connectedAt", now);
      await tx.activity.record(session, humanId, sourceId, action, now);
      const [human, source] = await Promise.all([tx.humans.get(humanId), tx.sources.get(sourceId)]);
      if (human && source) {
        await queue(human.clientId, action === "connected" ? "connect.source_connected" : "connect.source_disconnected", {
          client_user_id: human.clientUserId,
          human_id: humanId,
          session_id: session,
          source: { name: source.name, id: source.id },
          current_connections: await tx.connections.list(humanId),
        });
      }
      return true;
    });
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

