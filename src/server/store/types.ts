// What the Connect service keeps, one interface per concern. Implementations store and find rows; they never decide a
// business rule (which event to queue, what a session's results are, how a secret is encrypted or a token minted).
import type { ConnectionStatus, ConnectionStatusReason, UiState } from "../../protocol/connect-api.ts";
import type { ConnectSource, SessionChange } from "../../protocol/results.ts";
import type { SourceRecord } from "../catalog/types.ts";
import type { AttemptInfo, OutboxRow } from "../webhooks/outbox-worker.ts";
import type { OAuthAttemptState, OutboxState, TokenIssuedVia, TokenKind } from "./schema.ts";

export type { OAuthAttemptState, OutboxState, TokenIssuedVia, TokenKind } from "./schema.ts";

/** Which database engine a store runs on. */
export type DialectName = "sqlite" | "postgres";

/** What a client app may do. */
export interface ClientPermissions {
  idTokens: boolean;
  clientTokens: boolean;
}

/** A client app as the service sees it; the secret is never part of it. */
export interface ClientRecord {
  clientId: string;
  name: string;
  primaryColor: string | null;
  logoUrl: string | null;
  allowedOrigins: string[];
  permissions: ClientPermissions;
  disabled: boolean;
  redirectUrl: string | null;
  createdAt: number;
}

/** Fields for a new client app. */
export interface NewClient {
  name: string;
  allowedOrigins: string[];
  primaryColor?: string | null;
  logoUrl?: string | null;
  permissions?: Partial<ClientPermissions>;
  redirectUrl?: string | null;
}

/** Changes to a client's branding, origins, permissions or redirect URL. */
export type ClientChanges = Partial<Omit<NewClient, "permissions">> & { permissions?: Partial<ClientPermissions> };

/** Client apps. Secrets are stored as the service hands them over (encrypted). */
export interface ClientStore {
  insert(client: ClientRecord, secretEncrypted: string): Promise<void>;
  get(clientId: string): Promise<ClientRecord | undefined>;
  /** Every client, oldest first. */
  list(): Promise<ClientRecord[]>;
  /** The stored (encrypted) secret, or undefined. */
  getSecret(clientId: string): Promise<string | undefined>;
  /** Any one stored secret, to check the master key at startup. */
  anySecret(): Promise<string | undefined>;
  /** False when the client does not exist. */
  setSecret(clientId: string, secretEncrypted: string, now: number): Promise<boolean>;
  setDisabled(clientId: string, disabled: boolean): Promise<boolean>;
  update(clientId: string, changes: ClientChanges): Promise<boolean>;
}

/** One end user of one client app. */
export interface HumanRecord {
  humanId: string;
  clientId: string;
  clientUserId: string;
  email: string | null;
  createdAt: number;
  invitedAt: number | null;
  engagedAt: number | null;
  connectedAt: number | null;
}

/** A user's place in onboarding (seed 000): invited, engaged (launched Connect), connected (a source now). */
export type HumanStatus = "created" | "invited" | "engaged" | "connected";

/** A human with the status the company sees in `GET /v1/users` and the Portal. */
export interface HumanSummary extends ListedHuman {
  status: HumanStatus;
}

/** A human as the user list reads it, with the counts of its connections. */
export interface ListedHuman extends HumanRecord {
  connections: number;
  /** Of those, the ones whose status is `needs_reauth`. */
  connectionsNeedingReauth: number;
}

/** The end users of client apps. */
export interface HumanStore {
  /** Inserts the human unless (client, client_user_id) exists; the email is updated when given. Returns the stored human. */
  upsert(human: HumanRecord): Promise<HumanRecord>;
  find(clientId: string, clientUserId: string): Promise<HumanRecord | undefined>;
  get(humanId: string): Promise<HumanRecord | undefined>;
  /** Sets the time the first time only; true when it was set now. */
  markFirst(humanId: string, field: "invitedAt" | "engagedAt" | "connectedAt", at: number): Promise<boolean>;
  /** A client's users with their connection counts, newest first, optionally only those in one status. */
  list(
    clientId: string,
    opts: { status?: Exclude<HumanStatus, "created"> | undefined; limit: number; offset: number },
  ): Promise<{ total: number; users: ListedHuman[] }>;
  /** Number of humans stored (all clients). */
  count(): Promise<number>;
}

/** A stored token, found by its hash. */
export interface TokenRecord {
  kind: TokenKind;
  humanId: string | null;
  clientId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** Where the token was issued; null for the token endpoint. */
  issuedVia: TokenIssuedVia | null;
}

/** Bearer tokens, kept only as hashes. */
export interface TokenStore {
  insert(tokenHash: string, token: TokenRecord): Promise<void>;
  find(tokenHash: string): Promise<TokenRecord | undefined>;
  /** Marks a single-use token used; true only for the first caller. */
  consume(tokenHash: string, now: number): Promise<boolean>;
  /** Removes every token of a client, or only those of some kinds. */
  deleteOfClient(clientId: string, kinds?: readonly TokenKind[]): Promise<void>;
  count(kind?: TokenKind): Promise<number>;
}

/** The catalog of sources. */
export interface SourceStore {
  count(): Promise<number>;
  /** Inserts or replaces sources and moves the catalog version on, all in one transaction. */
  upsert(sources: readonly SourceRecord[], now: number): Promise<void>;
  list(): Promise<SourceRecord[]>;
  get(sourceId: string): Promise<SourceRecord | undefined>;
  /** A number that changes whenever the catalog does (0 before any import). */
  version(): Promise<number>;
}

/** One connection with its health. */
export interface ConnectionRecord {
  source: ConnectSource;
  status: ConnectionStatus;
  statusReason: ConnectionStatusReason | null;
  connectedAt: number;
  statusChangedAt: number;
}

/** The sources each human is connected to, and the health of each connection. */
export interface ConnectionStore {
  /** False when the human already had the source. */
  add(humanId: string, sourceId: string, at: number): Promise<boolean>;
  /** False when there was no such connection. */
  remove(humanId: string, sourceId: string): Promise<boolean>;
  /** The human's connections as `{name, id}`, in the order they were made. */
  list(humanId: string): Promise<ConnectSource[]>;
  /** The human's connections with their health, in the order they were made. */
  details(humanId: string): Promise<ConnectionRecord[]>;
  get(humanId: string, sourceId: string): Promise<ConnectionRecord | undefined>;
  /**
   * Sets a connection's health unless it already has exactly this status and reason; returns the record as it was
   * before, or undefined when nothing changed (no such connection, or the same health).
   */
  setStatus(humanId: string, sourceId: string, status: ConnectionStatus, reason: ConnectionStatusReason | null, at: number): Promise<ConnectionRecord | undefined>;
}

/** What each Connect session connected and disconnected. */
export interface SessionActivityStore {
  record(sessionId: string, humanId: string, sourceId: string, action: SessionChange["action"], at: number): Promise<void>;
  /** The session's changes, oldest first. */
  list(sessionId: string, humanId: string): Promise<SessionChange[]>;
  /** Marks the session closed with `status` unless it already was; returns whether this call closed it, and the status it closed with. */
  close(sessionId: string, humanId: string, status: string, at: number): Promise<{ closedNow: boolean; status: string }>;
}

/** A pending MFA challenge. */
export interface MfaChallengeRecord {
  humanId: string;
  sourceId: string;
  expiresAt: number;
  failedAttempts: number;
  usedAt: number | null;
}

/** MFA challenges, kept by the hash of their id. */
export interface MfaChallengeStore {
  insert(challengeHash: string, challenge: MfaChallengeRecord & { createdAt: number }): Promise<void>;
  get(challengeHash: string): Promise<MfaChallengeRecord | undefined>;
  /** Counts a wrong code; returns the new number of failures. */
  recordFailure(challengeHash: string): Promise<number>;
  /** Marks the challenge used; true only for the first caller. */
  consume(challengeHash: string, now: number): Promise<boolean>;
}

/** An OAuth authorization attempt from start to callback. */
export interface OAuthAttemptRecord {
  attemptId: string;
  humanId: string;
  sourceId: string;
  codeVerifier: string;
  codeChallenge: string;
  redirectUri: string;
  codeHash: string | null;
  codeExpiresAt: number | null;
  codeUsedAt: number | null;
  status: OAuthAttemptState;
  sessionId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  expiresAt: number;
  /** Sign-in by full-page redirect: the page to return to (sealed by the service); null for the popup. */
  returnUrl: string | null;
  /** Hash of the one-time secret the return URL's fragment carries, set by the callback. */
  completionHash: string | null;
  completionExpiresAt: number | null;
  completionUsedAt: number | null;
}

/** OAuth attempts; `state`, codes and completion secrets are kept only as hashes. */
export interface OAuthAttemptStore {
  insert(attempt: OAuthAttemptRecord & { stateHash: string; createdAt: number }): Promise<void>;
  get(attemptId: string): Promise<OAuthAttemptRecord | undefined>;
  findByState(stateHash: string): Promise<OAuthAttemptRecord | undefined>;
  findByCode(codeHash: string): Promise<OAuthAttemptRecord | undefined>;
  /** Records the code issued for a pending attempt that has none yet; false otherwise. */
  setCode(attemptId: string, codeHash: string, codeExpiresAt: number): Promise<boolean>;
  /** Marks a code used; true only for the first caller. */
  consumeCode(codeHash: string, now: number): Promise<boolean>;
  /** Records the completion secret's hash of an attempt that has none yet; false otherwise. */
  setCompletion(attemptId: string, completionHash: string, completionExpiresAt: number): Promise<boolean>;
  /** Marks an attempt's completion secret used; true only for the first caller with the right hash. */
  consumeCompletion(attemptId: string, completionHash: string, now: number): Promise<boolean>;
  /** Ends a pending attempt as connected or failed. */
  finish(
    attemptId: string,
    outcome: { status: "connected" } | { status: "failed"; errorCode: string; message: string },
  ): Promise<void>;
}

/** A Portal sign-in session. */
export interface PortalSessionRecord {
  clientId: string;
  csrfToken: string;
  expiresAt: number;
}

/** Portal sessions, kept by the hash of the cookie value. */
export interface PortalSessionStore {
  insert(sessionHash: string, session: PortalSessionRecord & { createdAt: number }): Promise<void>;
  get(sessionHash: string): Promise<PortalSessionRecord | undefined>;
  delete(sessionHash: string): Promise<void>;
  deleteOfClient(clientId: string): Promise<void>;
}

/** A client's stored email template. */
export interface StoredEmailTemplate {
  alias: string;
  subject: string;
  html: string;
  text: string | null;
  updatedAt: number;
}

/** Invitation email templates per client. */
export interface TemplateStore {
  list(clientId: string): Promise<StoredEmailTemplate[]>;
  get(clientId: string, alias: string): Promise<StoredEmailTemplate | undefined>;
  put(clientId: string, template: StoredEmailTemplate): Promise<void>;
  delete(clientId: string, alias: string): Promise<boolean>;
}

/** The Connect app's saved UI state per human. */
export interface UiStateStore {
  get(humanId: string): Promise<UiState | null>;
  save(humanId: string, state: UiState, now: number): Promise<void>;
}

/** One budget's counts: hits in the current window and in the one before it. */
export interface RateHit {
  current: number;
  previous: number;
}

/**
 * Request counters per window, shared by every instance on the database. A counter is not an acknowledged fact, so
 * a hit is not a durable commit: a power cut may forget the last hits, never anything a request was answered about.
 */
export interface RateLimitStore {
  /** Counts one hit on each key's window starting at `windowStart`, in one write; the counts come back in the keys' order. */
  hit(keys: readonly string[], windowStart: number, windowMs: number): Promise<RateHit[]>;
  /** The counts of a key without counting a hit. */
  peek(key: string, windowStart: number, windowMs: number): Promise<RateHit>;
}

/** A client's webhook endpoint as shown to the client (never the secret). */
export interface WebhookEndpointRecord {
  endpointId: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One outbox message with its attempts, for the delivery log. */
export interface WebhookDeliveryRecord {
  messageId: string;
  eventType: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number | null;
  createdAt: number;
  lastStatus: number | null;
  lastError: string | null;
  body: string;
  log: { attempt: number; at: number; outcome: string; status: number | null; error: string | null; durationMs: number }[];
}

/** A message to put in the outbox. */
export interface NewOutboxMessage {
  messageId: string;
  endpointId: string;
  clientId: string;
  eventType: string;
  body: string;
  now: number;
}

/** An outbox row as claimed, with the endpoint's secret still encrypted. */
export type ClaimedOutboxRow = Omit<OutboxRow, "secret"> & { secretEncrypted: string };

/** Webhook endpoints (one per client), the durable outbox and its attempt log. */
export interface WebhookStore {
  getEndpoint(clientId: string): Promise<WebhookEndpointRecord | undefined>;
  /** The id of the client's enabled endpoint, or undefined. */
  enabledEndpointId(clientId: string): Promise<string | undefined>;
  insertEndpoint(clientId: string, endpoint: WebhookEndpointRecord, secretEncrypted: string): Promise<void>;
  /** Sets the URL and enables the endpoint; a new secret when given. */
  updateEndpoint(endpointId: string, url: string, secretEncrypted: string | null, now: number): Promise<void>;
  /** Stops deliveries to the client's endpoint; false when it has none. */
  disableClientEndpoint(clientId: string, reason: string, now: number): Promise<boolean>;
  /** Stops deliveries to one endpoint. */
  disableEndpoint(endpointId: string, reason: string): Promise<void>;
  enqueue(message: NewOutboxMessage): Promise<void>;
  /**
   * Takes up to `limit` due pending rows of enabled endpoints, oldest first, and leases them until `now + leaseMs`,
   * so that no other worker takes them meanwhile and a crash makes them due again when the lease ends.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedOutboxRow[]>;
  /** Records an attempt and the row's new state (and its next attempt time when it stays pending). */
  recordAttempt(id: string, attempt: AttemptInfo, state: OutboxState, nextAt: number | null): Promise<void>;
  /** The client's most recent messages, newest first, with their attempts. */
  listDeliveries(clientId: string, limit: number, offset: number): Promise<{ total: number; deliveries: WebhookDeliveryRecord[] }>;
  /** Messages of every client still waiting for delivery (pending, due or not): the outbox backlog. */
  pendingCount(): Promise<number>;
}

/** How many of a client's users share one combination of the facts their status is made of. */
export interface HumanProfileCount {
  /** At least one source connected now. */
  connected: boolean;
  engaged: boolean;
  invited: boolean;
  count: number;
}

/** How many outbox messages are in one state, split by whether any attempt was made. */
export interface OutboxStateCount {
  state: OutboxState;
  attempted: boolean;
  count: number;
}

/** Counts for the Portal's overview, each over the rows made at or after `since` (ms since epoch). */
export interface OverviewStore {
  /** The client's humans created since, grouped by what their status is derived from (see `humanStatus`). */
  humanProfiles(clientId: string, since: number): Promise<HumanProfileCount[]>;
  /** Connections of the client's humans made since and still present, by source type, largest first. */
  connectionsBySourceType(clientId: string, since: number): Promise<{ type: string; count: number }[]>;
  /** The client's webhook messages created since, by state. */
  outboxStates(clientId: string, since: number): Promise<OutboxStateCount[]>;
}

/** A SMART on FHIR source's stored settings; the client secret stays encrypted. */
export interface SmartSourceRow {
  sourceId: string;
  fhirBaseUrl: string;
  clientId: string;
  clientSecretEncrypted: string | null;
  scopes: string;
}

/** The EHR tokens of one connection, as stored (encrypted). */
export interface SmartGrantRecord {
  humanId: string;
  sourceId: string;
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string | null;
  /** When the access token expires (ms since epoch), or null when the EHR did not say. */
  expiresAt: number | null;
  patient: string;
  scope: string;
  updatedAt: number;
}

/** SMART on FHIR sources' settings and the tokens of their connections. */
export interface SmartStore {
  /** Inserts or replaces the settings of these sources. */
  putSources(rows: readonly SmartSourceRow[], at: number): Promise<void>;
  getSource(sourceId: string): Promise<SmartSourceRow | undefined>;
  /** Inserts or replaces a connection's tokens. */
  putGrant(grant: SmartGrantRecord): Promise<void>;
  getGrant(humanId: string, sourceId: string): Promise<SmartGrantRecord | undefined>;
  listGrants(humanId: string): Promise<SmartGrantRecord[]>;
  /**
   * Replaces a connection's tokens only while its access token is still `previousAccessEncrypted`; false when another
   * refresh replaced them first.
   */
  replaceTokens(previousAccessEncrypted: string, grant: SmartGrantRecord): Promise<boolean>;
  /**
   * Takes the right to refresh a connection's tokens until `until`, while its access token is still
   * `accessEncrypted` and no other holder's right runs past `now`; false when another instance holds it (or already
   * refreshed). Replacing the tokens, or `releaseRefresh`, gives it back.
   */
  claimRefresh(humanId: string, sourceId: string, accessEncrypted: string, until: number, now: number): Promise<boolean>;
  /** Gives back the right to refresh taken with `claimRefresh`, after a refresh that replaced nothing. */
  releaseRefresh(humanId: string, sourceId: string, accessEncrypted: string): Promise<void>;
  deleteGrant(humanId: string, sourceId: string): Promise<void>;
}

/** Every concern of the Connect service's storage. */
export interface StoreConcerns {
  clients: ClientStore;
  humans: HumanStore;
  tokens: TokenStore;
  sources: SourceStore;
  connections: ConnectionStore;
  activity: SessionActivityStore;
  mfa: MfaChallengeStore;
  oauth: OAuthAttemptStore;
  portalSessions: PortalSessionStore;
  templates: TemplateStore;
  uiState: UiStateStore;
  webhooks: WebhookStore;
  overview: OverviewStore;
  smart: SmartStore;
}

/** The service's storage: every concern, transactions, and the housekeeping of the database itself. */
export interface Store extends StoreConcerns {
  readonly dialect: DialectName;
  /** Request counters: never part of a transaction, and kept without a durable commit per hit. */
  rateLimits: RateLimitStore;
  /** Runs `fn` with a store bound to one transaction: all of its writes commit together or not at all. */
  transaction<T>(fn: (store: StoreConcerns) => Promise<T>): Promise<T>;
  /** Deletes tokens, challenges, attempts and Portal sessions that expired before `cutoff`. */
  purgeExpired(cutoff: number): Promise<void>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
