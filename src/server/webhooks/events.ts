/**
 * Webhook events: names, payloads and the JSON envelope sent to a client's endpoint.
 *
 * Every request body is `{"type": <name>, "timestamp": <ISO 8601 of the event>, "data": {...}}`. Events:
 *
 * | type                          | when                                                   | data                                                                                   |
 * | ----------------------------- | ------------------------------------------------------ | -------------------------------------------------------------------------------------- |
 * | `user.invited`                | an invite link or invitation email was made for a user | `client_user_id`, `email`, `via` ("link" or "email"), `expires_at`                     |
 * | `user.engaged`                | the user first launched Connect (link or embedded)     | `client_user_id`, `human_id`, `via` ("invite_link" or "connect")                       |
 * | `connect.source_connected`    | a source was connected                                  | `client_user_id`, `human_id`, `session_id`, `source` {name, id}, `current_connections` |
 * | `connect.source_disconnected` | a source was disconnected                               | `client_user_id`, `human_id`, `session_id`, `source` {name, id}, `current_connections` |
 * | `connect.session_closed`      | a Connect session closed                                | `client_user_id`, `human_id`, `session_id`, `status`, `session_results`, `current_connections` |
 * | `connect.connection_status_changed` | a connection broke or was repaired               | `client_user_id`, `human_id`, `source` {name, id}, `status`, `status_reason`, `previous_status` |
 *
 * The envelope carries no secret and no health data; `webhook-id` (a header) is the idempotency key.
 */
import * as v from "valibot";
import {
  CONNECTION_STATUSES,
  CONNECTION_STATUS_REASONS,
  type ConnectionStatus,
  type ConnectionStatusReason,
} from "../../protocol/connect-api.ts";
import { CLOSE_STATUSES, type CloseStatus, type ConnectSource, type SessionResults } from "../../protocol/results.ts";
import { generateWebhookMessageId } from "./signature.ts";

/** Every event type a client's endpoint can receive. */
export const WEBHOOK_EVENT_TYPES = [
  "user.invited",
  "user.engaged",
  "connect.source_connected",
  "connect.source_disconnected",
  "connect.session_closed",
  "connect.connection_status_changed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Who the event is about: the company's own id for the user and this service's id. */
export interface UserRef {
  client_user_id: string;
  human_id: string;
}

export interface UserInvitedData {
  client_user_id: string;
  email: string;
  via: "link" | "email";
  /** ISO 8601 expiry of the invite link. */
  expires_at: string;
}

export interface UserEngagedData extends UserRef {
  via: "invite_link" | "connect";
}

export interface SourceChangedData extends UserRef {
  session_id: string;
  source: ConnectSource;
  current_connections: ConnectSource[];
}

export interface SessionClosedData extends UserRef {
  session_id: string;
  status: CloseStatus;
  session_results: SessionResults;
  current_connections: ConnectSource[];
}

export interface ConnectionStatusChangedData extends UserRef {
  source: ConnectSource;
  status: ConnectionStatus;
  /** Null when the connection is `active` again. */
  status_reason: ConnectionStatusReason | null;
  previous_status: ConnectionStatus;
}

/** The `data` of each event type. */
export interface WebhookEventDataMap {
  "user.invited": UserInvitedData;
  "user.engaged": UserEngagedData;
  "connect.source_connected": SourceChangedData;
  "connect.source_disconnected": SourceChangedData;
  "connect.session_closed": SessionClosedData;
  "connect.connection_status_changed": ConnectionStatusChangedData;
}

/** The JSON body of one webhook request. */
export type WebhookEvent<T extends WebhookEventType = WebhookEventType> = T extends WebhookEventType
  ? { type: T; timestamp: string; data: WebhookEventDataMap[T] }
  : never;

/** A message ready for the outbox: the stable `webhook-id` and the exact body bytes sent on every attempt. */
export interface WebhookMessage {
  id: string;
  type: WebhookEventType;
  body: string;
  createdAt: number;
}

/** Builds the envelope of an event that happened at `now` (ms since epoch). */
export function buildWebhookEvent<T extends WebhookEventType>(type: T, data: WebhookEventDataMap[T], now: number): WebhookEvent<T> {
  return { type, timestamp: new Date(now).toISOString(), data } as WebhookEvent<T>;
}

/** Builds an outbox message: a fresh `msg_` id and the serialised envelope, fixed once so retries send identical bytes. */
export function createWebhookMessage<T extends WebhookEventType>(type: T, data: WebhookEventDataMap[T], now: number): WebhookMessage {
  return { id: generateWebhookMessageId(), type, body: JSON.stringify(buildWebhookEvent(type, data, now)), createdAt: now };
}

const SourceSchema = v.object({ name: v.string(), id: v.string() });
const UserRefEntries = { client_user_id: v.string(), human_id: v.string() };
const CloseStatusSchema = v.picklist(CLOSE_STATUSES);
const SourceChangedSchema = v.object({
  ...UserRefEntries,
  session_id: v.string(),
  source: SourceSchema,
  current_connections: v.array(SourceSchema),
});
const Timestamp = v.pipe(v.string(), v.isoTimestamp());

const WebhookEventSchema = v.variant("type", [
  v.object({
    type: v.literal("user.invited"),
    timestamp: Timestamp,
    data: v.object({ client_user_id: v.string(), email: v.string(), via: v.picklist(["link", "email"]), expires_at: v.string() }),
  }),
  v.object({
    type: v.literal("user.engaged"),
    timestamp: Timestamp,
    data: v.object({ ...UserRefEntries, via: v.picklist(["invite_link", "connect"]) }),
  }),
  v.object({ type: v.literal("connect.source_connected"), timestamp: Timestamp, data: SourceChangedSchema }),
  v.object({ type: v.literal("connect.source_disconnected"), timestamp: Timestamp, data: SourceChangedSchema }),
  v.object({
    type: v.literal("connect.session_closed"),
    timestamp: Timestamp,
    data: v.object({
      ...UserRefEntries,
      session_id: v.string(),
      status: CloseStatusSchema,
      session_results: v.object({ connectedSources: v.array(SourceSchema), disconnectedSources: v.array(SourceSchema) }),
      current_connections: v.array(SourceSchema),
    }),
  }),
  v.object({
    type: v.literal("connect.connection_status_changed"),
    timestamp: Timestamp,
    data: v.object({
      ...UserRefEntries,
      source: SourceSchema,
      status: v.picklist(CONNECTION_STATUSES),
      status_reason: v.nullable(v.picklist(CONNECTION_STATUS_REASONS)),
      previous_status: v.picklist(CONNECTION_STATUSES),
    }),
  }),
]);

/** For receivers: checks a verified webhook payload against the documented event shapes; null when it does not fit. */
export function parseWebhookEvent(payload: unknown): WebhookEvent | null {
  const result = v.safeParse(WebhookEventSchema, payload);
  return result.success ? (result.output as WebhookEvent) : null;
}
