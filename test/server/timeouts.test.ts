// A request that never finishes arriving is cut, instead of holding a socket for Node's default 300 s.
import { createServer } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, httpTimeouts } from "../../src/server/main.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ catalogSize: 2000, requestTimeoutMs: 1000 });
});
afterAll(() => svc.close());

/** Sends `head` and part of a body, never the rest; resolves with what came back and when the socket closed. */
function stall(head: string, partialBody: string): Promise<{ answer: string; closedAfterMs: number }> {
  const { port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head + partialBody));
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error("the service kept the stalled request open for 10 s"));
    }, 10_000);
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("close", () => {
      clearTimeout(giveUp);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    socket.on("error", reject);
  });
}

test("a body that stops arriving is cut within the request timeout", async () => {
  const head = `POST /v1/connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
  const { answer, closedAfterMs } = await stall(head, '{"type":"session",');
  expect(closedAfterMs).toBeLessThan(4000);
  expect(answer === "" || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
});

test("headers that stop arriving are cut too", async () => {
  const { closedAfterMs } = await stall("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n");
  expect(closedAfterMs).toBeLessThan(4000);
});

test("the defaults: requests arrive within 30 s, idle connections outlive a load balancer's 60 s", () => {
  const t = httpTimeouts(REQUEST_TIMEOUT_MS);
  expect(t.requestTimeout).toBeLessThanOrEqual(30_000);
  expect(t.headersTimeout).toBeLessThanOrEqual(t.requestTimeout);
  expect(t.connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
  expect(t.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
  // Node accepts them as they are (it refuses a headersTimeout above the requestTimeout) and applies them.
  const server = createServer(t);
  expect(server.requestTimeout).toBe(t.requestTimeout);
  expect(server.headersTimeout).toBe(t.headersTimeout);
  expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
});
