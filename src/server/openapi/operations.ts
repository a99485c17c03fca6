// The documented operations, one entry each. A route under /v1 without an entry here fails the document's test.
import * as v from "valibot";
import * as client from "../schemas/client-api.ts";
import * as connect from "../schemas/connect-api.ts";
import * as token from "../schemas/token.ts";
import { SOURCE_ID_PATTERN } from "../schemas/fields.ts";
import {
  BODY_ERRORS,
  CLIENT_AUTH_ERRORS,
  CONNECT_AUTH_ERRORS,
  type ErrorCode,
} from "./error-codes.ts";

/** A request or answer schema as the document takes it. */
type Schema = v.GenericSchema;

/** One parameter of an operation. */
export interface Parameter {
  in: "path" | "query";
  schema: Schema;
  description: string;
  required?: boolean;
}

/** One successful answer of an operation: JSON with a schema, HTML, or nothing (204). */
export interface Answer {
  description: string;
  json?: Schema;
  html?: true;
  /** A FHIR resource passed through as the EHR sent it (`application/fhir+json`). */
  fhir?: true;
}

/** One documented operation. */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  /** The path with `{name}` parameters, as OpenAPI writes it. */
  path: string;
  summary: string;
  tag: "Token" | "Connect API" | "Server-to-server API";
  /** Who may call it: anyone; whoever sends client credentials in the body; a Connect token; a client's credentials. */
  auth: "none" | "body" | "connect" | "client";
  params?: Record<string, Parameter>;
  body?: { schema: Schema; form?: true };
  answers: Record<number, Answer>;
  /** Error codes beyond those of `auth`. */
  errors: readonly ErrorCode[];
}

const sourceIdParam: Parameter = { in: "path", schema: v.pipe(v.string(), v.regex(SOURCE_ID_PATTERN)), description: "The source id." };
const aliasParam: Parameter = { in: "path", schema: client.templateAliasParam, description: "The template alias." };
const query = (schema: Schema, description: string): Parameter => ({ in: "query", schema, description });

const TOKEN: Operation[] = [
  {
    method: "post",
    path: "/v1/connect/token",
    summary: "Issue a session, id, refresh or client token (from your backend only; no CORS on purpose)",
    tag: "Token",
    auth: "body",
    body: { schema: token.tokenRequest, form: true },
    answers: { 200: { description: "The token, by `type`.", json: token.tokenAnswer } },
    errors: [
      "INVALID_TOKEN_TYPE",
      ...BODY_ERRORS,
      "INVALID_REFRESH_TOKEN",
      "INVALID_CLIENT_ID",
      "INVALID_CLIENT_ID_OR_SECRET",
      "NOT_AUTHORIZED",
      "ID_TOKEN_GENERATION_NOT_ALLOWED",
      "CLIENT_TOKEN_GENERATION_NOT_ALLOWED",
      "SESSION_TOKEN_GENERATION_NOT_ALLOWED",
      "UNKNOWN_CLIENT_USER_ID",
      "RATE_LIMITED",
    ],
  },
];

const SIGN_IN_ERRORS = ["SOURCE_NOT_FOUND", "ALREADY_CONNECTED", "RATE_LIMITED", "SOURCE_UNAVAILABLE"] as const;

const CONNECT: Operation[] = [
  {
    method: "get",
    path: "/v1/connect/session",
    summary: "Read the session: human, client branding, connections and saved UI state (records engagement)",
    tag: "Connect API",
    auth: "connect",
    answers: { 200: { description: "The session.", json: connect.sessionView } },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/connect/sources",
    summary: "Search the catalog",
    tag: "Connect API",
    auth: "connect",
    params: {
      q: query(connect.sourceSearchQuery.q, "Words to find in names, cities, states and types (typos allowed)."),
      type: query(connect.sourceSearchQuery.type, "Only sources of this type."),
      page: query(connect.sourceSearchQuery.page, "1-based page; default 1."),
      per_page: query(connect.sourceSearchQuery.per_page, "Results per page; default 20."),
    },
    answers: { 200: { description: "A page of results, best first.", json: connect.sourceSearchResult } },
    errors: ["INVALID_REQUEST"],
  },
  {
    method: "get",
    path: "/v1/connect/sources/{id}",
    summary: "Read a source",
    tag: "Connect API",
    auth: "connect",
    params: { id: sourceIdParam },
    answers: { 200: { description: "The source, and whether the user has it.", json: connect.sourceDetail } },
    errors: ["SOURCE_NOT_FOUND"],
  },
  {
    method: "get",
    path: "/v1/connect/suggested-sources",
    summary: "The first screen's sources: the pinned ones in the given order (unknown ids left out), then popular ones",
    tag: "Connect API",
    auth: "connect",
    params: {
      pinned: query(connect.suggestedSourcesQuery.pinned, "Up to 20 comma-separated source ids to show first, in this order."),
    },
    answers: { 200: { description: "Pinned sources, then the most popular sources of the catalog.", json: connect.suggestedSources } },
    errors: ["INVALID_REQUEST"],
  },
  {
    method: "post",
    path: "/v1/connect/connections",
    summary: "Connect a source with a username and password",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.connectBody },
    answers: {
      201: { description: "Connected.", json: connect.connectedResult },
      200: { description: "The source asks for a one-time code.", json: connect.mfaRequiredResult },
    },
    errors: [...BODY_ERRORS, ...SIGN_IN_ERRORS, "INVALID_CREDENTIALS", "ACCOUNT_LOCKED"],
  },
  {
    method: "post",
    path: "/v1/connect/connections/mfa",
    summary: "Submit the one-time code of a pending sign-in",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.mfaBody },
    answers: { 201: { description: "Connected.", json: connect.connectedResult } },
    errors: [...BODY_ERRORS, "MFA_CHALLENGE_INVALID", "MFA_CHALLENGE_EXPIRED", "INVALID_MFA_CODE", "SOURCE_NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "delete",
    path: "/v1/connect/connections/{source_id}",
    summary: "Disconnect a source",
    tag: "Connect API",
    auth: "connect",
    params: { source_id: sourceIdParam },
    answers: { 200: { description: "Disconnected.", json: connect.disconnectResult } },
    errors: ["SOURCE_NOT_FOUND", "NOT_CONNECTED"],
  },
  {
    method: "post",
    path: "/v1/connect/session/close",
    summary: "Report that Connect closed (queues `connect.session_closed` once)",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.closeBody },
    answers: { 200: { description: "The service's record of the session.", json: connect.sessionCloseResult } },
    errors: [...BODY_ERRORS],
  },
  {
    method: "put",
    path: "/v1/connect/ui-state",
    summary: "Save the Connect app's UI state (at most 8 KB as JSON)",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.uiStateBody },
    answers: { 204: { description: "Saved." } },
    errors: [...BODY_ERRORS],
  },
  {
    method: "post",
    path: "/v1/connect/oauth/start",
    summary: "Start an OAuth sign-in (open `authorize_url` in a popup)",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.oauthStartBody },
    answers: { 201: { description: "The attempt.", json: connect.oauthStartResult } },
    errors: [...BODY_ERRORS, ...SIGN_IN_ERRORS, "OAUTH_NOT_SUPPORTED", "EHR_DISCOVERY_FAILED"],
  },
  {
    method: "get",
    path: "/v1/connect/oauth/attempts/{attempt_id}",
    summary: "Poll an OAuth attempt",
    tag: "Connect API",
    auth: "connect",
    params: { attempt_id: { in: "path", schema: v.pipe(v.string(), v.maxLength(64)), description: "The attempt id." } },
    answers: { 200: { description: "Pending, connected or failed.", json: connect.oauthAttemptStatus } },
    errors: ["OAUTH_ATTEMPT_NOT_FOUND"],
  },
  {
    method: "post",
    path: "/v1/connect/oauth/complete",
    summary: "Redeem the popup's authorization code, in the Connect that started the attempt",
    tag: "Connect API",
    auth: "connect",
    body: { schema: connect.oauthCompleteBody },
    answers: { 200: { description: "Connected or failed.", json: connect.oauthAttemptStatus } },
    errors: [...BODY_ERRORS, "OAUTH_ATTEMPT_NOT_FOUND", "INVALID_GRANT"],
  },
  {
    method: "get",
    path: "/v1/connect/oauth/callback",
    summary: "The OAuth redirect URI: a page that hands the code to the Connect window that opened the popup",
    tag: "Connect API",
    auth: "none",
    params: {
      state: query(v.pipe(v.string(), v.maxLength(256)), "The attempt's state."),
      code: query(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~+/=-]{16,2048}$/)), "The authorization code."),
      error: query(v.string(), "The provider's error, such as access_denied."),
    },
    answers: { 200: { description: "An HTML page, in English or Spanish (Accept-Language).", html: true } },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/connect/oauth/smart/authorize",
    summary:
      "A SMART sign-in by full-page redirect starts here, on the service's own origin (the only one the loader sends a page to): 303 to the EHR's authorize page",
    tag: "Connect API",
    auth: "none",
    params: { state: query(v.pipe(v.string(), v.maxLength(256)), "The attempt's state.") },
    answers: { 303: { description: "To the EHR's authorize page; an unknown, used or expired attempt gets an HTML page that says so." } },
    errors: [],
  },
];

const TEMPLATE_ERRORS = [
  "TEMPLATE_ALIAS_INVALID",
  "TEMPLATE_INVALID",
  "TEMPLATE_TOO_LARGE",
  "TEMPLATE_PLACEHOLDER_INVALID",
  "TEMPLATE_LINK_MISSING",
] as const;

const SERVER: Operation[] = [
  {
    method: "get",
    path: "/v1/users",
    summary: "List users with their status, newest first",
    tag: "Server-to-server API",
    auth: "client",
    params: {
      status: query(client.usersQuery.status, "Only users in this status."),
      page: query(client.usersQuery.page, "1-based page; default 1."),
      per_page: query(client.usersQuery.per_page, "Users per page; default 20."),
    },
    answers: { 200: { description: "A page of users.", json: client.usersPage } },
    errors: ["INVALID_REQUEST"],
  },
  {
    method: "get",
    path: "/v1/users/{client_user_id}/connections",
    summary: "List a user's connections with their health (`active` or `needs_reauth`)",
    tag: "Server-to-server API",
    auth: "client",
    params: { client_user_id: { in: "path", schema: v.pipe(v.string(), v.minLength(1)), description: "Your id of the user, URL-encoded." } },
    answers: { 200: { description: "The user's connections, in the order they were made.", json: client.userConnections } },
    errors: ["INVALID_REQUEST", "UNKNOWN_CLIENT_USER_ID"],
  },
  {
    method: "get",
    path: "/v1/users/{client_user_id}/connections/{source_id}/fhir/{path}",
    summary:
      "Read a SMART on FHIR connection's records: a read-only FHIR GET of `{path}` and its query (e.g. `Patient/{patient}`, `Observation?patient={patient}`) forwarded to the EHR with the connection's token, refreshed as needed",
    tag: "Server-to-server API",
    auth: "client",
    params: {
      client_user_id: { in: "path", schema: v.pipe(v.string(), v.minLength(1)), description: "Your id of the user, URL-encoded." },
      source_id: sourceIdParam,
      path: { in: "path", schema: v.pipe(v.string(), v.minLength(1)), description: "A FHIR path relative to the source's FHIR base, its slashes as they are (Patient/123); the query is passed on." },
    },
    answers: {
      200: {
        description:
          "The EHR's answer as `application/fhir+json`, with the EHR's own status: a 401 or 403 of the EHR (a resource type it does not let the app read) comes through with its OperationOutcome.",
        fhir: true,
      },
    },
    errors: ["INVALID_REQUEST", "FHIR_PATH_INVALID", "FHIR_NOT_SUPPORTED", "UNKNOWN_CLIENT_USER_ID", "SOURCE_NOT_FOUND", "NOT_CONNECTED", "CONNECTION_NEEDS_REAUTH", "EHR_UNAVAILABLE"],
  },
  {
    method: "post",
    path: "/v1/sandbox/connections/break",
    summary: "Sandbox only (off with HC_SANDBOX=0): make a connection need re-authorisation, to test a repair flow",
    tag: "Server-to-server API",
    auth: "client",
    body: { schema: client.breakConnectionBody },
    answers: { 200: { description: "The connection, now `needs_reauth`.", json: client.brokenConnection } },
    errors: [...BODY_ERRORS, "UNKNOWN_CLIENT_USER_ID", "NOT_CONNECTED"],
  },
  {
    method: "post",
    path: "/v1/connect/invite-links",
    summary: "Make an invite link (marks the user Invited)",
    tag: "Server-to-server API",
    auth: "client",
    body: { schema: client.inviteLinkBody },
    answers: { 201: { description: "The link.", json: client.inviteLinkResult } },
    errors: [...BODY_ERRORS, "CLIENT_NOT_FOUND", "SOURCE_NOT_FOUND"],
  },
  {
    method: "post",
    path: "/v1/connect/invitations",
    summary: "Send an invitation email; each `data_*` field is a template value",
    tag: "Server-to-server API",
    auth: "client",
    body: { schema: client.invitationBody },
    answers: { 201: { description: "Sent (or written to the mail outbox).", json: client.invitationResult } },
    errors: [...BODY_ERRORS, "TEMPLATE_ALIAS_INVALID", "TEMPLATE_DATA_INVALID", "TEMPLATE_NOT_FOUND", "CLIENT_NOT_FOUND", "SOURCE_NOT_FOUND", "MAIL_NOT_CONFIGURED", "MAIL_SEND_FAILED"],
  },
  {
    method: "get",
    path: "/v1/email-templates",
    summary: "List email templates (with the built-in default)",
    tag: "Server-to-server API",
    auth: "client",
    answers: { 200: { description: "The templates.", json: client.templateList } },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/email-templates/{alias}",
    summary: "Read an email template",
    tag: "Server-to-server API",
    auth: "client",
    params: { alias: aliasParam },
    answers: { 200: { description: "The template.", json: client.templateView } },
    errors: ["TEMPLATE_ALIAS_INVALID", "TEMPLATE_NOT_FOUND"],
  },
  {
    method: "put",
    path: "/v1/email-templates/{alias}",
    summary: "Create or replace an email template (it must use {{sign_in_url}})",
    tag: "Server-to-server API",
    auth: "client",
    params: { alias: aliasParam },
    body: { schema: client.templateBody },
    answers: { 200: { description: "The stored template.", json: client.templateView } },
    errors: [...BODY_ERRORS, ...TEMPLATE_ERRORS],
  },
  {
    method: "delete",
    path: "/v1/email-templates/{alias}",
    summary: "Delete an email template",
    tag: "Server-to-server API",
    auth: "client",
    params: { alias: aliasParam },
    answers: { 204: { description: "Deleted." } },
    errors: ["TEMPLATE_ALIAS_INVALID", "TEMPLATE_NOT_FOUND"],
  },
  {
    method: "get",
    path: "/v1/webhook-endpoint",
    summary: "Read the webhook endpoint",
    tag: "Server-to-server API",
    auth: "client",
    answers: { 200: { description: "The endpoint (never its secret).", json: client.endpointView } },
    errors: ["WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  {
    method: "put",
    path: "/v1/webhook-endpoint",
    summary: "Set the webhook endpoint, optionally rotating its signing secret",
    tag: "Server-to-server API",
    auth: "client",
    body: { schema: client.endpointBody },
    answers: {
      201: { description: "Set, with a new signing secret (shown only now).", json: client.endpointSetResult },
      200: { description: "Set; the signing secret is unchanged (null).", json: client.endpointSetResult },
    },
    errors: [...BODY_ERRORS, "WEBHOOK_URL_INVALID"],
  },
  {
    method: "get",
    path: "/v1/webhook-deliveries",
    summary: "Read the webhook delivery log, newest first",
    tag: "Server-to-server API",
    auth: "client",
    params: {
      page: query(client.deliveriesQuery.page, "1-based page; default 1."),
      per_page: query(client.deliveriesQuery.per_page, "Messages per page; default 20."),
    },
    answers: { 200: { description: "A page of messages with their attempts.", json: client.deliveriesPage } },
    errors: ["INVALID_REQUEST"],
  },
  {
    method: "get",
    path: "/v1/client-settings",
    summary: "Read the client's settings",
    tag: "Server-to-server API",
    auth: "client",
    answers: { 200: { description: "The settings.", json: client.clientSettings } },
    errors: [],
  },
  {
    method: "put",
    path: "/v1/client-settings",
    summary: "Set the redirect URL after hosted Connect (null removes it)",
    tag: "Server-to-server API",
    auth: "client",
    body: { schema: client.settingsBody },
    answers: { 200: { description: "The settings.", json: client.clientSettings } },
    errors: [...BODY_ERRORS],
  },
];

/** Every documented operation. */
export const OPERATIONS: readonly Operation[] = [...TOKEN, ...CONNECT, ...SERVER];

/** Error codes each kind of authorisation adds to an operation. */
export const AUTH_ERRORS: Record<Operation["auth"], readonly ErrorCode[]> = {
  none: [],
  body: [],
  connect: CONNECT_AUTH_ERRORS,
  client: CLIENT_AUTH_ERRORS,
};
