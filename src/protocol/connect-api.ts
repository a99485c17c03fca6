/**
 * The Connect API: what the Connect app (in the iframe, or the hosted page) asks the Connect service.
 * Types only; the service validates every body it receives and the app checks what it reads.
 *
 * Every request carries `Authorization: Bearer <session_token | id_token>` and, from the embedded app,
 * `Human-Connect-Parent-Origin: <origin of the embedding page, learned from the handshake>`.
 * Every error answers `{"errorCode", "message"}` (see `ApiError`).
 *
 *   GET    /v1/connect/session                    -> SessionView           (also records the parent origin check)
 *   GET    /v1/connect/sources?q=&type=&page=&per_page=  -> SourceSearchResult
 *   GET    /v1/connect/sources/:id                -> SourceDetail
 *   GET    /v1/connect/suggested-sources?pinned=  -> SuggestedSources     (the first screen, before any typing)
 *   POST   /v1/connect/connections                ConnectCredentialsBody -> ConnectResult
 *   POST   /v1/connect/connections/mfa            SubmitMfaBody          -> ConnectResult
 *   POST   /v1/connect/oauth/start                OAuthStartBody         -> OAuthStartResult
 *   GET    /v1/connect/oauth/attempts/:attempt_id -> OAuthAttemptStatus    (poll while the popup is open)
 *   POST   /v1/connect/oauth/complete            OAuthCompleteBody      -> OAuthAttemptStatus (redeem the popup's code,
 *                                                                            or a redirect sign-in's completion secret)
 *   DELETE /v1/connect/connections/:source_id     -> DisconnectResult
 *   PUT    /v1/connect/ui-state                   UiStateBody            -> 204
 *   POST   /v1/connect/session/close              SessionCloseBody       -> 200 (queues `connect.session_closed`)
 *   GET    /v1/connect/sources/socket             WebSocket: search without a request per keystroke (SearchSocket*)
 *
 * The OAuth popup opens `authorize_url` (the sandbox sign-in page served by this service). When the round trip
 * ends, the callback page posts `OAuthPopupMessage` to `window.opener` at the service's own origin; the Connect app
 * that started the attempt (and only it: same origin, its own popup, its own attempt id) answers `OAuthPopupAck`,
 * upon which the page closes itself, and redeems the code with its own token. The callback connects nothing itself,
 * and the completion takes only the attempt's own user and session, so an authorize URL completed anywhere else
 * (another browser, a page with no opener, a popup opened by another page) connects nothing: the page stays open
 * and says that the sign-in must be finished in the Connect window that started it.
 *
 * OAuth by full-page redirect (`oauthRedirect`, the popup's fallback, hosted Connect) keeps the same rule without an
 * opener. The start names `return_url`, the page that opened Connect, which must be on one of the client's allowed
 * origins (and be the embedding page's own origin). The callback still connects nothing: it exchanges the code, stores
 * the outcome on the attempt and answers 303 to `return_url` with `#hc-oauth=<attempt_id>.<secret>`, a one-time
 * secret kept only hashed, in the fragment so that no server or log sees it. The page's next Connect redeems it with
 * its own token (a fresh one is fine), and the service accepts it only from the attempt's own user. An attacker who
 * starts an attempt and lures someone else into signing in gets nothing: the secret lands in the victim's browser,
 * and the victim's Connect, being another user, cannot redeem it either.
 */
import type { ConnectSource } from "./results.ts";

export const PARENT_ORIGIN_HEADER = "Human-Connect-Parent-Origin";

export type SourceType = "hospital" | "clinic" | "lab" | "pharmacy" | "insurer" | "wearable";
export const SOURCE_TYPES: readonly SourceType[] = ["hospital", "clinic", "lab", "pharmacy", "insurer", "wearable"];

/**
 * How a source signs in: username and password; username, password and a one-time code; OAuth in a popup; or SMART on
 * FHIR (OAuth at the EHR's own page, then its FHIR API).
 */
export type AuthMethod = "credentials" | "credentials_mfa" | "oauth" | "smart";

/** True for sources whose sign-in is an authorization-code round trip (OAuth, or SMART on FHIR at an EHR). */
export const signsInByRedirect = (auth: AuthMethod): boolean => auth === "oauth" || auth === "smart";

export interface ApiError {
  errorCode: string;
  message: string;
}

export interface ClientBranding {
  name: string;
  primary_color: string | null;
  logo_url: string | null;
}

/** Free-form JSON the app saves at each step (at most 8 KB serialised), returned as-is. */
export type UiState = Record<string, unknown>;

/** The health of a connection: `active`, or `needs_reauth` until the user signs in to the source again. */
export type ConnectionStatus = "active" | "needs_reauth";
export const CONNECTION_STATUSES: readonly ConnectionStatus[] = ["active", "needs_reauth"];

/** Why a connection needs re-authorisation. */
export type ConnectionStatusReason = "credentials_changed" | "consent_revoked" | "token_expired";
export const CONNECTION_STATUS_REASONS: readonly ConnectionStatusReason[] = ["credentials_changed", "consent_revoked", "token_expired"];

/** One connection with its health, as the Connect API's session view and the server API's user connections list it. */
export interface ConnectionView {
  source: ConnectSource;
  status: ConnectionStatus;
  /** Null while `active`. */
  status_reason: ConnectionStatusReason | null;
  connected_at: string; // ISO 8601
  status_changed_at: string; // ISO 8601
  /** Server API only, for a SMART on FHIR connection: where its records are read and whose they are. */
  fhir?: { base_url: string; patient: string };
}

export interface SessionView {
  human_id: string;
  token_kind: "session" | "id";
  expires_at: string; // ISO 8601
  client: ClientBranding;
  connections: ConnectSource[];
  /** The same connections, in the same order, with their health. */
  connection_health: ConnectionView[];
  ui_state: UiState | null;
}

export interface SourceSummary {
  id: string; // 24 lowercase hex
  name: string;
  type: SourceType;
  city: string;
  state: string; // two-letter US state
  auth: AuthMethod;
  /** An https URL of the source's logo; absent when the catalog has none (the app draws a monogram instead). */
  logo_url?: string;
}

export interface SourceDetail extends SourceSummary {
  description: string;
  /** False while the source cannot be signed in to (its sign-in would answer `SOURCE_UNAVAILABLE`). */
  available: boolean;
  connected: boolean;
  /** The connection's health, or null when the source is not connected. */
  connection_status: ConnectionStatus | null;
}

export interface SourceSearchResult {
  query: string;
  type: SourceType | null;
  page: number; // 1-based
  per_page: number; // 1..50, default 20
  total: number;
  results: SourceSummary[];
}

/** Results the Connect app asks per search page: a screenful, which keeps each answer small. */
export const APP_SEARCH_PAGE_SIZE = 10;

/** Where the search socket is: a WebSocket on the service's own origin, for the Connect app only. */
export const SEARCH_SOCKET_PATH = "/v1/connect/sources/socket";

/**
 * Messages the app sends on the search socket. The first is `hello`, with the session token (never in the URL, which
 * logs keep); each `search` asks what `GET /v1/connect/sources` asks and is answered by the `id` it carries.
 */
export type SearchSocketRequest =
  | { type: "hello"; token: string; parent_origin: string | null }
  | { type: "search"; id: number; q: string; source_type: SourceType | null; page: number; per_page: number };

/** Messages the service sends: `ready` once the token is accepted; then a `result` or an `error` per search. */
export type SearchSocketReply =
  | { type: "ready" }
  | { type: "result"; id: number; result: SourceSearchResult }
  | { type: "error"; id: number | null; status: number; errorCode: string; message: string };

/**
 * What the first screen suggests: the sources the page pinned (`pinned=<id>,<id>`, at most 20), in that order, with
 * unknown ids left out; then the most popular sources of the catalog, without the pinned ones.
 */
export interface SuggestedSources {
  pinned: SourceSummary[];
  popular: SourceSummary[];
}

export interface ConnectCredentialsBody {
  source_id: string;
  username: string;
  password: string;
}

export interface SubmitMfaBody {
  challenge_id: string;
  code: string;
}

export interface MfaChallenge {
  challenge_id: string;
  prompt: string; // e.g. "Enter the 6-digit code we sent to your phone ending in 42"
  expires_in: number; // seconds
}

/**
 * A sign-in that ended connected. `repaired` is true when it restored an existing connection that needed
 * re-authorisation (the same connection, made `active` again) rather than adding one.
 */
export interface ConnectedResult {
  status: "connected";
  source: ConnectSource;
  connections: ConnectSource[];
  repaired: boolean;
}

export type ConnectResult =
  | ConnectedResult
  | { status: "mfa_required"; challenge: MfaChallenge };

export interface DisconnectResult {
  source: ConnectSource;
  connections: ConnectSource[];
}

export interface OAuthStartBody {
  source_id: string;
  /** Sign in by full-page redirect, coming back to this page (on one of the client's allowed origins). */
  return_url?: string;
}

export interface OAuthStartResult {
  attempt_id: string;
  authorize_url: string;
}

export type OAuthAttemptStatus =
  | { status: "pending" }
  | ConnectedResult
  | { status: "failed"; errorCode: string; message: string };

/** Posted by the OAuth callback page to `window.opener` (same origin as the Connect app). */
export interface OAuthPopupMessage {
  ns: "human-connect-oauth";
  attempt_id: string;
  /** "authorized" carries the code for the app to redeem; "failed" means the attempt already failed. */
  status: "authorized" | "failed";
  code?: string;
}

/** The Connect app's answer to its own popup's `OAuthPopupMessage`: the callback page closes only once it has it. */
export interface OAuthPopupAck {
  ns: "human-connect-oauth";
  attempt_id: string;
  status: "received";
}

/**
 * Body of `POST /v1/connect/oauth/complete`: the popup's code, redeemed by the Connect that started the attempt; or
 * the completion secret a redirect sign-in returned with, redeemed by a Connect of the attempt's own user.
 */
export type OAuthCompleteBody = { attempt_id: string; code: string } | { attempt_id: string; completion_secret: string };

/** Reported when Connect closes normally, so the service can tell the client's webhook. */
export interface SessionCloseBody {
  status: "SUCCESS";
}

export interface UiStateBody {
  state: UiState;
}

/**
 * Error codes of the Connect API beyond those of the token endpoint.
 * The three token codes match the `onClose` statuses of the Connect reference.
 */
export type ConnectApiErrorCode =
  | "MISSING_SESSION_TOKEN"
  | "SESSION_TOKEN_INVALID"
  | "SESSION_TOKEN_EXPIRED"
  | "ORIGIN_NOT_ALLOWED"
  | "NOT_AUTHORIZED"
  | "INVALID_REQUEST"
  | "SOURCE_NOT_FOUND"
  | "SOURCE_UNAVAILABLE"
  | "INVALID_CREDENTIALS"
  | "ACCOUNT_LOCKED"
  | "ALREADY_CONNECTED"
  | "NOT_CONNECTED"
  | "MFA_CHALLENGE_INVALID"
  | "MFA_CHALLENGE_EXPIRED"
  | "INVALID_MFA_CODE"
  | "OAUTH_NOT_SUPPORTED"
  | "OAUTH_ATTEMPT_NOT_FOUND"
  /** `POST /v1/connect/oauth/complete` with a code already redeemed. */
  | "INVALID_GRANT"
  /** `POST /v1/connect/oauth/start` with a `return_url` not on the client's allowed origins. */
  | "OAUTH_RETURN_URL_NOT_ALLOWED"
  | "RATE_LIMITED";
