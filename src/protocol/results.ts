/** A data source as Connect reports it to the page: `{name, id}` with a 24-hex id. */
export interface ConnectSource {
  name: string;
  id: string;
}

/** Sources connected and disconnected during one Connect session. */
export interface SessionResults {
  connectedSources: ConnectSource[];
  disconnectedSources: ConnectSource[];
}

/** Every close status, for validating a status that arrives as input. */
export const CLOSE_STATUSES = [
  "SUCCESS",
  "SESSION_TOKEN_INVALID",
  "SESSION_TOKEN_EXPIRED",
  "MISSING_SESSION_TOKEN",
  "ORIGIN_NOT_ALLOWED",
  "PROTOCOL_VERSION_MISMATCH",
  "CONNECT_UNAVAILABLE",
] as const;

/**
 * Why Connect closed. `SUCCESS` and the three token statuses are the documented ones;
 * `ORIGIN_NOT_ALLOWED`, `PROTOCOL_VERSION_MISMATCH` and `CONNECT_UNAVAILABLE` are this product's additions for
 * an embedding page that is not on the client's allow list, a loader and app of different versions, and an app
 * that could not be loaded at all.
 */
export type CloseStatus = (typeof CLOSE_STATUSES)[number];

/** The argument of `onClose`. */
export interface CloseResponse {
  status: CloseStatus;
  sessionResults: SessionResults;
  currentConnections: ConnectSource[];
}

/** The argument of `onConnectSource`. */
export interface ConnectSourceResponse {
  status: "CONNECTED_SOURCE";
  sessionResults: SessionResults;
  currentConnections: ConnectSource[];
}

/** The argument of `onDisconnectSource`. */
export interface DisconnectSourceResponse {
  status: "DISCONNECTED_SOURCE";
  sessionResults: SessionResults;
  currentConnections: ConnectSource[];
}

/** Stable names of the events passed to `onEvent`. */
export const CONNECT_EVENT_NAMES = [
  "OPEN",
  "READY",
  "SEARCH",
  "SELECT_SOURCE",
  "CONNECT_START",
  "MFA_REQUIRED",
  "OAUTH_POPUP_OPENED",
  "OAUTH_POPUP_BLOCKED",
  "CONNECTED_SOURCE",
  "DISCONNECTED_SOURCE",
  "ERROR",
  "CLOSE",
] as const;

export type ConnectEventName = (typeof CONNECT_EVENT_NAMES)[number];

/** What `onEvent` receives: a stable name, a timestamp (ms since epoch) and event-specific fields, never a secret. */
export interface ConnectEvent {
  name: ConnectEventName;
  timestamp: number;
  data: Record<string, string | number | boolean | null>;
}

/** An empty result set, used when Connect closes before anything happened. */
export function emptySessionResults(): SessionResults {
  return { connectedSources: [], disconnectedSources: [] };
}
