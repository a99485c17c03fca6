/**
 * Messages between the customer's page (loader) and the Connect app (iframe).
 *
 * Handshake:
 * 1. The app, once loaded, posts `hello` to `window.parent` with targetOrigin "*". It carries nothing secret: only
 *    the namespace, the protocol version and the type.
 * 2. The page accepts `hello` only when `event.origin` is the Connect app's origin AND `event.source` is its own
 *    iframe's window. It answers with `init` posted to that exact origin, transferring a MessageChannel port.
 *    `init` carries the token and the options; the token never appears in a URL.
 * 3. The app accepts `init` only from `window.parent`, and learns the page's origin from `event.origin`, which it
 *    reports to the service so the service can check it against the client's allowed origins.
 * 4. Everything after that travels over the private port, in both directions.
 *
 * OAuth by full-page redirect: the app asks the page to `navigate` to the sign-in (a URL on the Connect service's own
 * origin, which the loader checks), and the loader closes Connect quietly and leaves. The provider's callback brings
 * the browser back to `returnUrl` with `#hc-oauth=<attempt id>.<secret>`; the next `open()` strips that fragment at
 * once and hands it over as `oauthReturn`, which the app redeems with its own token.
 *
 * Every message carries `ns` and `v`; `isProtocolMessage` drops anything foreign before it is read further.
 */
import type { CloseStatus, ConnectEvent, ConnectSource, ConnectSourceResponse, DisconnectSourceResponse } from "./results.ts";

export const NAMESPACE = "human-connect";
export const PROTOCOL_VERSION = 1;

/** Options the page hands to the app in `init`. */
export interface InitOptions {
  clientId?: string;
  clientUserId?: string;
  language?: string;
  /** A source to open on at once: its sign-in, or the repair of its connection when that needs re-authorisation. */
  sourceId?: string;
  /** Source ids to show first, in this order, on the first screen. */
  pinnedSources?: string[];
  /** Connect fills an element of the page instead of a modal dialog, so Tab must be free to leave it. */
  inline?: boolean;
  /** OAuth sign-ins navigate the whole page to the provider instead of opening a popup. */
  oauthRedirect?: boolean;
  /** The page's address (`location.href` without its fragment): where a redirect sign-in comes back to. */
  returnUrl?: string;
  /** `<attempt id>.<secret>` from the `#hc-oauth=` fragment a redirect sign-in came back with. */
  oauthReturn?: string;
}

/** The fragment parameter a redirect sign-in returns with: `#hc-oauth=<attempt id>.<secret>`. */
export const OAUTH_RETURN_PARAM = "hc-oauth";

interface Envelope<T extends string> {
  ns: typeof NAMESPACE;
  v: number;
  type: T;
}

/** App -> page via window.postMessage("*"): I am loaded. */
export interface HelloMessage extends Envelope<"hello"> {}

/** Page -> app via window.postMessage(exact origin), with a MessagePort transferred. */
export interface InitMessage extends Envelope<"init"> {
  token: string;
  options: InitOptions;
}

/** App -> page over the port: interactive. `currentConnections` seeds the page's cumulative results. */
export interface ReadyMessage extends Envelope<"ready"> {
  currentConnections: ConnectSource[];
}

/** App -> page over the port: a source was connected. */
export interface ConnectedMessage extends Envelope<"connected"> {
  response: ConnectSourceResponse;
}

/** App -> page over the port: a source was disconnected. */
export interface DisconnectedMessage extends Envelope<"disconnected"> {
  response: DisconnectSourceResponse;
}

/** App -> page over the port: a named event for `onEvent`. */
export interface EventMessage extends Envelope<"event"> {
  event: ConnectEvent;
}

/** App -> page over the port: close Connect with this status (the page builds the final payload). */
export interface CloseMessage extends Envelope<"close"> {
  status: CloseStatus;
  currentConnections: ConnectSource[];
}

/**
 * App -> page over the port: leave for this URL (an OAuth sign-in by redirect). The page follows it only when it is on
 * the Connect service's own origin, and closes Connect without `onClose` first: the session resumes after the return.
 */
export interface NavigateMessage extends Envelope<"navigate"> {
  url: string;
}

/** Page -> app over the port: the page is closing Connect (Escape on the page, `close()`); the app saves and answers `close`. */
export interface CloseRequestMessage extends Envelope<"close-request"> {}

export type AppToPageMessage =
  | HelloMessage
  | ReadyMessage
  | ConnectedMessage
  | DisconnectedMessage
  | EventMessage
  | CloseMessage
  | NavigateMessage;
export type PageToAppMessage = InitMessage | CloseRequestMessage;
export type ProtocolMessage = AppToPageMessage | PageToAppMessage;

const TYPES: ReadonlySet<string> = new Set([
  "hello",
  "init",
  "ready",
  "connected",
  "disconnected",
  "event",
  "close",
  "close-request",
  "navigate",
]);

/** True for anything that claims to be one of our messages (right namespace, a known type, a numeric version). */
export function isProtocolMessage(data: unknown): data is ProtocolMessage {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Record<string, unknown>;
  return m.ns === NAMESPACE && typeof m.v === "number" && typeof m.type === "string" && TYPES.has(m.type);
}

/** Builds a message with the envelope filled in. */
export function message<M extends ProtocolMessage>(type: M["type"], body: Omit<M, "ns" | "v" | "type">): M {
  return { ns: NAMESPACE, v: PROTOCOL_VERSION, type, ...body } as M;
}
