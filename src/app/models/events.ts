/** Named events for the page's `onEvent`: a stable name and a few plain fields, never a secret. */
import { message, type EventMessage } from "../../protocol/messages.ts";
import type { ConnectEventName } from "../../protocol/results.ts";
import type { Host } from "../bridge.ts";

/** Event-specific fields; callers pass ids, names, codes and counts only. */
export type EventData = Record<string, string | number | boolean | null>;

/** Sends one event. */
export type EmitEvent = (name: ConnectEventName, data?: EventData) => void;

/** Creates the event emitter over the host, stamped with `now()`. */
export function createEventEmitter(host: Pick<Host, "send">, now: () => number = Date.now): EmitEvent {
  return (name, data = {}) => host.send(message<EventMessage>("event", { event: { name, timestamp: now(), data } }));
}
