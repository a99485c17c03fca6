/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): headers `webhook-id`, `webhook-timestamp`
 * (seconds) and `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with
 * the base64-decoded part of the `whsec_` secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const WEBHOOK_ID_HEADER = "webhook-id";
export const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";
/** Default tolerance between the signed timestamp and the receiver's clock, in seconds, both ways. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Closed list of reasons a webhook is refused by `verifyWebhook`. */
export const WEBHOOK_VERIFICATION_CODES = [
  "WEBHOOK_SECRET_INVALID",
  "WEBHOOK_HEADERS_MISSING",
  "WEBHOOK_TIMESTAMP_INVALID",
  "WEBHOOK_TIMESTAMP_TOO_OLD",
  "WEBHOOK_TIMESTAMP_TOO_NEW",
  "WEBHOOK_SIGNATURE_INVALID",
  "WEBHOOK_PAYLOAD_INVALID",
] as const;

export type WebhookVerificationCode = (typeof WEBHOOK_VERIFICATION_CODES)[number];

/** Thrown by `verifyWebhook`; `code` says why. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationCode;
  constructor(code: WebhookVerificationCode, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.code = code;
  }
}

/** Makes a fresh endpoint secret: "whsec_" + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** Makes a fresh message id ("msg_" + 26 url-safe characters), used as `webhook-id` on every attempt. */
export function generateWebhookMessageId(): string {
  return "msg_" + randomBytes(20).toString("base64url").slice(0, 26);
}

function secretKey(secret: string): Buffer {
  if (typeof secret !== "string") throw new WebhookVerificationError("WEBHOOK_SECRET_INVALID", "The webhook secret must be a string");
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) {
    throw new WebhookVerificationError("WEBHOOK_SECRET_INVALID", 'The webhook secret must be "whsec_" followed by base64');
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length < 16) throw new WebhookVerificationError("WEBHOOK_SECRET_INVALID", "The webhook secret is too short");
  return key;
}

function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function digest(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`, "utf8").update(bodyBytes(body)).digest();
}

export interface SignWebhookInput {
  id: string;
  /** Seconds since epoch. */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string | Uint8Array;
  /** "whsec_..." */
  secret: string;
}

/** Returns the `webhook-signature` value "v1,<base64>" for one message. */
export function signWebhook(input: SignWebhookInput): string {
  return "v1," + digest(secretKey(input.secret), input.id, input.timestamp, input.body).toString("base64");
}

/** The three Standard Webhooks headers for one delivery attempt. */
export function webhookHeaders(input: SignWebhookInput): Record<string, string> {
  return {
    [WEBHOOK_ID_HEADER]: input.id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(input.timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signWebhook(input),
  };
}

/** Headers as a fetch `Headers`, a Node `IncomingHttpHeaders`, or a plain record (names in any case). */
export type WebhookHeadersInput = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookInput {
  headers: WebhookHeadersInput;
  /** The raw request body, exactly as received (do not re-serialise parsed JSON). */
  body: string | Uint8Array;
  secret: string;
  toleranceSeconds?: number;
  /** Current time in ms since epoch (defaults to Date.now()). */
  now?: number;
}

export interface VerifiedWebhook {
  id: string;
  timestamp: number;
  /** The body parsed as JSON. */
  payload: unknown;
}

function header(headers: WebhookHeadersInput, name: string): string | null {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).has === "function") {
    return (headers as Headers).get(name);
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const value = record[key];
    if (Array.isArray(value)) return value.join(" ");
    return value ?? null;
  }
  return null;
}

/**
 * Verifies a Standard Webhooks request for a receiver. Throws WebhookVerificationError when the headers are
 * missing, the timestamp is outside the tolerance, or no `v1` signature matches; returns the parsed payload.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifiedWebhook {
  const key = secretKey(input.secret);
  const id = header(input.headers, WEBHOOK_ID_HEADER);
  const timestampText = header(input.headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = header(input.headers, WEBHOOK_SIGNATURE_HEADER);
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError("WEBHOOK_HEADERS_MISSING", "webhook-id, webhook-timestamp and webhook-signature are required");
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError("WEBHOOK_TIMESTAMP_INVALID", "webhook-timestamp must be whole seconds since epoch");
  }
  const timestamp = Number(timestampText);
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  if (timestamp < nowSeconds - tolerance) {
    throw new WebhookVerificationError("WEBHOOK_TIMESTAMP_TOO_OLD", "webhook-timestamp is too old");
  }
  if (timestamp > nowSeconds + tolerance) {
    throw new WebhookVerificationError("WEBHOOK_TIMESTAMP_TOO_NEW", "webhook-timestamp is in the future");
  }

  const expected = digest(key, id, timestamp, input.body);
  let matched = false;
  for (const candidate of signatures.split(" ")) {
    const comma = candidate.indexOf(",");
    if (comma < 0 || candidate.slice(0, comma) !== "v1") continue;
    const given = Buffer.from(candidate.slice(comma + 1), "base64");
    // Compare every candidate, even after a match, so timing does not reveal which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError("WEBHOOK_SIGNATURE_INVALID", "No matching webhook signature");

  let payload: unknown;
  try {
    payload = JSON.parse(bodyBytes(input.body).toString("utf8"));
  } catch {
    throw new WebhookVerificationError("WEBHOOK_PAYLOAD_INVALID", "The webhook body is not JSON");
  }
  return { id, timestamp, payload };
}
