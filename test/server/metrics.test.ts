// GET /metrics as Prometheus scrapes it: only with the metrics token, after real traffic (tokens, connections, a
// refused token request, searches, an invitation email, webhook deliveries), with route patterns as labels and no
// token, user id, email, source id or raw path in any label.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { SEARCH_SOCKET_PATH } from "../../src/protocol/connect-api.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { api, postJson, ENTERPRISE_MFA, STARFLEET, type Reply } from "./support.ts";

const METRICS_TOKEN = "scrape-0123456789abcdef-token";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the Prometheus text format into samples. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = raw!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels; 0 when absent. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, token: string | null = METRICS_TOKEN): Promise<Reply> {
  const res = await fetch(`${url}/metrics`, token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown>, text };
}

const basic = (c: { client_id: string; client_secret: string }) => ({
  Authorization: "Basic " + Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64"),
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("with HC_METRICS_TOKEN set", () => {
  let svc: TestService;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver(200);
    svc = await startTestService({ catalogSize: 2000, metricsToken: METRICS_TOKEN, webhooks: { intervalMs: 40, timeoutMs: 400 } });
  });
  afterAll(async () => {
    await svc?.close();
    await receiver?.close();
  });

  test("answers 401 in the service's error shape without the right bearer token", async () => {
    for (const token of [null, "", "wrong-token-0123456789abcdef", METRICS_TOKEN.slice(0, -1), METRICS_TOKEN + "x"]) {
      const reply = await scrape(svc.url, token);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ errorCode: "METRICS_TOKEN_INVALID", message: expect.any(String) });
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(reply.text).not.toContain("hc_");
    }
    const basicAuth = await fetch(`${svc.url}/metrics`, { headers: { Authorization: "Basic " + Buffer.from(`x:${METRICS_TOKEN}`).toString("base64") } });
    expect(basicAuth.status).toBe(401);
  });

  test("counts real traffic by type, method, code, outcome and transport, and labels routes by pattern only", async () => {
    const client = await svc.createClient({ name: "Metrics Co", origins: ["http://localhost:3000"], permissions: { clientTokens: true } });
    const endpoint = await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basic(client));
    expect(endpoint.status).toBe(201);
    const webhookSecret = (endpoint.body as { secret: string }).secret;

    const userId = "metrics-user-7f3a";
    const email = "metrics.person@example.com";
    const before = parseExposition((await scrape(svc.url)).text);

    const sessionToken = await svc.sessionToken(client.client_id, client.client_secret, userId, email);
    const session = await api<{ human_id: string }>(svc.url, "GET", "/v1/connect/session", sessionToken);
    expect(session.status).toBe(200);
    const humanId = session.body.human_id;

    expect((await api(svc.url, "GET", "/v1/connect/sources?q=starfleet", sessionToken)).status).toBe(200);
    expect((await api(svc.url, "GET", "/v1/connect/sources?q=enterprise", sessionToken)).status).toBe(200);
    expect((await api(svc.url, "GET", `/v1/connect/sources/${STARFLEET}`, sessionToken)).status).toBe(200);

    const connected = await api(svc.url, "POST", "/v1/connect/connections", sessionToken, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(connected.status).toBe(201);
    const challenge = await api<{ status: string; challenge: { challenge_id: string } }>(svc.url, "POST", "/v1/connect/connections", sessionToken, {
      source_id: ENTERPRISE_MFA,
      username: "demo",
      password: "demo",
    });
    expect(challenge.body.status).toBe("mfa_required");
    const mfa = await api(svc.url, "POST", "/v1/connect/connections/mfa", sessionToken, { challenge_id: challenge.body.challenge.challenge_id, code: "123456" });
    expect(mfa.status).toBe(201);
    expect((await api(svc.url, "DELETE", `/v1/connect/connections/${STARFLEET}`, sessionToken)).status).toBe(200);

    const creds = { client_id: client.client_id, client_secret: client.client_secret };
    const idReply = await postJson<{ id_token: string; id_refresh_token: string }>(`${svc.url}/v1/connect/token`, { type: "id", ...creds, client_user_id: userId });
    expect(idReply.status).toBe(200);
    const refreshed = await postJson<{ id_token: string; id_refresh_token: string }>(`${svc.url}/v1/connect/token`, {
      type: "refresh",
      ...creds,
      id_refresh_token: idReply.body.id_refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const clientToken = await postJson<{ client_token: string }>(`${svc.url}/v1/connect/token`, { type: "client", ...creds });
    expect(clientToken.status).toBe(200);
    const wrongSecret = await postJson(`${svc.url}/v1/connect/token`, { type: "client", client_id: client.client_id, client_secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(401);
    const wrongType = await postJson(`${svc.url}/v1/connect/token`, { type: "magic", ...creds });
    expect(wrongType.status).toBe(400);

    const invitation = await api(svc.url, "POST", "/v1/connect/invitations", null, { client_user_id: "invited-user-9c1d", email: "invitee.person@example.com" }, basic(client));
    expect(invitation.status).toBe(201);
    expect(invitation.body.transport).toBe("outbox");

    expect((await api(svc.url, "GET", `/no/such/page/${STARFLEET}`, null)).status).toBe(404);

    // Every queued event delivered and recorded, so that the counts below are final.
    const delivered = await waitFor("every webhook delivered", async () => {
      const res = await api<{ deliveries: { state: string }[] }>(svc.url, "GET", "/v1/webhook-deliveries?per_page=100", null, undefined, basic(client));
      const list = res.body.deliveries;
      return list.length >= 3 && list.every((d) => d.state === "delivered") ? list.length : undefined;
    });

    const reply = await scrape(svc.url);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    const after = parseExposition(reply.text);
    const grew = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(grew("hc_tokens_issued_total", { type: "session" })).toBe(1);
    expect(grew("hc_tokens_issued_total", { type: "id" })).toBe(2);
    expect(grew("hc_tokens_issued_total", { type: "refresh" })).toBe(2);
    expect(grew("hc_tokens_issued_total", { type: "client" })).toBe(1);
    expect(grew("hc_token_refusals_total", { error_code: "INVALID_CLIENT_ID_OR_SECRET" })).toBe(1);
    expect(grew("hc_token_refusals_total", { error_code: "INVALID_TOKEN_TYPE" })).toBe(1);

    expect(grew("hc_connections_made_total", { method: "credentials" })).toBe(1);
    expect(grew("hc_connections_made_total", { method: "mfa" })).toBe(1);
    expect(grew("hc_connections_made_total", { method: "oauth" })).toBe(0);
    expect(after.some((s) => s.name === "hc_connections_made_total" && s.labels.method === "oauth")).toBe(true);
    expect(grew("hc_connections_removed_total", { method: "credentials" })).toBe(1);

    expect(grew("hc_webhook_deliveries_total", { outcome: "delivered" })).toBe(delivered);
    expect(grew("hc_webhook_deliveries_total", { outcome: "failed" })).toBe(0);
    expect(valueOf(after, "hc_webhook_outbox_backlog")).toBe(0);

    expect(grew("hc_emails_sent_total", { transport: "outbox" })).toBe(1);
    expect(grew("hc_emails_sent_total", { transport: "smtp" })).toBe(0);

    expect(grew("hc_search_duration_seconds_count")).toBe(2);
    expect(valueOf(after, "hc_search_duration_seconds_sum")).toBeGreaterThan(0);

    const requests = (labels: Record<string, string>) => grew("hc_http_request_duration_seconds_count", labels);
    expect(requests({ route: "/v1/connect/sources/:id", method: "GET", status: "200" })).toBe(1);
    expect(requests({ route: "/v1/connect/sources", method: "GET", status: "200" })).toBe(2);
    expect(requests({ route: "/v1/connect/connections/:source_id", method: "DELETE", status: "200" })).toBe(1);
    expect(requests({ route: "/v1/connect/token", method: "POST", status: "200" })).toBe(4);
    expect(requests({ route: "/v1/connect/token", method: "POST", status: "401" })).toBe(1);
    expect(requests({ route: "unmatched", method: "GET", status: "404" })).toBe(1);

    // Node's default process metrics are there too.
    expect(after.some((s) => s.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(after.some((s) => s.name === "nodejs_heap_size_used_bytes")).toBe(true);

    // No label carries anything a request said about itself.
    const secrets = [
      sessionToken,
      idReply.body.id_token,
      idReply.body.id_refresh_token,
      refreshed.body.id_token,
      refreshed.body.id_refresh_token,
      clientToken.body.client_token,
      client.client_id,
      client.client_secret,
      webhookSecret,
      METRICS_TOKEN,
      userId,
      humanId,
      email,
      "invited-user-9c1d",
      "invitee.person@example.com",
      STARFLEET,
      ENTERPRISE_MFA,
      "starfleet",
      "/no/such/page",
    ];
    const labelValues = after.flatMap((s) => Object.values(s.labels));
    for (const secret of secrets) {
      expect(labelValues.filter((v) => v.includes(secret))).toEqual([]);
    }
    const routes = new Set(after.filter((s) => s.name.startsWith("hc_http_request_duration_seconds")).map((s) => s.labels.route));
    for (const route of routes) {
      expect(route === "unmatched" || (route?.startsWith("/") && !/[0-9a-f]{24}/.test(route))).toBe(true);
    }
  });

  test("counts a repair apart from a new connection, and times socket searches as method WS", async () => {
    const client = await svc.createClient({ name: "Repair Co", origins: ["http://localhost:3000"] });
    const userId = "metrics-repair-2b7e";
    const before = parseExposition((await scrape(svc.url)).text);
    const token = await svc.sessionToken(client.client_id, client.client_secret, userId);
    const connect = () => api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect((await connect()).status).toBe(201);
    const broken = await api(svc.url, "POST", "/v1/sandbox/connections/break", null, { client_user_id: userId, source_id: STARFLEET }, basic(client));
    expect(broken.status).toBe(200);
    expect((await connect()).status).toBe(201);

    const ws = new WebSocket(svc.url.replace("http", "ws") + SEARCH_SOCKET_PATH, { headers: { Origin: svc.url } });
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on("message", (data) => {
        replies.push(String(data));
        // Searches follow the service's "ready", as the app sends them.
        if (replies.length === 1) ws.send(JSON.stringify({ type: "search", id: 1, q: "starfleet", source_type: null, page: 1, per_page: 5 }));
        if (replies.length === 2) resolve();
      });
      ws.on("error", reject);
      ws.on("open", () => ws.send(JSON.stringify({ type: "hello", token, parent_origin: null })));
    });
    ws.close();
    expect(JSON.parse(replies[1]!)).toMatchObject({ type: "result", id: 1 });

    const after = parseExposition((await scrape(svc.url)).text);
    const grew = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(grew("hc_connections_made_total", { method: "credentials" })).toBe(1);
    expect(grew("hc_connections_repaired_total", { method: "credentials" })).toBe(1);
    expect(after.some((s) => s.name === "hc_connections_repaired_total" && s.labels.method === "oauth")).toBe(true);
    expect(grew("hc_http_request_duration_seconds_count", { route: SEARCH_SOCKET_PATH, method: "WS", status: "200" })).toBe(1);
  });
});

describe("the outbox backlog", () => {

  test("counts messages waiting for delivery, read from the store at each scrape", async () => {
    const receiver = await startReceiver(200);
    // No worker in this process: queued messages stay in the outbox.
    const svc = await startTestService({ catalogSize: 2000, metricsToken: METRICS_TOKEN, webhooks: false });
    try {
      const client = await svc.createClient({ origins: ["http://localhost:3000"] });
      expect((await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basic(client))).status).toBe(201);
      expect(valueOf(parseExposition((await scrape(svc.url)).text), "hc_webhook_outbox_backlog")).toBe(0);
      const token = await svc.sessionToken(client.client_id, client.client_secret, "backlog-user");
      expect((await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" })).status).toBe(201);
      const queued = (await api<{ total: number }>(svc.url, "GET", "/v1/webhook-deliveries", null, undefined, basic(client))).body.total;
      expect(queued).toBeGreaterThan(0);
      expect(valueOf(parseExposition((await scrape(svc.url)).text), "hc_webhook_outbox_backlog")).toBe(queued);
    } finally {
      await svc.close();
      await receiver.close();
    }
  });
});

describe("a receiver that fails", () => {
  test("its attempts count as retry, and the message stays in the backlog", async () => {
    const receiver = await startReceiver(500);
    const svc = await startTestService({ catalogSize: 2000, metricsToken: METRICS_TOKEN, webhooks: { intervalMs: 40, timeoutMs: 400 } });
    try {
      const client = await svc.createClient({ origins: ["http://localhost:3000"] });
      expect((await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basic(client))).status).toBe(201);
      const token = await svc.sessionToken(client.client_id, client.client_secret, "retry-user");
      expect((await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" })).status).toBe(201);
      const samples = await waitFor("a recorded retry", async () => {
        const parsed = parseExposition((await scrape(svc.url)).text);
        return valueOf(parsed, "hc_webhook_deliveries_total", { outcome: "retry" }) >= 1 ? parsed : undefined;
      });
      expect(valueOf(samples, "hc_webhook_deliveries_total", { outcome: "delivered" })).toBe(0);
      expect(valueOf(samples, "hc_webhook_outbox_backlog")).toBeGreaterThanOrEqual(1);
    } finally {
      await svc.close();
      await receiver.close();
    }
  });
});

describe("without HC_METRICS_TOKEN", () => {
  test("/metrics does not exist: the same 404 as any unknown path, with or without a token", async () => {
    const svc = await startTestService({ catalogSize: 2000 });
    try {
      const unknown = await api(svc.url, "GET", "/no-such-path", null);
      for (const token of [null, METRICS_TOKEN]) {
        const reply = await scrape(svc.url, token);
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual(unknown.body);
      }
    } finally {
      await svc.close();
    }
  });
});
