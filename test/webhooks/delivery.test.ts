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
    const result = await deliverOnce({ url: `${receiver.url}/hooks`, id: "msg_one", timestamp, body, secret });
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
    expect(await deliverOnce({ url: receiver.url, id: "msg_two", timestamp, body, secret })).toMatchObject({
      outcome: "retry",
      status: 500,
      error: "HTTP 500",
      responseSnippet: "status 500",
    });
  });

  it("reports 410 as gone", async () => {
    receiver.script.push(410);
    expect(await deliverOnce({ url: receiver.url, id: "msg_3", timestamp, body, secret })).toMatchObject({ outcome: "gone", status: 410 });
  });

  it("does not follow redirects", async () => {
    receiver.script.push(307);
    const result = await deliverOnce({ url: receiver.url, id: "msg_4", timestamp, body, secret });
    expect(result).toMatchObject({ outcome: "retry", status: 307 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    receiver.script.push("hang");
    const started = Date.now();
    const result = await deliverOnce({ url: receiver.url, id: "msg_5", timestamp, body, secret, timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: "retry", status: null, error: "timeout after 300 ms" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it("reports a refused connection as retry with the network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await deliverOnce({ url: `http://127.0.0.1:${port}/`, id: "msg_6", timestamp, body, secret, timeoutMs: 2000 });
    expect(result.outcome).toBe("retry");
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
