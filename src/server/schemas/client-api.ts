// Requests and answers of the server-to-server API (`/v1/users`, invite links, invitations, email templates, the
// webhook endpoint and its delivery log, client settings). The Portal speaks the same API under `/portal/api`.
import * as v from "valibot";
import { MAX_HTML_LENGTH, MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH } from "../mail/templates.ts";
import { CONNECTION_STATUS_REASONS } from "../../protocol/connect-api.ts";
import { connectionView } from "./connect-api.ts";
import { clientUserId, count, email, isoTime, sourceId } from "./fields.ts";

/** Statuses `GET /v1/users?status=` filters by ("created" users are listed unfiltered only). */
export const USER_STATUSES = ["invited", "engaged", "connected"] as const;

/** Every status a user can have, in onboarding order. */
export const ALL_USER_STATUSES = ["created", "invited", "engaged", "connected"] as const;

// Requests

const expiresIn = v.optional(
  v.union(
    [v.pipe(v.string(), v.maxLength(16)), v.pipe(v.number(), v.integer())],
    '"expires_in" must be seconds or a duration such as "3d"',
  ),
);

/** `GET /v1/users/{client_user_id}/connections`. */
export const userConnections = v.strictObject({
  connections: v.array(
    v.strictObject({
      ...connectionView.entries,
      /** A SMART on FHIR connection's FHIR base and the patient its tokens read. */
      fhir: v.optional(v.strictObject({ base_url: v.string(), patient: v.string() })),
    }),
  ),
});

/** `POST /v1/sandbox/connections/break`. */
export const brokenConnection = v.strictObject({ connection: connectionView });

/** `POST /v1/connect/invite-links`. */
export const inviteLinkBody = v.object({
  client_user_id: clientUserId(),
  email: email("email"),
  expires_in: expiresIn,
  /** Opens hosted Connect on this source: its sign-in, or the repair of its connection. */
  source_id: v.optional(sourceId()),
});

/** `POST /v1/connect/invitations`; every other field named `data_*` is a template value. */
export const invitationBody = v.looseObject({
  client_user_id: clientUserId(),
  email: email("email"),
  template_alias: v.optional(v.string('"template_alias" must be a string')),
  expires_in: expiresIn,
  source_id: v.optional(sourceId()),
});

/** `POST /v1/sandbox/connections/break`: makes a connection need re-authorisation, to test a repair flow. */
export const breakConnectionBody = v.object({
  client_user_id: clientUserId(),
  source_id: sourceId(),
  reason: v.optional(
    v.picklist(CONNECTION_STATUS_REASONS, `"reason" must be one of ${CONNECTION_STATUS_REASONS.join(", ")}`),
    "credentials_changed",
  ),
});

/** `PUT /v1/webhook-endpoint`. */
export const endpointBody = v.object({
  url: v.string('"url" must be a string'),
  rotate_secret: v.optional(v.boolean('"rotate_secret" must be true or false')),
});

/** `PUT /v1/client-settings`. */
export const settingsBody = v.object({
  redirect_url: v.nullable(
    v.pipe(v.string('"redirect_url" must be a string or null'), v.maxLength(2048, '"redirect_url" is too long')),
  ),
});

/**
 * `PUT /v1/email-templates/{alias}`, as the document shows it. The route checks templates with `validateTemplate`
 * (mail/templates.ts), whose limits these are; placeholders and the required `{{sign_in_url}}` are checked there.
 */
export const templateBody = v.object({
  subject: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_SUBJECT_LENGTH)),
  html: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_HTML_LENGTH)),
  text: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(MAX_TEXT_LENGTH)))),
});

/** Query of `GET /v1/users` (parsed by the route with the same bounds). */
export const usersQuery = {
  status: v.picklist(USER_STATUSES),
  page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  per_page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)),
};

/** Query of `GET /v1/webhook-deliveries`. */
export const deliveriesQuery = {
  page: usersQuery.page,
  per_page: usersQuery.per_page,
};

/** Path parameter of the email template routes. */
export const templateAliasParam = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/));

// Answers

const nullableTime = v.nullable(isoTime);

/** A user as `GET /v1/users` lists it. */
export const userView = v.strictObject({
  client_user_id: v.string(),
  human_id: v.string(),
  email: v.nullable(v.string()),
  status: v.picklist(ALL_USER_STATUSES),
  invited_at: nullableTime,
  engaged_at: nullableTime,
  connected_at: nullableTime,
  connections: count,
  /** Connections whose status is `needs_reauth`: the user must sign in to the source again. */
  connections_needing_reauth: count,
});

/** `GET /v1/users`. */
export const usersPage = v.strictObject({
  status: v.nullable(v.picklist(USER_STATUSES)),
  page: count,
  per_page: count,
  total: count,
  users: v.array(userView),
});

/** `POST /v1/connect/invite-links`. */
export const inviteLinkResult = v.strictObject({
  client_user_id: v.string(),
  human_id: v.string(),
  email: v.string(),
  url: v.pipe(v.string(), v.url()),
  expires_at: isoTime,
  warning: v.nullable(v.string()),
});

/** `POST /v1/connect/invitations`. */
export const invitationResult = v.strictObject({
  client_user_id: v.string(),
  human_id: v.string(),
  email: v.string(),
  template_alias: v.string(),
  invite_url: v.pipe(v.string(), v.url()),
  expires_at: isoTime,
  message_id: v.string(),
  transport: v.picklist(["smtp", "outbox"]),
});

/** An email template, stored or built in. */
export const templateView = v.strictObject({
  alias: v.string(),
  subject: v.string(),
  html: v.string(),
  text: v.nullable(v.string()),
  built_in: v.boolean(),
  updated_at: nullableTime,
});

/** `GET /v1/email-templates`. */
export const templateList = v.strictObject({ templates: v.array(templateView) });

const endpointEntries = {
  url: v.string(),
  enabled: v.boolean(),
  disabled_reason: v.nullable(v.string()),
  created_at: nullableTime,
  updated_at: nullableTime,
};

/** `GET /v1/webhook-endpoint`. */
export const endpointView = v.strictObject(endpointEntries);

/** `PUT /v1/webhook-endpoint`: the signing secret only when it is new (201), else null (200). */
export const endpointSetResult = v.strictObject({ ...endpointEntries, secret: v.nullable(v.string()) });

/** One webhook message with its attempts. */
export const deliveryView = v.strictObject({
  webhook_id: v.string(),
  type: v.string(),
  state: v.picklist(["pending", "delivered", "failed"]),
  attempts: count,
  next_attempt_at: nullableTime,
  created_at: isoTime,
  last_status: v.nullable(v.pipe(v.number(), v.integer())),
  last_error: v.nullable(v.string()),
  payload: v.unknown(),
  log: v.array(
    v.strictObject({
      attempt: count,
      at: isoTime,
      outcome: v.string(),
      status: v.nullable(v.pipe(v.number(), v.integer())),
      error: v.nullable(v.string()),
      duration_ms: v.number(),
    }),
  ),
});

/** `GET /v1/webhook-deliveries`. */
export const deliveriesPage = v.strictObject({ page: count, per_page: count, total: count, deliveries: v.array(deliveryView) });

/** `GET` and `PUT /v1/client-settings`. */
export const clientSettings = v.strictObject({
  client_id: v.string(),
  name: v.string(),
  redirect_url: v.nullable(v.string()),
  allowed_origins: v.array(v.string()),
});
