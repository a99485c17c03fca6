// Webhooks end to end through the real service: events are queued with the change that caused them, delivered by
// the service's worker to a real node:http receiver, signed, retried with one stable id, and kept across a restart.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/server/clock.ts";
import { parseWebhookEvent, verifyWebhook } from "../../src/server/index.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, STARFLEET, CLEVELAND } from "../server/support.ts";
import { startReceiver, type TestReceiver } from "./receiver.ts";

const basic = (c: { client_id: string; client_secret: string }) =>
  ({ Authorization: "Basic " + Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64") });

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function setEndpoint(svc: TestService, client: { client_id: string; client_secret: string }, url: string): Promise<string> {
  const res = await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url }, basic(client));
  expect(res.status).toBe(201);
  const secret = (res.body as { secret: string }).secret;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  return secret;
}

type Delivery = { webhook_id: string; state: string; attempts: number; type: string; log: { status: number | null }[] };
async function deliveries(svc: TestService, client: { client_id: string; client_secret: string }): Promise<Delivery[]> {
  const res = await api(svc.url, "GET", "/v1/webhook-deliveries?per_page=100", null, undefined, basic(client));
  expect(res.status).toBe(200);
  return (res.body as { deliveries: Delivery[] }).deliveries;
}

describe("through the running service", () => {
  const clock = new ManualClock(Date.UTC(2031, 2, 3, 9));
  let svc: TestService;
  let receiver: TestReceiver;
  let client: { client_id: string; client_secret: string };
  let secret: string;

  beforeAll(async () => {
    receiver = await startReceiver(200);
    svc = await startTestService({ clock, catalogSize: 2000, webhooks: { intervalMs: 40, timeoutMs: 400 } });
    client = await svc.createClient({ name: "Hooks Inc", origins: ["http://localhost:3000"] });
    secret = await setEndpoint(svc, client, `${receiver.url}/hooks`);
  });
  afterEach(() => {
    receiver.script = [];
    receiver.fallback = 200;
  });
  afterAll(async () => {
    await svc.close();
    await receiver.close();
  });

  test("a connect through the Connect API delivers a signed connect.source_connected", async () => {
    const token = await svc.sessionToken(client.client_id, client.client_secret, "hook-user-1", "h1@example.com");
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
    const res = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(res.status).toBe(201);

    const request = await waitFor("the connected webhook", () =>
      receiver.requests.find((r) => r.body.includes('"connect.source_connected"') && r.body.includes("hook-user-1")),
    );
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hooks");
    expect(request.headers["content-type"]).toBe("application/json");
    const verified = verifyWebhook({ headers: request.headers, body: request.body, secret, now: clock.now() });
    const event = parseWebhookEvent(verified.payload);
    expect(event?.type).toBe("connect.source_connected");
    expect(event?.data).toMatchObject({
      client_user_id: "hook-user-1",
      source: { name: "Starfleet Pharmacy", id: STARFLEET },
      current_connections: [{ name: "Starfleet Pharmacy", id: STARFLEET }],
    });
    expect((event?.data as { session_id: string }).session_id).toMatch(/^ses_[0-9a-f]{32}$/);
    expect(request.body).not.toContain(token);
    // A wrong secret does not verify.
    expect(() => verifyWebhook({ headers: request.headers, body: request.body, secret: "whsec_" + Buffer.alloc(32, 1).toString("base64"), now: clock.now() })).toThrow();

    const engaged = await waitFor("the engaged webhook", () => receiver.requests.find((r) => r.body.includes('"user.engaged"') && r.body.includes("hook-user-1")));
    expect(JSON.parse(engaged.body).data).toMatchObject({ client_user_id: "hook-user-1", via: "connect" });
  });

  test("disconnect and session close are delivered too; close reports the service's own record of the session", async () => {
    const token = await svc.sessionToken(client.client_id, client.client_secret, "hook-user-2", "h2@example.com");
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: CLEVELAND, username: "demo", password: "demo" });
    expect((await api(svc.url, "DELETE", `/v1/connect/connections/${STARFLEET}`, token)).status).toBe(200);
    const closed = await api(svc.url, "POST", "/v1/connect/session/close", token, { status: "SUCCESS" });
    expect(closed.status).toBe(200);
    const starfleet = { name: "Starfleet Pharmacy", id: STARFLEET };
    const cleveland = { name: "Cleveland Clinic", id: CLEVELAND };
    expect(closed.body).toMatchObject({
      status: "SUCCESS",
      session_results: { connectedSources: [starfleet, cleveland], disconnectedSources: [starfleet] },
      current_connections: [cleveland],
    });

    const byType = async (type: string) =>
      waitFor(type, () => receiver.requests.find((r) => r.body.includes(`"${type}"`) && r.body.includes("hook-user-2")));
    const disconnected = JSON.parse((await byType("connect.source_disconnected")).body);
    expect(disconnected.data).toMatchObject({ source: starfleet, current_connections: [cleveland] });
    const sessionClosed = JSON.parse((await byType("connect.session_closed")).body);
    expect(parseWebhookEvent(sessionClosed)).not.toBeNull();
    expect(sessionClosed.data.session_results).toStrictEqual({ connectedSources: [starfleet, cleveland], disconnectedSources: [starfleet] });

    // A bad close body changes nothing.
    const before = (await deliveries(svc, client)).length;
    const bad = await api(svc.url, "POST", "/v1/connect/session/close", token, { status: "WHATEVER" });
    expect(bad.status).toBe(400);
    expect((await deliveries(svc, client)).length).toBe(before);
  });

  test("a flaky receiver (500, then a timeout, then 200) gets the event with one stable webhook-id", async () => {
    receiver.script = [500, "hang"];
    const start = receiver.requests.length;
    const token = await svc.sessionToken(client.client_id, client.client_secret, "flaky-user", "f@example.com");
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    const mine = () => receiver.requests.slice(start).filter((r) => r.body.includes('"connect.source_connected"'));

    await waitFor("the first attempt", () => (mine().length >= 1 ? true : undefined));
    await waitFor("the retry to be scheduled", async () =>
      (await deliveries(svc, client)).find((d) => d.type === "connect.source_connected" && d.attempts === 1 && d.state === "pending"),
    );
    clock.advance(7_000); // past the 5 s (+25 % jitter) wait
    await waitFor("the second attempt to time out", async () =>
      (await deliveries(svc, client)).find((d) => d.type === "connect.source_connected" && d.attempts === 2),
    );
    clock.advance(7 * 60_000); // past the 5 min (+25 %) wait
    const delivered = await waitFor("delivery", async () =>
      (await deliveries(svc, client)).find((d) => d.type === "connect.source_connected" && d.state === "delivered" && d.attempts === 3),
    );
    const attempts = mine();
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers["webhook-id"]))).toStrictEqual(new Set([delivered.webhook_id]));
    // Each attempt is signed at its own time (the clock the receiver saw it arrive at), over identical bytes.
    for (const r of attempts) {
      const arrivedAt = Number(r.headers["webhook-timestamp"]) * 1000;
      expect(() => verifyWebhook({ headers: r.headers, body: r.body, secret, now: arrivedAt })).not.toThrow();
      expect(r.body).toBe(attempts[0]!.body);
    }
    expect(new Set(attempts.map((r) => r.headers["webhook-timestamp"])).size).toBe(3);
    expect(delivered.log.map((l) => l.status)).toStrictEqual([500, null, 200]);
  });

  test("delivery never blocks the request: a hanging receiver does not slow a connect", async () => {
    receiver.fallback = "hang";
    const token = await svc.sessionToken(client.client_id, client.client_secret, "slow-receiver-user", "s@example.com");
    const started = performance.now();
    const res = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: CLEVELAND, username: "demo", password: "demo" });
    expect(res.status).toBe(201);
    expect(performance.now() - started).toBeLessThan(300);
  });

  test("a 410 answer disables the endpoint; setting it again re-enables it", async () => {
    receiver.fallback = 410;
    const token = await svc.sessionToken(client.client_id, client.client_secret, "gone-user", "g@example.com");
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    const endpoint = await waitFor("the endpoint to be disabled", async () => {
      const res = await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic(client));
      const body = res.body as { enabled: boolean; disabled_reason: string | null };
      return body.enabled ? undefined : body;
    });
    expect(endpoint.disabled_reason).toContain("410");
    const again = await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basic(client));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ enabled: true, disabled_reason: null, secret: null });
  });
});

test("a restart in the middle of retries loses nothing", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hc-webhook-restart-"));
  const receiver = await startReceiver(503);
  const clock = new ManualClock(Date.UTC(2031, 4, 5, 6));
  try {
    let svc = await startTestService({ clock, dataDir, catalogSize: 2000, webhooks: { intervalMs: 40, timeoutMs: 400 } });
    const client = await svc.createClient({ name: "Restart Co", origins: ["http://localhost:3000"] });
    const secret = await setEndpoint(svc, client, `${receiver.url}/in`);
    const token = await svc.sessionToken(client.client_id, client.client_secret, "restart-user", "r@example.com");
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    const failed = await waitFor("a failed first attempt", async () =>
      (await deliveries(svc, client)).find((d) => d.type === "connect.source_connected" && d.attempts === 1 && d.state === "pending"),
    );
    await svc.close();

    receiver.fallback = 200;
    clock.advance(60_000);
    svc = await startTestService({ clock, dataDir, catalogSize: 2000, webhooks: { intervalMs: 40, timeoutMs: 400 } });
    const delivered = await waitFor("delivery after the restart", async () =>
      (await deliveries(svc, client)).find((d) => d.webhook_id === failed.webhook_id && d.state === "delivered"),
    );
    expect(delivered.attempts).toBe(2);
    const sent = receiver.requests.filter((r) => r.headers["webhook-id"] === failed.webhook_id);
    expect(sent.map((r) => r.answer)).toStrictEqual([503, 200]);
    expect(sent[0]!.body).toBe(sent[1]!.body);
    verifyWebhook({ headers: sent[1]!.headers, body: sent[1]!.body, secret, now: clock.now() });
    await svc.close();
  } finally {
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
