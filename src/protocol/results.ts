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
  /** A sign-in restored a connection that needed re-authorisation (`onConnectSource` fires too). */
  "SOURCE_REPAIRED",
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

/** One change a session made to the user's connections. */
export interface SessionChange {
  action: "connected" | "disconnected";
  source: ConnectSource;
}

function addOnce(list: readonly ConnectSource[], source: ConnectSource): ConnectSource[] {
  return list.some((s) => s.id === source.id) ? [...list] : [...list, { name: source.name, id: source.id }];
}

/**
 * The one definition of a session's results, used by the app for its callbacks and by the service for the
 * `connect.session_closed` webhook: each source is listed once per side, in the order it first changed there.
 */
export function addSessionChange(results: SessionResults, change: SessionChange): SessionResults {
  return change.action === "connected"
    ? { connectedSources: addOnce(results.connectedSources, change.source), disconnectedSources: [...results.disconnectedSources] }
    : { connectedSources: [...results.connectedSources], disconnectedSources: addOnce(results.disconnectedSources, change.source) };
}

/** The results of a whole session from its changes, oldest first. */
export function sessionResultsOf(changes: readonly SessionChange[]): SessionResults {
  return changes.reduce(addSessionChange, emptySessionResults());
}
