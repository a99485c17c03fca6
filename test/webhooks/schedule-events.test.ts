import { describe, expect, it } from "vitest";
import {
  MAX_DELIVERY_ATTEMPTS,
  RETRY_DELAYS_MS,
  RETRY_JITTER,
  nextAttemptAt,
  retryDelayMs,
} from "../../src/server/webhooks/schedule.ts";
import {
  WEBHOOK_EVENT_TYPES,
  buildWebhookEvent,
  createWebhookMessage,
  parseWebhookEvent,
} from "../../src/server/webhooks/events.ts";

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe("retry schedule", () => {
  it("spreads ten attempts over about three days", () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(10);
    const total = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(66 * HOUR);
    expect(total).toBeLessThan(78 * HOUR);
    expect(RETRY_DELAYS_MS[0]).toBe(5_000);
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++) expect(RETRY_DELAYS_MS[i]!).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i - 1]!);
  });

  it("jitters each wait within ±25% of the nominal one", () => {
    expect(RETRY_JITTER).toBe(0.25);
    expect(retryDelayMs(1, () => 0)).toBe(3_750);
    expect(retryDelayMs(1, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(1, () => 0.999999)).toBe(6_250);
    expect(retryDelayMs(9, () => 0)).toBe(15 * HOUR);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(4)!;
      expect(delay).toBeGreaterThanOrEqual(1.5 * HOUR);
      expect(delay).toBeLessThanOrEqual(2.5 * HOUR);
      seen.add(delay);
    }
    expect(seen.size).toBeGreaterThan(150);
  });

  it("gives the time of the next attempt, and null after the last", () => {
    expect(nextAttemptAt(1, NOW, () => 0.5)).toBe(NOW + 5_000);
    expect(nextAttemptAt(2, NOW, () => 0.5)).toBe(NOW + 300_000);
    expect(nextAttemptAt(MAX_DELIVERY_ATTEMPTS - 1, NOW, () => 0.5)).toBe(NOW + 20 * HOUR);
    expect(nextAttemptAt(MAX_DELIVERY_ATTEMPTS, NOW)).toBeNull();
    expect(() => nextAttemptAt(0, NOW)).toThrow(RangeError);
  });
});

describe("webhook events", () => {
  const source = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };

  it("wraps data in {type, timestamp, data}", () => {
    const event = buildWebhookEvent(
      "connect.source_connected",
      { client_user_id: "u1", human_id: "h1", session_id: "s1", source, current_connections: [source] },
      NOW,
    );
    expect(event).toEqual({
      type: "connect.source_connected",
      timestamp: "2025-01-15T12:00:00.000Z",
      data: { client_user_id: "u1", human_id: "h1", session_id: "s1", source, current_connections: [source] },
    });
    expect(parseWebhookEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it("makes outbox messages with fresh ids and fixed bodies", () => {
    const data = {
      client_user_id: "u1",
      human_id: "h1",
      session_id: "s1",
      status: "SUCCESS" as const,
      session_results: { connectedSources: [source], disconnectedSources: [] },
      current_connections: [source],
    };
    const a = createWebhookMessage("connect.session_closed", data, NOW);
    const b = createWebhookMessage("connect.session_closed", data, NOW);
    expect(a.id).not.toBe(b.id);
    expect(a.body).toBe(b.body);
    expect(a).toMatchObject({ type: "connect.session_closed", createdAt: NOW });
    expect(parseWebhookEvent(JSON.parse(a.body))).toEqual({ type: "connect.session_closed", timestamp: new Date(NOW).toISOString(), data });
  });

  it("parses every documented type and refuses unknown or malformed events", () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      "user.invited",
      "user.engaged",
      "connect.source_connected",
      "connect.source_disconnected",
      "connect.session_closed",
      "connect.connection_status_changed",
    ]);
    const invited = buildWebhookEvent("user.invited", { client_user_id: "u1", email: "a@b.co", via: "email", expires_at: "2025-01-18T12:00:00.000Z" }, NOW);
    expect(parseWebhookEvent(invited)).toEqual(invited);
    const disconnected = buildWebhookEvent(
      "connect.source_disconnected",
      { client_user_id: "u1", human_id: "h1", session_id: "s1", source, current_connections: [] },
      NOW,
    );
    expect(parseWebhookEvent(disconnected)).toEqual(disconnected);
    const broken = buildWebhookEvent(
      "connect.connection_status_changed",
      { client_user_id: "u1", human_id: "h1", source, status: "needs_reauth", status_reason: "consent_revoked", previous_status: "active" },
      NOW,
    );
    expect(parseWebhookEvent(broken)).toEqual(broken);
    expect(parseWebhookEvent({ ...broken, data: { ...broken.data, status: "broken" } })).toBeNull();
    expect(parseWebhookEvent({ type: "user.deleted", timestamp: invited.timestamp, data: {} })).toBeNull();
    expect(parseWebhookEvent({ ...invited, data: { client_user_id: "u1" } })).toBeNull();
    expect(parseWebhookEvent({ ...invited, timestamp: "yesterday" })).toBeNull();
    expect(parseWebhookEvent("user.invited")).toBeNull();
  });
});
