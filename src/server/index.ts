// Public Node entry of the package (`human-connect/server`): run the Connect service from your own code.
export { startServer } from "./main.ts";
export type { RunningServer, StartServerOptions } from "./main.ts";
export { createApp } from "./app.ts";
export type { AppDeps } from "./app.ts";
export { openServices, MissingMasterKeyError } from "./open-services.ts";
export type { OpenServicesOptions, OpenedServices } from "./open-services.ts";
export type { Services } from "./services.ts";
export type { ClientCredentials } from "./clients/service.ts";
export type { Store, ClientPermissions, ClientRecord, HumanRecord, NewClient } from "./store/types.ts";
export { ManualClock, systemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export { DEFAULT_RATE_LIMITS } from "./rate-limit.ts";
export type { RateLimitConfig } from "./rate-limit.ts";
export type { HumanRecord as UserRecord, HumanStatus, HumanSummary } from "./store/types.ts";

// Invite links (seed 000): sign links on your own backend.
export {
  createInviteLink,
  createInviteToken,
  parseExpiresIn,
  verifyInviteToken,
  InviteOptionsError,
  MAX_INVITE_LIFETIME_SECONDS,
  RECOMMENDED_INVITE_LIFETIME_SECONDS,
} from "./invites/invite-token.ts";
export type {
  CreateInviteLinkOptions,
  CreateInviteTokenOptions,
  InviteClaims,
  InviteLink,
  InviteToken,
  InviteVerification,
  InviteErrorCode,
} from "./invites/invite-token.ts";

// Webhooks (Standard Webhooks): verify and read what the service sends to your endpoint.
export {
  verifyWebhook,
  signWebhook,
  WebhookVerificationError,
  WEBHOOK_VERIFICATION_CODES,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
} from "./webhooks/signature.ts";
export type { VerifyWebhookInput, VerifiedWebhook, WebhookVerificationCode, WebhookHeadersInput } from "./webhooks/signature.ts";
export { parseWebhookEvent, WEBHOOK_EVENT_TYPES } from "./webhooks/events.ts";
export type {
  WebhookEvent,
  WebhookEventType,
  WebhookEventDataMap,
  UserInvitedData,
  UserEngagedData,
  SourceChangedData,
  SessionClosedData,
  ConnectionStatusChangedData,
} from "./webhooks/events.ts";
export { RETRY_DELAYS_MS, MAX_DELIVERY_ATTEMPTS } from "./webhooks/schedule.ts";

// Invitation emails.
export { DEFAULT_TEMPLATE, renderTemplate, validateTemplate } from "./mail/templates.ts";
export type { EmailTemplate, RenderedEmail } from "./mail/templates.ts";
export { listOutbox, readOutboxMessage } from "./mail/mailer.ts";
export type { OutboxEntry, OutboxMessage } from "./mail/mailer.ts";
