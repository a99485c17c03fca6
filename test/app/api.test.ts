import { describe, expect, it, vi } from "vitest";
import { ABORTED, ApiError, BAD_RESPONSE, createApi, NETWORK_ERROR } from "../../src/app/api.ts";

function respond(status: number, body: unknown) {
  return vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } }),
  );
}

describe("Connect API client", () => {
  it("sends relative URLs with the bearer token and the parent origin", async () => {
    const fetch = respond(200, { query: "star", type: "pharmacy", page: 2, per_page: 5, total: 0, results: [] });
    const api = createApi({ token: "tok", parentOrigin: "https://customer.example", fetch: fetch as typeof globalThis.fetch });
    await api.searchSources({ query: "star fleet", type: "pharmacy", page: 2, perPage: 5 });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/v1/connect/sources?q=star+fleet&page=2&per_page=5&type=pharmacy");
    expect(init?.headers).toMatchObject({ Authorization: "Bearer tok", "Human-Connect-Parent-Origin": "https://customer.example" });
  });

  it("leaves the parent origin header out when there is no parent", async () => {
    const fetch = respond(204, undefined);
    const api = createApi({ token: "tok", parentOrigin: null, fetch: fetch as typeof globalThis.fetch });
    await api.saveUiState({ screen: "search" });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/v1/connect/ui-state");
    expect(init?.method).toBe("PUT");
    expect(JSON.parse(String(init?.body))).toEqual({ state: { screen: "search" } });
    expect(init?.headers).not.toHaveProperty("Human-Connect-Parent-Origin");
  });

  it("encodes path parameters", async () => {
    const fetch = respond(200, { id: "x" });
    const api = createApi({ token: "t", parentOrigin: null, fetch: fetch as typeof globalThis.fetch });
    await api.getSource("../session");
    expect(fetch.mock.calls[0]![0]).toBe("/v1/connect/sources/..%2Fsession");
  });

  it("maps an error body to a typed ApiError", async () => {
    const api = createApi({ token: "t", parentOrigin: null, fetch: respond(401, { errorCode: "SESSION_TOKEN_EXPIRED", message: "expired" }) as typeof fetch });
    const err = await api.getSession().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ errorCode: "SESSION_TOKEN_EXPIRED", message: "expired", status: 401 });
  });

  it("maps a failed request to NETWORK_ERROR and an answer that is not ours to BAD_RESPONSE", async () => {
    const offline = createApi({ token: "t", parentOrigin: null, fetch: (async () => Promise.reject(new TypeError("Failed to fetch"))) as typeof fetch });
    await expect(offline.getSession()).rejects.toMatchObject({ errorCode: NETWORK_ERROR });
    const html = createApi({
      token: "t",
      parentOrigin: null,
      fetch: (async () => new Response("<html>", { status: 200 })) as typeof fetch,
    });
    await expect(html.getSession()).rejects.toMatchObject({ errorCode: BAD_RESPONSE });
    const wrongShape = createApi({ token: "t", parentOrigin: null, fetch: respond(200, { connections: "no" }) as typeof fetch });
    await expect(wrongShape.getSession()).rejects.toMatchObject({ errorCode: BAD_RESPONSE });
    const gateway = createApi({ token: "t", parentOrigin: null, fetch: (async () => new Response("bad gateway", { status: 502 })) as typeof fetch });
    await expect(gateway.getSession()).rejects.toMatchObject({ errorCode: NETWORK_ERROR, status: 502 });
  });

  it("reports a cancelled search as ABORTED", async () => {
    const fetch = (async (_u: string, init?: RequestInit) => {
      if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
      return new Response("{}");
    }) as typeof globalThis.fetch;
    const api = createApi({ token: "t", parentOrigin: null, fetch });
    const c = new AbortController();
    c.abort();
    await expect(api.searchSources({ query: "", type: null, page: 1, perPage: 20 }, c.signal)).rejects.toMatchObject({ errorCode: ABORTED });
  });
});
