// Which client endpoint an event goes to, and the outbox row it becomes. Callers queue inside the transaction of
// the change that caused the event, so that the change and its event are stored together or not at all.
import type { Clock } from "../clock.ts";
import type { Store, StoreConcerns } from "../store/types.ts";
import { createWebhookMessage, type WebhookEventDataMap, type WebhookEventType } from "./events.ts";

/** Queues an event inside the transaction it was handed with. */
export type QueueFn = <T extends WebhookEventType>(clientId: string, type: T, data: WebhookEventDataMap[T]) => Promise<void>;

/** Queues webhook events and tells the worker once they are committed. */
export class EventQueue {
  /** Called after a transaction that queued an event has committed (the service pokes its worker). */
  onQueued: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Puts an event in the outbox of the client's enabled endpoint, inside `tx`; returns whether a row was added. A
   * client without an endpoint gets no row: events are not kept for an endpoint registered later.
   */
  async queue<T extends WebhookEventType>(tx: StoreConcerns, clientId: string, type: T, data: WebhookEventDataMap[T]): Promise<boolean> {
    const endpointId = await tx.webhooks.enabledEndpointId(clientId);
    if (endpointId === undefined) return false;
    const now = this.clock.now();
    const message = createWebhookMessage(type, data, now);
    await tx.webhooks.enqueue({ messageId: message.id, endpointId, clientId, eventType: type, body: message.body, now });
    return true;
  }

  /**
   * Runs `fn` in one transaction with a `queue` bound to it, and pokes the worker after the commit when an event
   * was queued.
   */
  async transaction<R>(
    fn: (tx: StoreConcerns, queue: QueueFn) => Promise<R>,
  ): Promise<R> {
    let queued = false;
    const result = await this.store.transaction((tx) =>
      fn(tx, async (clientId, type, data) => {
        if (await this.queue(tx, clientId, type, data)) queued = true;
      }),
    );
    if (queued) this.onQueued?.();
    return result;
  }
}
