// The app's search over the socket, and its fall back to HTTP whenever the socket cannot answer.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ABORTED, createApi, type ConnectApi, type SearchParams } from "../../src/app/api.ts";
import type { SourceSearchResult } from "../../src/protocol/connect-api.ts";

class FakeSocket {
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  /** The service accepts the socket and the token. */
  accept() {
    this.readyState = 1;
    this.onopen?.();
    this.reply({ type: "ready" });
  }
  reply(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  lastSearch() {
    return this.sent.filter((m) => m.type === "search").at(-1)!;
  }
}

const ASKED: SearchParams = { query: "clinic", type: null, page: 1, perPage: 10 };
const answer = (query: string): SourceSearchResult => ({ query, type: null, page: 1, per_page: 10, total: 0, results: [] });
const flush = () => new Promise((r) => setTimeout(r, 0));

let httpSearches: string[];
let api: ConnectApi;

beforeEach(() => {
  FakeSocket.all = [];
  httpSearches = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  const fetch = (async (url: string) => {
    httpSearches.push(url);
    return new Response(JSON.stringify(answer("by http")), { status: 200, headers: { "Content-Type": "application/json" } });
  }) as unknown as typeof globalThis.fetch;
  api = createApi({ token: "tok_1234567890abcdef", parentOrigin: "https://page.example", fetch, searchSocketUrl: "ws://service.test/v1/connect/sources/socket" });
});
afterEach(() => vi.unstubAllGlobals());

/** Opens the socket as the app does once the session is loaded, and lets its chunk load. */
async function prepared() {
  const close = api.prepareSearch!();
  for (let i = 0; i < 20 && FakeSocket.all.length === 0; i++) await flush();
  return { socket: FakeSocket.all.at(-1)!, close };
}

describe("search socket in the app", () => {
  it("says hello with the token and the page's origin, and searches by HTTP until the service is ready", async () => {
    const { socket } = await prepared();
    socket.readyState = 1;
    socket.onopen?.();
    expect(socket.sent[0]).toEqual({ type: "hello", token: "tok_1234567890abcdef", parent_origin: "https://page.example" });
    expect((await api.searchSources(ASKED)).query).toBe("by http");
    expect(httpSearches).toHaveLength(1);
  });

  it("asks on the socket once it is ready, and resolves by the answer's id", async () => {
    const { socket } = await prepared();
    socket.accept();
    const pending = api.searchSources(ASKED);
    await flush();
    expect(socket.lastSearch()).toEqual({ type: "search", id: 1, q: "clinic", source_type: null, page: 1, per_page: 10 });
    socket.reply({ type: "result", id: 99, result: answer("someone else's") });
    socket.reply({ type: "result", id: 1, result: answer("by socket") });
    expect((await pending).query).toBe("by socket");
    expect(httpSearches).toHaveLength(0);
  });

  it("rejects as HTTP would when the service refuses, and on abort", async () => {
    const { socket } = await prepared();
    socket.accept();
    const refused = api.searchSources(ASKED);
    await flush();
    socket.reply({ type: "error", id: 1, status: 401, errorCode: "SESSION_TOKEN_EXPIRED", message: "expired" });
    await expect(refused).rejects.toMatchObject({ errorCode: "SESSION_TOKEN_EXPIRED", status: 401 });
    const controller = new AbortController();
    const aborted = api.searchSources(ASKED, controller.signal);
    await flush();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ errorCode: ABORTED });
    const malformed = api.searchSources(ASKED);
    await flush();
    socket.reply({ type: "result", id: 3, result: { results: "not a list" } });
    await expect(malformed).rejects.toMatchObject({ errorCode: "BAD_RESPONSE" });
  });

  it("asks by HTTP when the socket is lost with a search on the way, and opens another at most three times", async () => {
    const { socket } = await prepared();
    socket.accept();
    const pending = api.searchSources(ASKED);
    await flush();
    socket.close();
    expect((await pending).query).toBe("by http");
    for (let i = 0; i < 5; i++) {
      await api.searchSources(ASKED);
      await flush();
      FakeSocket.all.at(-1)!.close();
    }
    expect(FakeSocket.all).toHaveLength(3);
  });

  it("opens no socket after Connect closed, not even one whose code was still loading", async () => {
    const close = api.prepareSearch!();
    close();
    for (let i = 0; i < 20; i++) await flush();
    expect(FakeSocket.all).toHaveLength(0);
    await api.searchSources(ASKED);
    expect(httpSearches).toHaveLength(1);
  });

  it("without a socket URL every search is an HTTP request", async () => {
    const plain = createApi({ token: "tok_1234567890abcdef", parentOrigin: null, fetch: (async () => new Response(JSON.stringify(answer("h")))) as unknown as typeof fetch });
    plain.prepareSearch!();
    await flush();
    expect((await plain.searchSources(ASKED)).query).toBe("h");
    expect(FakeSocket.all).toHaveLength(0);
  });
});
