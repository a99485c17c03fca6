// Every error code the documented APIs answer, with its HTTP status. An operation lists the codes it can answer;
// the document groups them by status into `{errorCode, message}` answers with exactly those codes.

/** HTTP status and meaning of each documented error code. */
export const ERROR_CODES = {
  INVALID_TOKEN_TYPE: [400, 'The "type" parameter is not session, id, client or refresh.'],
  INVALID_REQUEST: [400, "Missing or wrong fields or parameters, lone surrogates, control characters."],
  INVALID_JSON: [400, "The body is not valid JSON."],
  REQUEST_TOO_LARGE: [400, "The body is larger than 16 KB."],
  INVALID_REFRESH_TOKEN: [400, "The id_refresh_token is unknown, expired or already used."],
  INVALID_CREDENTIALS: [400, "The source refused the username or password."],
  OAUTH_NOT_SUPPORTED: [400, "The source does not sign in with OAuth."],
  MFA_CHALLENGE_INVALID: [400, "The code request is unknown, used or void."],
  MFA_CHALLENGE_EXPIRED: [400, "The code request expired."],
  INVALID_MFA_CODE: [400, "The one-time code is wrong."],
  INVALID_GRANT: [400, "The authorization code was already redeemed."],
  TEMPLATE_ALIAS_INVALID: [400, "The alias is not 1 to 64 lowercase letters, digits, '-' or '_'."],
  TEMPLATE_INVALID: [400, "The template lacks a one-line subject or an html body."],
  TEMPLATE_TOO_LARGE: [400, "A part of the template is over its limit."],
  TEMPLATE_PLACEHOLDER_INVALID: [400, "A placeholder is not a lowercase name."],
  TEMPLATE_LINK_MISSING: [400, "The template has no {{sign_in_url}}."],
  TEMPLATE_DATA_INVALID: [400, "A data_* value is not a string of at most 1,000 characters, or there are more than 50."],
  WEBHOOK_URL_INVALID: [400, "The webhook URL is not an http(s) URL to a public address."],
  FHIR_PATH_INVALID: [400, "The FHIR path is not a relative FHIR path under the base, or its query is too long."],
  FHIR_NOT_SUPPORTED: [400, "The source is not a SMART on FHIR source."],
  INVALID_CLIENT_ID: [401, "No client has this client_id."],
  INVALID_CLIENT_ID_OR_SECRET: [401, "The client secret is wrong."],
  MISSING_SESSION_TOKEN: [401, "No bearer token was sent."],
  SESSION_TOKEN_INVALID: [401, "The session or id token is unknown or malformed."],
  SESSION_TOKEN_EXPIRED: [401, "The session or id token has expired."],
  CLIENT_AUTH_REQUIRED: [401, "Neither a client token nor Basic credentials were sent."],
  CLIENT_TOKEN_INVALID: [401, "The client token is unknown or expired."],
  NOT_AUTHORIZED: [403, "The client is disabled."],
  ID_TOKEN_GENERATION_NOT_ALLOWED: [403, "The client may not issue id tokens."],
  CLIENT_TOKEN_GENERATION_NOT_ALLOWED: [403, "The client may not issue client tokens."],
  SESSION_TOKEN_GENERATION_NOT_ALLOWED: [403, 'The user already connected a source: request type "id".'],
  ORIGIN_NOT_ALLOWED: [403, "The embedding page's origin is not among the client's allowed origins."],
  ACCOUNT_LOCKED: [403, "The source locked the account."],
  UNKNOWN_CLIENT_USER_ID: [404, "Unknown user, or one who never connected a source."],
  SOURCE_NOT_FOUND: [404, "No source has this id."],
  NOT_CONNECTED: [404, "The source is not connected."],
  OAUTH_ATTEMPT_NOT_FOUND: [404, "No OAuth attempt of this user and session has this id."],
  TEMPLATE_NOT_FOUND: [404, "No email template has this alias."],
  WEBHOOK_ENDPOINT_NOT_FOUND: [404, "No webhook endpoint is set."],
  CLIENT_NOT_FOUND: [404, "The client no longer exists."],
  ALREADY_CONNECTED: [409, "The source is already connected."],
  CONNECTION_NEEDS_REAUTH: [409, "The EHR refused the connection's refresh token: the user must sign in again (the connection is needs_reauth)."],
  RATE_LIMITED: [429, "Too many requests; the Retry-After header says when to try again."],
  INTERNAL_ERROR: [500, "Something went wrong on the service's side."],
  MAIL_SEND_FAILED: [502, "The invitation email could not be sent; nothing was changed."],
  EHR_DISCOVERY_FAILED: [502, "The EHR's SMART configuration could not be read or offers no PKCE S256; nothing was started."],
  EHR_UNAVAILABLE: [502, "The EHR could not be reached, timed out, or answered more than the size limit."],
  MAIL_NOT_CONFIGURED: [503, "The service sends no email."],
  SOURCE_UNAVAILABLE: [503, "The source is not available right now."],
} as const satisfies Record<string, readonly [number, string]>;

/** A documented error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes every operation can answer, whatever it does. */
export const COMMON_ERRORS = ["INTERNAL_ERROR"] as const satisfies readonly ErrorCode[];

/** Codes of reading a JSON body. */
export const BODY_ERRORS = ["INVALID_REQUEST", "INVALID_JSON", "REQUEST_TOO_LARGE"] as const satisfies readonly ErrorCode[];

/** Codes of the Connect API's bearer token and origin check. */
export const CONNECT_AUTH_ERRORS = [
  "MISSING_SESSION_TOKEN",
  "SESSION_TOKEN_INVALID",
  "SESSION_TOKEN_EXPIRED",
  "NOT_AUTHORIZED",
  "ORIGIN_NOT_ALLOWED",
] as const satisfies readonly ErrorCode[];

/** Codes of the server-to-server API's client token or Basic credentials. */
export const CLIENT_AUTH_ERRORS = [
  "CLIENT_AUTH_REQUIRED",
  "CLIENT_TOKEN_INVALID",
  "INVALID_CLIENT_ID",
  "INVALID_CLIENT_ID_OR_SECRET",
  "NOT_AUTHORIZED",
  "RATE_LIMITED",
] as const satisfies readonly ErrorCode[];
