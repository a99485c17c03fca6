// The webhook SSRF guard through the running service, with private addresses not allowed (the default): endpoint
// URLs on non-public literal IPs or localhost are refused at registration (API and Portal), and a host name that
// resolves to a non-public address fails at delivery without a request and without retries.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api } from "../server/support.ts";
import { startReceiver, type TestReceiver } from "./receiver.ts";

const basic = (c: { client_id: string; client_secret: string }) =>
  ({ Authorization: "Basic " + Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64") });

let svc: TestService;
let receiver: TestReceiver;
let client: { client_id: string; client_secret: string };
const resolved: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver(200);
  svc = await startTestService({
    catalogSize: 2000,
    allowPrivateWebhooks: false,
    webhooks: {
      intervalMs: 40,
      timeoutMs: 400,
      // Stands in for a DNS answer: the name looks public, its address is the receiver's loopback one.
      resolveHost: async (name) => {
        resolved.push(name);
        return [{ address: "127.0.0.1", family: 4 }];
      },
    },
  });
  client = await svc.createClient({ name: "Guarded Co", origins: ["http://localhost:3000"] });
});
afterAll(async () => {
  await svc.close();
  await receiver.close();
});

describe("registration", () => {
  const port = () => new URL(receiver.url).port;
  const refused: [string, () => string][] = [
    ["loopback IP", () => `${receiver.url}/hooks`],
    ["localhost", () => `http://localhost:${port()}/hooks`],
    ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${port()}/hooks`],
    ["IPv6 loopback", () => "http://[::1]/hooks"],
    ["10/8", () => "https://10.1.2.3/hooks"],
    ["172.16/12", () => "https://172.20.0.5/hooks"],
    ["192.168/16", () => "https://192.168.0.10/hooks"],
    ["fc00::/7", () => "https://[fd00::5]/hooks"],
    ["cloud metadata", () => "http://169.254.169.254/latest/meta-data/"],
    ["fe80::/10", () => "https://[fe80::1]/hooks"],
    ["unspecified", () => "http://0.0.0.0:4000/"],
    ["CGNAT", () => "https://100.100.100.100/"],
    ["multicast", () => "https://239.1.2.3/"],
    ["198.18/15 (benchmarking)", () => "http://198.18.0.1/"],
    ["documentation", () => "https://203.0.113.7/hooks"],
    ["6to4 of a private address", () => "https://[2002:c0a8:1::1]/hooks"],
    ["NAT64 of the metadata service", () => "http://[64:ff9b::a9fe:a9fe]/"],
  ];

  test.each(refused)("PUT /v1/webhook-endpoint refuses a %s URL with 400 WEBHOOK_URL_INVALID and stores nothing", async (_name, url) => {
    const res = await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: url() }, basic(client));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errorCode: "WEBHOOK_URL_INVALID", message: expect.stringMatching(/must point at a public address/) });
    expect((await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic(client))).status).toBe(404);
  });

  test("the Portal refuses the same way", async () => {
    const origin = new URL(svc.url).origin;
    const signIn = await fetch(`${svc.url}/portal/api/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin },
      body: JSON.stringify({ client_id: client.client_id, client_secret: client.client_secret }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const { csrf_token: csrf } = (await signIn.json()) as { csrf_token: string };
    const res = await fetch(`${svc.url}/portal/api/webhook-endpoint`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Cookie: cookie, Origin: origin, "X-CSRF-Token": csrf },
      body: JSON.stringify({ url: "http://localhost:4000/webhooks" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: "WEBHOOK_URL_INVALID", message: expect.stringContaining("localhost (loopback)") });
    expect((await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic(client))).status).toBe(404);
  });
});

describe("delivery", () => {
  test("a host name resolving to a non-public address fails once, logged with the reason, nothing sent, no retry", async () => {
    const url = `http://hooks.example.test:${new URL(receiver.url).port}/hooks`;
    const set = await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url }, basic(client));
    expect(set.status).toBe(201);

    // Launching Connect queues `user.engaged`.
    const token = await svc.sessionToken(client.client_id, client.client_secret, "guarded-user");
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);

    type Delivery = { state: string; attempts: number; type: string; log: { outcome: string; status: number | null; error: string | null }[] };
    const until = Date.now() + 8000;
    let delivery: Delivery | undefined;
    while (!delivery && Date.now() < until) {
      const res = await api<{ deliveries: Delivery[] }>(svc.url, "GET", "/v1/webhook-deliveries", null, undefined, basic(client));
      delivery = res.body.deliveries.find((d) => d.type === "user.engaged" && d.state !== "pending");
      if (!delivery) await new Promise((r) => setTimeout(r, 25));
    }
    expect(delivery).toMatchObject({ state: "failed", attempts: 1 });
    expect(delivery!.log).toHaveLength(1);
    expect(delivery!.log[0]).toMatchObject({ outcome: "refused", status: null });
    expect(delivery!.log[0]!.error).toMatch(/hooks\.example\.test resolves to 127\.0\.0\.1, a non-public address \(loopback\)/);
    expect(resolved).toContain("hooks.example.test");
    expect(receiver.requests).toHaveLength(0);

    // Not retried: it stays failed with one attempt, and the endpoint stays enabled for later events.
    await new Promise((r) => setTimeout(r, 300));
    const again = await api<{ deliveries: Delivery[] }>(svc.url, "GET", "/v1/webhook-deliveries", null, undefined, basic(client));
    expect(again.body.deliveries.find((d) => d.type === "user.engaged")).toMatchObject({ state: "failed", attempts: 1 });
    expect((await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic(client))).body).toMatchObject({ enabled: true });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("HC_WEBHOOKS_ALLOW_PRIVATE", () => {
  test("only 1 or true opts in", async () => {
    const { allowPrivateWebhooksFromEnv } = await import("../../src/server/main.ts");
    expect(allowPrivateWebhooksFromEnv({})).toBe(false);
    expect(allowPrivateWebhooksFromEnv({ HC_WEBHOOKS_ALLOW_PRIVATE: "0" })).toBe(false);
    expect(allowPrivateWebhooksFromEnv({ HC_WEBHOOKS_ALLOW_PRIVATE: "yes" })).toBe(false);
    expect(allowPrivateWebhooksFromEnv({ HC_WEBHOOKS_ALLOW_PRIVATE: "1" })).toBe(true);
    expect(allowPrivateWebhooksFromEnv({ HC_WEBHOOKS_ALLOW_PRIVATE: "true" })).toBe(true);
  });
});
