import { describe, expect, it } from "vitest";
import {
  WebhookVerificationError,
  generateWebhookMessageId,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  type VerifyWebhookInput,
} from "../../src/server/webhooks/signature.ts";

// The published Standard Webhooks test vector.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const VECTOR_NOW = VECTOR.timestamp * 1000;

function vectorHeaders(signature = VECTOR.signature): Record<string, string> {
  return { "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": signature };
}

function codeOf(input: VerifyWebhookInput): string {
  try {
    verifyWebhook(input);
    return "OK";
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.code;
    throw error;
  }
}

describe("Standard Webhooks signature", () => {
  it("matches the published test vector", () => {
    expect(signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secret: VECTOR.secret })).toBe(VECTOR.signature);
    expect(signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: Buffer.from(VECTOR.body), secret: VECTOR.secret })).toBe(
      VECTOR.signature,
    );
  });

  it("verifies the test vector and returns the parsed payload", () => {
    const verified = verifyWebhook({ headers: vectorHeaders(), body: VECTOR.body, secret: VECTOR.secret, now: VECTOR_NOW });
    expect(verified).toEqual({ id: VECTOR.id, timestamp: VECTOR.timestamp, payload: { test: 2432232314 } });
  });

  it("reads fetch Headers and Node header records in any case", () => {
    const fetchHeaders = new Headers(vectorHeaders());
    expect(verifyWebhook({ headers: fetchHeaders, body: VECTOR.body, secret: VECTOR.secret, now: VECTOR_NOW }).id).toBe(VECTOR.id);
    const upper = { "Webhook-Id": VECTOR.id, "WEBHOOK-TIMESTAMP": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature };
    expect(verifyWebhook({ headers: upper, body: VECTOR.body, secret: VECTOR.secret, now: VECTOR_NOW }).id).toBe(VECTOR.id);
  });

  it("accepts several space-separated signatures when one matches", () => {
    const several = `v1,Zm9vYmFy v2,whatever ${VECTOR.signature}`;
    expect(codeOf({ headers: vectorHeaders(several), body: VECTOR.body, secret: VECTOR.secret, now: VECTOR_NOW })).toBe("OK");
  });

  it("rejects a tampered body, id or timestamp", () => {
    const base = { secret: VECTOR.secret, now: VECTOR_NOW };
    expect(codeOf({ ...base, headers: vectorHeaders(), body: '{"test": 2432232315}' })).toBe("WEBHOOK_SIGNATURE_INVALID");
    expect(codeOf({ ...base, headers: { ...vectorHeaders(), "webhook-id": "msg_other" }, body: VECTOR.body })).toBe("WEBHOOK_SIGNATURE_INVALID");
    expect(
      codeOf({ ...base, headers: { ...vectorHeaders(), "webhook-timestamp": String(VECTOR.timestamp + 1) }, body: VECTOR.body }),
    ).toBe("WEBHOOK_SIGNATURE_INVALID");
  });

  it("rejects a wrong secret, a signature of another version and a garbled one", () => {
    const base = { headers: vectorHeaders(), body: VECTOR.body, now: VECTOR_NOW };
    expect(codeOf({ ...base, secret: generateWebhookSecret() })).toBe("WEBHOOK_SIGNATURE_INVALID");
    const v2 = VECTOR.signature.replace("v1,", "v2,");
    expect(codeOf({ ...base, headers: vectorHeaders(v2), secret: VECTOR.secret })).toBe("WEBHOOK_SIGNATURE_INVALID");
    expect(codeOf({ ...base, headers: vectorHeaders("v1,"), secret: VECTOR.secret })).toBe("WEBHOOK_SIGNATURE_INVALID");
    expect(codeOf({ ...base, headers: vectorHeaders("garbage"), secret: VECTOR.secret })).toBe("WEBHOOK_SIGNATURE_INVALID");
  });

  it("rejects an old or future timestamp outside the tolerance, and accepts one at its edge", () => {
    const base = { headers: vectorHeaders(), body: VECTOR.body, secret: VECTOR.secret };
    expect(codeOf({ ...base, now: VECTOR_NOW + 301_000 })).toBe("WEBHOOK_TIMESTAMP_TOO_OLD");
    expect(codeOf({ ...base, now: VECTOR_NOW - 301_000 })).toBe("WEBHOOK_TIMESTAMP_TOO_NEW");
    expect(codeOf({ ...base, now: VECTOR_NOW + 300_000 })).toBe("OK");
    expect(codeOf({ ...base, now: VECTOR_NOW + 30_000, toleranceSeconds: 10 })).toBe("WEBHOOK_TIMESTAMP_TOO_OLD");
  });

  it("rejects missing headers, a malformed timestamp and a bad secret", () => {
    const base = { body: VECTOR.body, secret: VECTOR.secret, now: VECTOR_NOW };
    const { "webhook-signature": _s, ...noSignature } = vectorHeaders();
    expect(codeOf({ ...base, headers: noSignature })).toBe("WEBHOOK_HEADERS_MISSING");
    expect(codeOf({ ...base, headers: {} })).toBe("WEBHOOK_HEADERS_MISSING");
    expect(codeOf({ ...base, headers: { ...vectorHeaders(), "webhook-timestamp": "1614265330.5" } })).toBe("WEBHOOK_TIMESTAMP_INVALID");
    expect(codeOf({ ...base, headers: { ...vectorHeaders(), "webhook-timestamp": "soon" } })).toBe("WEBHOOK_TIMESTAMP_INVALID");
    expect(codeOf({ ...base, headers: vectorHeaders(), secret: "whsec_not base64!" })).toBe("WEBHOOK_SECRET_INVALID");
    expect(codeOf({ ...base, headers: vectorHeaders(), secret: "whsec_" })).toBe("WEBHOOK_SECRET_INVALID");
  });

  it("rejects a signed body that is not JSON", () => {
    const secret = generateWebhookSecret();
    const body = "not json";
    const headers = webhookHeaders({ id: "msg_1", timestamp: VECTOR.timestamp, body, secret });
    expect(codeOf({ headers, body, secret, now: VECTOR_NOW })).toBe("WEBHOOK_PAYLOAD_INVALID");
  });

  it("makes fresh secrets and ids that round-trip", () => {
    const secrets = new Set(Array.from({ length: 20 }, generateWebhookSecret));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    }
    const id = generateWebhookMessageId();
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{26}$/);
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: "user.engaged", data: { note: "é ✓" } });
    const headers = webhookHeaders({ id, timestamp: 1_700_000_000, body, secret });
    expect(verifyWebhook({ headers, body, secret, now: 1_700_000_000_000 }).payload).toEqual(JSON.parse(body));
  });
});
