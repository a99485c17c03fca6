// Requests and answers of the Connect API (`/v1/connect/...`, used by the Connect app). The answers are typed in
// src/protocol/connect-api.ts for the browser, which carries no valibot; the checks at the end of this file fail the
// typecheck when a protocol type says something its schema here does not allow.
import * as v from "valibot";
import type {
  ConnectResult,
  DisconnectResult,
  OAuthAttemptStatus,
  OAuthStartResult,
  SessionView,
  SourceDetail,
  SourceSearchResult,
  SuggestedSources,
} from "../../protocol/connect-api.ts";
import { CONNECTION_STATUSES, CONNECTION_STATUS_REASONS, SOURCE_TYPES } from "../../protocol/connect-api.ts";
import { CLOSE_STATUSES } from "../../protocol/results.ts";
import { connectSource, count, isoTime, sourceId, text } from "./fields.ts";

// Requests

/** `POST /v1/connect/connections`: sign in to a source with a username and password. */
export const connectBody = v.object({
  source_id: sourceId(),
  username: text("username", 1, 256),
  password: v.pipe(v.string('"password" must be a string'), v.maxLength(256, '"password" is too long')),
});

/** `POST /v1/connect/connections/mfa`: the one-time code of a pending challenge. */
export const mfaBody = v.object({
  challenge_id: text("challenge_id", 1, 128),
  code: v.pipe(v.string('"code" must be a string'), v.maxLength(32, '"code" is too long')),
});

/** `POST /v1/connect/session/close`: how Connect closed. */
export const closeBody = v.object({
  status: v.picklist(CLOSE_STATUSES, '"status" must be a close status such as "SUCCESS"'),
});

/** `PUT /v1/connect/ui-state`: the app's free-form state (at most 8 KB as JSON, checked by the route). */
export const uiStateBody = v.object({
  state: v.pipe(
    v.custom<Record<string, unknown>>(
      (value) => typeof value === "object" && value !== null && !Array.isArray(value),
      '"state" must be a JSON object',
    ),
    v.metadata({ type: "object" }),
  ),
});

/** `POST /v1/connect/oauth/start`: an OAuth source to sign in to. */
export const oauthStartBody = v.object({
  source_id: sourceId(),
  // Sign in by full-page redirect, back to this page; the route checks it against the client's allowed origins.
  return_url: v.optional(v.pipe(v.string('"return_url" must be a string'), v.maxLength(2048, '"return_url" is too long'))),
});

/**
 * `POST /v1/connect/oauth/complete`: the popup's code, redeemed by the Connect that started the attempt, or the
 * completion secret a redirect sign-in came back with, redeemed by a Connect of the attempt's user. Exactly one.
 */
export const oauthCompleteBody = v.pipe(
  v.object({
    attempt_id: v.pipe(v.string('"attempt_id" must be a string'), v.regex(/^oa_[A-Za-z0-9_-]{8,60}$/, '"attempt_id" is malformed')),
    code: v.optional(v.pipe(v.string('"code" must be a string'), v.regex(/^[A-Za-z0-9._~+/=-]{16,2048}$/, '"code" is malformed'))),
    completion_secret: v.optional(
      v.pipe(v.string('"completion_secret" must be a string'), v.regex(/^[A-Za-z0-9_-]{16,128}$/, '"completion_secret" is malformed')),
    ),
  }),
  v.check((b) => (b.code === undefined) !== (b.completion_secret === undefined), 'Send either "code" or "completion_secret"'),
);

/** Query of `GET /v1/connect/suggested-sources` (parsed by the route with the same bounds). */
export const suggestedSourcesQuery = {
  pinned: v.pipe(v.string(), v.maxLength(20 * 65), v.regex(/^[^,]{1,64}(?:,[^,]{1,64}){0,19}$/)),
};

/** Query of `GET /v1/connect/sources` (parsed by the route with the same bounds). */
export const sourceSearchQuery = {
  q: v.pipe(v.string(), v.maxLength(200)),
  type: v.picklist(SOURCE_TYPES),
  page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)),
  per_page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)),
};

// Answers

const AUTH_METHODS = ["credentials", "credentials_mfa", "oauth", "smart"] as const;
const sources = v.array(connectSource);

const sourceSummaryEntries = {
  id: v.string(),
  name: v.string(),
  type: v.picklist(SOURCE_TYPES),
  city: v.string(),
  state: v.string(),
  auth: v.picklist(AUTH_METHODS),
  logo_url: v.optional(v.pipe(v.string(), v.url())),
};

/** A connection with its health (the session view, and the server API's user connections). */
export const connectionView = v.strictObject({
  source: connectSource,
  status: v.picklist(CONNECTION_STATUSES),
  status_reason: v.nullable(v.picklist(CONNECTION_STATUS_REASONS)),
  connected_at: isoTime,
  status_changed_at: isoTime,
});

/** `GET /v1/connect/session`. */
export const sessionView = v.strictObject({
  human_id: v.string(),
  token_kind: v.picklist(["session", "id"]),
  expires_at: isoTime,
  client: v.strictObject({ name: v.string(), primary_color: v.nullable(v.string()), logo_url: v.nullable(v.string()) }),
  connections: sources,
  connection_health: v.array(connectionView),
  ui_state: v.nullable(v.record(v.string(), v.unknown())),
});

/** `GET /v1/connect/sources`. */
export const sourceSearchResult = v.strictObject({
  query: v.string(),
  type: v.nullable(v.picklist(SOURCE_TYPES)),
  page: count,
  per_page: count,
  total: count,
  results: v.array(v.strictObject(sourceSummaryEntries)),
});

/** `GET /v1/connect/sources/{id}`. */
export const sourceDetail = v.strictObject({
  ...sourceSummaryEntries,
  description: v.string(),
  available: v.boolean(),
  connected: v.boolean(),
  connection_status: v.nullable(v.picklist(CONNECTION_STATUSES)),
});

/** `GET /v1/connect/suggested-sources`. */
export const suggestedSources = v.strictObject({
  pinned: v.array(v.strictObject(sourceSummaryEntries)),
  popular: v.array(v.strictObject(sourceSummaryEntries)),
});

/** A sign-in that ended connected (201 from the connect calls, 200 from the OAuth calls). */
export const connectedResult = v.strictObject({
  status: v.literal("connected"),
  source: connectSource,
  connections: sources,
  repaired: v.boolean(),
});

/** A sign-in that needs a one-time code (200). */
export const mfaRequiredResult = v.strictObject({
  status: v.literal("mfa_required"),
  challenge: v.strictObject({ challenge_id: v.string(), prompt: v.string(), expires_in: count }),
});

/** `DELETE /v1/connect/connections/{source_id}`. */
export const disconnectResult = v.strictObject({ source: connectSource, connections: sources });

/** `POST /v1/connect/session/close`: the service's own record of the session. */
export const sessionCloseResult = v.strictObject({
  status: v.picklist(CLOSE_STATUSES),
  session_id: v.string(),
  session_results: v.strictObject({ connectedSources: sources, disconnectedSources: sources }),
  current_connections: sources,
});

/** `POST /v1/connect/oauth/start`. */
export const oauthStartResult = v.strictObject({ attempt_id: v.string(), authorize_url: v.pipe(v.string(), v.url()) });

/** `GET /v1/connect/oauth/attempts/{attempt_id}` and `POST /v1/connect/oauth/complete`. */
export const oauthAttemptStatus = v.variant("status", [
  v.strictObject({ status: v.literal("pending") }),
  connectedResult,
  v.strictObject({ status: v.literal("failed"), errorCode: v.string(), message: v.string() }),
]);

/** Fails the typecheck unless every value of type `T` is a value the schema `S` allows. */
type Allows<S extends v.GenericSchema, T> = [T] extends [v.InferOutput<S>] ? true : never;

/** The protocol types the Connect app reads, each allowed by its schema. */
export const PROTOCOL_COVERED: [
  Allows<typeof sessionView, SessionView>,
  Allows<typeof sourceSearchResult, SourceSearchResult>,
  Allows<typeof sourceDetail, SourceDetail>,
  Allows<typeof suggestedSources, SuggestedSources>,
  Allows<v.UnionSchema<[typeof connectedResult, typeof mfaRequiredResult], undefined>, ConnectResult>,
  Allows<typeof disconnectResult, DisconnectResult>,
  Allows<typeof oauthStartResult, OAuthStartResult>,
  Allows<typeof oauthAttemptStatus, OAuthAttemptStatus>,
] = [true, true, true, true, true, true, true, true];
