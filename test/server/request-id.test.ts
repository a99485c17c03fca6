// Request ids as an operator and a caller see them: an X-Request-Id on every answer, taken from the request only
// behind a trusted proxy and only when well formed, in every log line of the request, and in 5xx messages.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, postJson, ROMULAN_UNAVAILABLE, STARFLEET } from "./support.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A pino logger whose JSON lines a test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("without trusted proxies", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ catalogSize: 2000 });
  });
  afterAll(async () => svc?.close());

  test("every answer carries a fresh id, whatever the caller sent", async () => {
    const answers = [
      await api(svc.url, "GET", "/healthz", null),
      await api(svc.url, "GET", "/no-such-path", null),
      await api(svc.url, "GET", "/v1/connect/session", null),
      await postJson(`${svc.url}/v1/connect/token`, { type: "nope" }),
      await api(svc.url, "GET", "/healthz", null, undefined, { "X-Request-Id": "caller-chosen-id" }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 401, 400, 200]);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("behind one trusted proxy", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ catalogSize: 2000, trustProxy: 1 });
  });
  afterAll(async () => svc?.close());

  test("a well-formed X-Request-Id from the proxy names the request", async () => {
    for (const id of ["abc", "req-1.2:3_X", "a".repeat(128), "0f8fad5b-d9cb-469f-a165-70867728950e"]) {
      const reply = await api(svc.url, "GET", "/healthz", null, undefined, { "X-Request-Id": id });
      expect(reply.headers.get("x-request-id")).toBe(id);
    }
  });

  test("a malformed one is replaced by a fresh id", async () => {
    for (const id of ["", "a".repeat(129), "has space", "semi;colon", "<script>", "id/with/slash", 'quo"te', "%0d%0aSet-Cookie"]) {
      const reply = await api(svc.url, "GET", "/healthz", null, undefined, { "X-Request-Id": id });
      expect(reply.headers.get("x-request-id")).toMatch(UUID);
    }
  });
});

describe("in logs and 5xx answers", () => {
  test("each request's log line and a 5xx message name the id the caller received", async () => {
    const { logger, lines } = capturingLogger();
    const svc = await startTestService({ catalogSize: 2000, logger, trustProxy: 1 });
    try {
      const client = await svc.createClient({ origins: ["http://localhost:3000"] });
      const token = await svc.sessionToken(client.client_id, client.client_secret, "log-user");
      const search = await api(svc.url, "GET", "/v1/connect/sources?q=star", token, undefined, { "X-Request-Id": "edge-42" });
      expect(search.headers.get("x-request-id")).toBe("edge-42");
      await until("the search's log line", () => lines.some((l) => l.msg === "request" && l.requestId === "edge-42"));
      const line = lines.find((l) => l.msg === "request" && l.requestId === "edge-42")!;
      expect(line).toMatchObject({ method: "GET", path: "/v1/connect/sources", status: 200 });

      // A 5xx the service meant (the source is down) names the request in its message.
      const down = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: ROMULAN_UNAVAILABLE, username: "demo", password: "demo" });
      expect(down.status).toBe(503);
      const downId = down.headers.get("x-request-id")!;
      expect(down.body).toEqual({ errorCode: "SOURCE_UNAVAILABLE", message: expect.stringContaining(`(request id ${downId}).`) });

      // A 4xx does not.
      const missing = await api(svc.url, "GET", "/v1/connect/sources/ffffffffffffffffffffffff", token);
      expect(missing.status).toBe(404);
      expect(missing.body.message).not.toContain("request id");

      const ok = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
      expect(ok.status).toBe(201);

      // An unexpected failure (the database is gone): the one error shape, the id in the message and in the error log.
      await svc.store.close();
      const broken = await postJson(`${svc.url}/v1/connect/token`, {
        type: "session",
        client_id: client.client_id,
        client_secret: client.client_secret,
        client_user_id: "after-the-database",
        client_user_email: "after@example.com",
      });
      expect(broken.status).toBe(500);
      const brokenId = broken.headers.get("x-request-id")!;
      expect(brokenId).toMatch(UUID);
      expect(broken.body).toEqual({ errorCode: "INTERNAL_ERROR", message: `Something went wrong on our side (request id ${brokenId}).` });
      await until("the error's log lines", () => lines.some((l) => l.msg === "request" && l.requestId === brokenId));
      const errorLine = lines.find((l) => l.msg === "unhandled error");
      expect(errorLine?.requestId).toBe(brokenId);
      expect(errorLine?.level).toBe(50);

      // Every request log line has an id, and none holds the tokens or the secret.
      const requestLines = lines.filter((l) => l.msg === "request");
      expect(requestLines.length).toBeGreaterThanOrEqual(5);
      for (const l of requestLines) expect(typeof l.requestId).toBe("string");
      const text = JSON.stringify(lines);
      expect(text).not.toContain(token);
      expect(text).not.toContain(client.client_secret);
    } finally {
      await svc.close().catch(() => undefined);
    }
  });
});
