import type { Generated } from "kysely";

// Table shapes as Kysely sees them. Times are integers (ms since epoch) and flags are 0/1 integers so that the
// same queries run on SQLite and PostgreSQL. PostgreSQL's bigint comes back as a number too: the pool converts it
// (see open-store.ts), since every bigint here is a time or a count far below 2^53.

export interface ClientsTable {
  client_id: string;
  secret_encrypted: string;
  name: string;
  primary_color: string | null;
  logo_url: string | null;
  allowed_origins: string; // JSON array of origins
  perm_id_tokens: number;
  perm_client_tokens: number;
  disabled: number;
  redirect_url: string | null;
  created_at: number;
  secret_rotated_at: number;
}

export interface HumansTable {
  human_id: string;
  client_id: string;
  client_user_id: string;
  email: string | null;
  created_at: number;
  invited_at: number | null;
  engaged_at: number | null;
  connected_at: number | null;
}

export type TokenKind = "session" | "id" | "refresh" | "client";

/** Where a token was issued when not by the token endpoint: an invite link's hosted page. */
export type TokenIssuedVia = "invite_link";

export interface TokensTable {
  token_hash: string;
  kind: TokenKind;
  human_id: string | null;
  client_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** Null for tokens from the token endpoint. */
  issued_via: TokenIssuedVia | null;
}

export interface SourcesTable {
  source_id: string;
  name: string;
  type: string;
  city: string;
  state: string;
  auth: string;
  description: string;
  behavior: string;
  rank: number | null;
  logo_url: string | null;
}

export interface ConnectionsTable {
  human_id: string;
  source_id: string;
  connected_at: number;
  /** Order of connection per human (timestamps can tie). */
  seq: number;
  status: Generated<string>;
  status_reason: string | null;
  status_changed_at: Generated<number>;
}

export interface MfaChallengesTable {
  challenge_hash: string;
  human_id: string;
  source_id: string;
  created_at: number;
  expires_at: number;
  failed_attempts: number;
  used_at: number | null;
}

export type OAuthAttemptState = "pending" | "connected" | "failed";

export interface OAuthAttemptsTable {
  attempt_id: string;
  human_id: string;
  source_id: string;
  state_hash: string;
  code_verifier: string;
  code_challenge: string;
  redirect_uri: string;
  code_hash: string | null;
  code_expires_at: number | null;
  code_used_at: number | null;
  status: OAuthAttemptState;
  session_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  expires_at: number;
  return_url: string | null;
  completion_hash: string | null;
  completion_expires_at: number | null;
  completion_used_at: number | null;
}

export interface UiStateTable {
  human_id: string;
  state_json: string;
  updated_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
  /** Hits in the window just before `window_start` (0 when that window had none). */
  prev_count: Generated<number>;
}

export interface WebhookEndpointsTable {
  endpoint_id: string;
  client_id: string;
  url: string;
  secret_encrypted: string;
  enabled: number;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export type OutboxState = "pending" | "delivered" | "failed";

export interface WebhookOutboxTable {
  outbox_id: Generated<number>;
  message_id: string;
  endpoint_id: string;
  client_id: string;
  event_type: string;
  body: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  last_status: number | null;
  last_error: string | null;
}

export interface WebhookAttemptsTable {
  outbox_id: number;
  attempt: number;
  at: number;
  outcome: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
  response_snippet: string | null;
}

export interface EmailTemplatesTable {
  client_id: string;
  alias: string;
  subject: string;
  html: string;
  text: string | null;
  updated_at: number;
}

export interface PortalSessionsTable {
  session_hash: string;
  client_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface SessionActivityTable {
  seq: Generated<number>;
  session_id: string;
  human_id: string;
  source_id: string;
  action: "connected" | "disconnected";
  at: number;
}

/** One row (id 1) whose version moves on with every catalog import; instances poll it to reload their index. */
export interface CatalogVersionTable {
  id: number;
  version: number;
  updated_at: number;
}

/** Connect sessions that have closed: a session closes once. */
export interface ClosedSessionsTable {
  session_id: string;
  human_id: string;
  status: string;
  closed_at: number;
}

/** A SMART on FHIR source's EHR and this service's registration with it. */
export interface SmartSourcesTable {
  source_id: string;
  fhir_base_url: string;
  client_id: string;
  client_secret_encrypted: string | null;
  scopes: string;
  updated_at: number;
}

/** The EHR tokens of one connection, encrypted with the master key. */
export interface SmartGrantsTable {
  human_id: string;
  source_id: string;
  access_token_encrypted: string;
  refresh_token_encrypted: string | null;
  expires_at: number | null;
  patient: string;
  scope: string;
  updated_at: number;
  /** Set while an instance refreshes the tokens (milliseconds since the epoch); null otherwise. */
  refresh_lease_until?: number | null;
}

/** Every table of the Connect service's database. */
export interface Database {
  clients: ClientsTable;
  humans: HumansTable;
  tokens: TokensTable;
  sources: SourcesTable;
  connections: ConnectionsTable;
  mfa_challenges: MfaChallengesTable;
  oauth_attempts: OAuthAttemptsTable;
  ui_state: UiStateTable;
  rate_limits: RateLimitsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_outbox: WebhookOutboxTable;
  webhook_attempts: WebhookAttemptsTable;
  email_templates: EmailTemplatesTable;
  portal_sessions: PortalSessionsTable;
  session_activity: SessionActivityTable;
  catalog_version: CatalogVersionTable;
  closed_sessions: ClosedSessionsTable;
  smart_sources: SmartSourcesTable;
  smart_grants: SmartGrantsTable;
}
