import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { deliverOnce } from "../../src/server/webhooks/delivery.ts";
import { generateWebhookSecret, verifyWebhook } from "../../src/server/webhooks/signature.ts";
import { startReceiver, type TestReceiver } from "./receiver.ts";

const secret = generateWebhookSecret();
const body = JSON.stringify({ type: "user.engaged", timestamp: "2025-01-15T12:00:00.000Z", data: { client_user_id: "u1", human_id: "h1", via: "connect" } });
const timestamp = Math.floor(Date.now() / 1000);
let receiver: TestReceiver;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

describe("deliverOnce", () => {
  it("POSTs the signed body and reports a 2xx as delivered", async () => {
    const result = await deliverOnce({ url: `${receiver.url}/hooks`, allowPrivate: true, id: "msg_one", timestamp, body, secret });
    expect(result).toMatchObject({ outcome: "delivered", status: 200, error: null, responseSnippet: "ok" });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hooks");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.body).toBe(body);
    const verified = verifyWebhook({ headers: request.headers, body: request.body, secret });
    expect(verified).toEqual({ id: "msg_one", timestamp, payload: JSON.parse(body) });
  });

  it("reports 500 as retry with its status", async () => {
    receiver.script.push(500);
    expect(await deliverOnce({ url: receiver.url, allowPrivate: true, id: "msg_two", timestamp, body, secret })).toMatchObject({
      outcome: "retry",
      status: 500,
      error: "HTTP 500",
      responseSnippet: "status 500",
    });
  });

  it("reports 410 as gone", async () => {
    receiver.script.push(410);
    expect(await deliverOnce({ url: receiver.url, allowPrivate: true, id: "msg_3", timestamp, body, secret })).toMatchObject({ outcome: "gone", status: 410 });
  });

  it("does not follow redirects", async () => {
    receiver.script.push(307);
    const result = await deliverOnce({ url: receiver.url, allowPrivate: true, id: "msg_4", timestamp, body, secret });
    expect(result).toMatchObject({ outcome: "retry", status: 307 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    receiver.script.push("hang");
    const started = Date.now();
    const result = await deliverOnce({ url: receiver.url, allowPrivate: true, id: "msg_5", timestamp, body, secret, timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: "retry", status: null, error: "timeout after 300 ms" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it("reports a refused connection as retry with the network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await deliverOnce({ url: `http://127.0.0.1:${port}/`, allowPrivate: true, id: "msg_6", timestamp, body, secret, timeoutMs: 2000 });
    expect(result.outcome).toBe("retry");
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});

describe("deliverOnce and the address policy", () => {
  const portOf = () => new URL(receiver.url).port;

  it.each([
    ["a loopback IP", () => `${receiver.url}/hooks`, /127\.0\.0\.1 is a non-public address \(loopback\)/],
    ["localhost", () => `http://localhost:${portOf()}/hooks`, /localhost is this machine \(loopback\)/],
    ["an IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${portOf()}/hooks`, /::ffff:7f00:1 is a non-public address \(loopback\)/],
    ["IPv6 loopback", () => `http://[::1]:${portOf()}/hooks`, /::1 is a non-public address \(loopback\)/],
    ["a private IP", () => "http://10.0.0.7/hooks", /\(private\)/],
    ["the cloud metadata address", () => "http://169.254.169.254/latest/meta-data/", /\(link-local\)/],
    ["a CGNAT IP", () => "http://100.64.1.1/", /\(shared \(CGNAT\)\)/],
  ])("refuses %s without sending anything, as a non-retryable failure", async (_name, url, message) => {
    const result = await deliverOnce({ url: url(), id: "msg_ssrf", timestamp, body, secret, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: "refused", status: null, responseSnippet: null });
    expect(result.error).toMatch(message);
    expect(result.error).toContain("HC_WEBHOOKS_ALLOW_PRIVATE=1");
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses a host name when any of its addresses is non-public (custom resolver)", async () => {
    const names: string[] = [];
    const result = await deliverOnce({
      url: `http://hooks.example.test:${portOf()}/hooks`,
      id: "msg_dns",
      timestamp,
      body,
      secret,
      resolveHost: async (name) => {
        names.push(name);
        return [
          { address: "93.184.215.14", family: 4 },
          { address: "127.0.0.1", family: 4 },
        ];
      },
    });
    expect(names).toStrictEqual(["hooks.example.test"]);
    expect(result).toMatchObject({ outcome: "refused", status: null });
    expect(result.error).toMatch(/hooks\.example\.test resolves to 127\.0\.0\.1, a non-public address \(loopback\)/);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses an IPv4-mapped IPv6 answer of the resolver", async () => {
    const result = await deliverOnce({
      url: "http://mapped.example.test/hooks",
      id: "msg_mapped",
      timestamp,
      body,
      secret,
      resolveHost: async () => [{ address: "::ffff:127.0.0.1", family: 6 }],
    });
    expect(result).toMatchObject({ outcome: "refused" });
    expect(result.error).toMatch(/resolves to ::ffff:127\.0\.0\.1.*\(loopback\)/);
  });

  it("connects to the address it checked: the connection does not resolve the name again", async () => {
    // The system resolver knows no *.example.test name, so only the pinned address can reach the receiver; a
    // resolver that answers differently on a second call would be ignored as well.
    let calls = 0;
    const result = await deliverOnce({
      url: `http://rebind.example.test:${portOf()}/pinned`,
      id: "msg_pin",
      timestamp,
      body,
      secret,
      allowPrivate: true,
      resolveHost: async () => (++calls === 1 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.255.255.1", family: 4 }]),
    });
    expect(result).toMatchObject({ outcome: "delivered", status: 200 });
    expect(calls).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers.host).toBe(`rebind.example.test:${portOf()}`);
    expect(receiver.requests[0]!.path).toBe("/pinned");
  });

  it("a name that does not resolve, or resolves too slowly, is a retry", async () => {
    const missing = await deliverOnce({
      url: "http://missing.example.test/",
      id: "msg_nx",
      timestamp,
      body,
      secret,
      resolveHost: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND missing.example.test"), { code: "ENOTFOUND" });
      },
    });
    expect(missing).toMatchObject({ outcome: "retry", status: null, error: "getaddrinfo ENOTFOUND missing.example.test" });
    const slow = await deliverOnce({
      url: "http://slow.example.test/",
      id: "msg_slow",
      timestamp,
      body,
      secret,
      timeoutMs: 200,
      resolveHost: () => new Promise(() => undefined),
    });
    expect(slow).toMatchObject({ outcome: "retry", status: null, error: "timeout after 200 ms" });
  });
});
