import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConnectApi, SearchParams } from "../../src/app/api.ts";
import { SEARCH_DEBOUNCE_MS, createSearchModel } from "../../src/app/models/search.ts";
import type { SourceSearchResult, SourceSummary } from "../../src/protocol/connect-api.ts";

const source = (name: string): SourceSummary => ({ id: name.padEnd(24, "0"), name, type: "clinic", city: "X", state: "CA", auth: "credentials" });

interface Pending {
  params: SearchParams;
  signal: AbortSignal | undefined;
  resolve: (r: SourceSearchResult) => void;
}

function controllableApi() {
  const calls: Pending[] = [];
  const api = {
    searchSources: (params: SearchParams, signal?: AbortSignal) =>
      new Promise<SourceSearchResult>((resolve) => calls.push({ params, signal, resolve })),
  } as unknown as ConnectApi;
  const answer = (i: number, names: string[], total = names.length) =>
    calls[i]!.resolve({ query: calls[i]!.params.query, type: null, page: calls[i]!.params.page, per_page: 20, total, results: names.map(source) });
  return { api, calls, answer };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("search model", () => {
  it(`waits for a ${SEARCH_DEBOUNCE_MS} ms pause in typing and sends one request for the last query`, async () => {
    const { api, calls } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    m.setQuery("s");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 10);
    m.setQuery("st");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 10);
    m.setQuery("sta");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.params.query)).toEqual(["sta"]);
    stop();
  });

  it("lets the newest search win: an older answer arriving later is dropped and its request aborted", async () => {
    const { api, calls, answer } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    m.setQuery("cle");
    await vi.advanceTimersByTimeAsync(150);
    m.setQuery("star");
    await vi.advanceTimersByTimeAsync(150);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.signal?.aborted).toBe(true);
    answer(1, ["Starfleet Pharmacy"]);
    await vi.advanceTimersByTimeAsync(0);
    answer(0, ["Cleveland Clinic"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.results.value.map((r) => r.name)).toEqual(["Starfleet Pharmacy"]);
    expect(m.status.value).toBe("loaded");
    stop();
  });

  it("sends the type filter and pages with Show more", async () => {
    const { api, calls, answer } = controllableApi();
    const searched = vi.fn();
    const m = createSearchModel({ api, perPage: 2, onSearched: searched });
    const stop = m.start();
    m.setType("clinic");
    await vi.advanceTimersByTimeAsync(150);
    expect(calls[0]!.params).toEqual({ query: "", type: "clinic", page: 1, perPage: 2 });
    answer(0, ["A", "B"], 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(searched).toHaveBeenCalledWith("", "clinic", 3);
    expect(m.hasMore()).toBe(true);
    void m.loadMore();
    expect(calls[1]!.params.page).toBe(2);
    answer(1, ["C"], 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.results.value.map((r) => r.name)).toEqual(["A", "B", "C"]);
    expect(m.hasMore()).toBe(false);
    stop();
  });

  it("reports errors but never an aborted request", async () => {
    const onError = vi.fn();
    let n = 0;
    const api = {
      searchSources: async () => {
        n++;
        throw Object.assign(new Error("x"), { name: n === 1 ? "AbortError" : "TypeError" });
      },
    } as unknown as ConnectApi;
    const m = createSearchModel({ api, onError });
    const stop = m.start();
    await vi.advanceTimersByTimeAsync(150);
    expect(onError).not.toHaveBeenCalled();
    await m.retry();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ errorCode: "NETWORK_ERROR" }));
    expect(m.status.value).toBe("error");
    stop();
  });

  it("stops searching after cleanup", async () => {
    const { api, calls } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    stop();
    m.setQuery("x");
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(0);
  });
});
