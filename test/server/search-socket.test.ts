// The search socket over a real service: what the app sends, what a hostile peer sends, and what the service answers.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { SEARCH_SOCKET_PATH, type SearchSocketReply } from "../../src/protocol/connect-api.ts";
import { ManualClock } from "../../src/server/clock.ts";
import { HELLO_TIMEOUT_MS, MAX_MESSAGE_BYTES } from "../../src/server/catalog/search-socket.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const PAGE = "http://localhost:3000";
let service: TestService;
let clock: ManualClock;
let socketUrl: string;
let ownOrigin: string;
let token: string;

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  service = await startTestService({ clock, catalogSize: 2_000, webhooks: false });
  socketUrl = service.url.replace("http", "ws") + SEARCH_SOCKET_PATH;
  ownOrigin = service.url;
  const client = await service.createClient({ origins: [PAGE] });
  token = await service.sessionToken(client.client_id, client.client_secret, "socket-user");
});
afterAll(() => service.close());

/** A socket with the queue of what it was sent, and how it closed. */
async function open(headers: Record<string, string> = { Origin: ownOrigin }) {
  const ws = new WebSocket(socketUrl, { headers });
  const replies: SearchSocketReply[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data) => {
    replies.push(JSON.parse(String(data)) as SearchSocketReply);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = async (): Promise<SearchSocketReply> => {
    while (replies.length === 0) await new Promise<void>((r) => waiters.push(r));
    return replies.shift()!;
  };
  return { ws, next, closed };
}

async function ready() {
  const s = await open();
  s.ws.send(JSON.stringify({ type: "hello", token, parent_origin: PAGE }));
  expect(await s.next()).toEqual({ type: "ready" });
  return s;
}

/** The status an upgrade was refused with, before any socket existed. */
function refusedWith(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => reject(new Error("the upgrade was accepted")));
    ws.on("error", () => undefined);
  });
}

describe("search socket", () => {
  test("answers each search as GET /v1/connect/sources answers it, by its id", async () => {
    const s = await ready();
    s.ws.send(JSON.stringify({ type: "search", id: 7, q: "clinic", source_type: "clinic", page: 1, per_page: 5 }));
    const reply = await s.next();
    const http = await fetch(`${service.url}/v1/connect/sources?q=clinic&type=clinic&page=1&per_page=5`, {
      headers: { Authorization: `Bearer ${token}` },
    }).then((r) => r.json());
    expect(reply).toEqual({ type: "result", id: 7, result: http });
    expect((http as { results: unknown[] }).results.length).toBe(5);
    s.ws.close();
  });

  test("refuses pages of other origins, other paths and a missing Origin before the upgrade", async () => {
    expect(await refusedWith(socketUrl, { Origin: PAGE })).toBe(403);
    expect(await refusedWith(socketUrl, {})).toBe(403);
    expect(await refusedWith(service.url.replace("http", "ws") + "/v1/connect/other", { Origin: ownOrigin })).toBe(404);
  });

  test("a bad token is refused with the HTTP API's code, and the socket closes", async () => {
    const s = await open();
    s.ws.send(JSON.stringify({ type: "hello", token: "x".repeat(40), parent_origin: PAGE }));
    expect(await s.next()).toMatchObject({ type: "error", id: null, status: 401, errorCode: "SESSION_TOKEN_INVALID" });
    expect((await s.closed).code).toBe(4401);
  });

  test("a page origin the client does not allow is refused", async () => {
    const s = await open();
    s.ws.send(JSON.stringify({ type: "hello", token, parent_origin: "https://evil.example" }));
    expect(await s.next()).toMatchObject({ type: "error", status: 403, errorCode: "ORIGIN_NOT_ALLOWED" });
    expect((await s.closed).code).toBe(4401);
  });

  test("searches before hello, malformed messages and bad searches get INVALID_REQUEST and change nothing", async () => {
    const s = await open();
    s.ws.send(JSON.stringify({ type: "search", id: 1, q: "a", source_type: null, page: 1, per_page: 5 }));
    expect(await s.next()).toMatchObject({ type: "error", id: 1, status: 400, errorCode: "INVALID_REQUEST" });
    s.ws.send(JSON.stringify({ type: "hello", token, parent_origin: PAGE }));
    expect(await s.next()).toEqual({ type: "ready" });
    for (const bad of ["not json", "[1,2]", JSON.stringify({ type: "drop tables" }), JSON.stringify({ type: "search", id: -1 })]) {
      s.ws.send(bad);
      expect(await s.next()).toMatchObject({ type: "error", id: null, errorCode: "INVALID_REQUEST" });
    }
    const searches = [
      { q: "x".repeat(201) },
      { q: "\ud800" },
      { source_type: "spaceship" },
      { per_page: 51 },
      { page: 0 },
      { page: "1; drop" },
      { q: 42 },
    ];
    for (const [i, fields] of searches.entries()) {
      s.ws.send(JSON.stringify({ type: "search", id: 100 + i, q: "a", source_type: null, page: 1, per_page: 5, ...fields }));
      expect(await s.next()).toMatchObject({ type: "error", id: 100 + i, status: 400, errorCode: "INVALID_REQUEST" });
    }
    s.ws.send(JSON.stringify({ type: "hello", token, parent_origin: PAGE }));
    expect(await s.next()).toMatchObject({ type: "error", errorCode: "INVALID_REQUEST" });
    // Still open and still answering.
    s.ws.send(JSON.stringify({ type: "search", id: 200, q: "lab", source_type: null, page: 1, per_page: 3 }));
    expect(await s.next()).toMatchObject({ type: "result", id: 200 });
    s.ws.close();
  });

  test("binary and oversized messages close the socket", async () => {
    const binary = await ready();
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.closed).code).toBe(1003);
    const big = await ready();
    big.ws.send(JSON.stringify({ type: "search", id: 1, q: "a".repeat(MAX_MESSAGE_BYTES) }));
    expect((await big.closed).code).toBe(1009);
  });

  test("a socket that never says hello is closed after the hello timeout, whatever else it sends", async () => {
    const s = await open();
    const started = Date.now();
    const chatter = setInterval(() => s.ws.send(JSON.stringify({ type: "search", id: 1, q: "a" })), 1_000);
    try {
      expect((await s.closed).code).toBe(1008);
    } finally {
      clearInterval(chatter);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(HELLO_TIMEOUT_MS - 100);
    expect(Date.now() - started).toBeLessThan(HELLO_TIMEOUT_MS + 2_000);
  }, 15_000);

  test("a token that expires while the socket is open stops it at the next search", async () => {
    const s = await ready();
    clock.advance(2 * 60 * 60_000);
    try {
      s.ws.send(JSON.stringify({ type: "search", id: 3, q: "lab", source_type: null, page: 1, per_page: 3 }));
      expect(await s.next()).toMatchObject({ type: "error", id: 3, status: 401, errorCode: "SESSION_TOKEN_EXPIRED" });
      expect((await s.closed).code).toBe(4401);
    } finally {
      clock.advance(-2 * 60 * 60_000);
    }
  });
});

describe("search socket at shutdown", () => {
  test("open sockets are closed as going away, and the service still stops", async () => {
    const own = await startTestService({ catalogSize: 500, webhooks: false });
    const client = await own.createClient({ origins: [PAGE] });
    const t = await own.sessionToken(client.client_id, client.client_secret, "closing-user");
    const ws = new WebSocket(own.url.replace("http", "ws") + SEARCH_SOCKET_PATH, { headers: { Origin: own.url } });
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ type: "hello", token: t, parent_origin: PAGE }));
    await new Promise((resolve) => ws.once("message", resolve));
    await own.close();
    expect(await closed).toBe(1001);
  });
});
