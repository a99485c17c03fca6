import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConnectApi, SearchParams } from "../../src/app/api.ts";
import { ANNOUNCE_DELAY_MS, createSearchModel } from "../../src/app/models/search.ts";
import type { SourceSearchResult, SourceSummary } from "../../src/protocol/connect-api.ts";

const source = (name: string, city = "X"): SourceSummary => ({ id: name.padEnd(24, "0"), name, type: "clinic", city, state: "CA", auth: "credentials" });

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
    calls[i]!.resolve({ query: calls[i]!.params.query, type: null, page: calls[i]!.params.page, per_page: 20, total, results: names.map((n) => source(n)) });
  return { api, calls, answer };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("search model", () => {
  it("asks on every keystroke, at once, for a screenful, aborting the request before", () => {
    const { api, calls } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    expect(calls).toHaveLength(0);
    m.setQuery("s");
    m.setQuery("st");
    m.setQuery("sta");
    expect(calls.map((c) => c.params.query)).toEqual(["s", "st", "sta"]);
    expect(calls.map((c) => c.signal?.aborted)).toEqual([true, true, false]);
    expect(calls[2]!.params.perPage).toBe(10);
    expect(m.status.value).toBe("loading");
    stop();
    expect(calls[2]!.signal?.aborted).toBe(true);
  });

  it("lets the newest search win: an older answer arriving later is dropped", async () => {
    const { api, calls, answer } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    m.setQuery("cle");
    m.setQuery("star");
    answer(1, ["Starfleet Pharmacy"]);
    await vi.advanceTimersByTimeAsync(0);
    answer(0, ["Cleveland Clinic"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.results.value.map((r) => r.name)).toEqual(["Starfleet Pharmacy"]);
    expect(m.status.value).toBe("loaded");
    stop();
  });

  it("shows the answer of a shorter prefix, narrowed, while the longer query is in flight, and reuses answers", async () => {
    const { api, calls, answer } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    m.setQuery("st");
    answer(0, ["Starfleet Pharmacy", "Stone Clinic", "Boston Lab"]);
    await vi.advanceTimersByTimeAsync(0);
    m.setQuery("star");
    // While "star" is asked, what "st" found and still matches shows, marked as loading.
    expect(m.status.value).toBe("loading");
    expect(m.results.value.map((r) => r.name)).toEqual(["Starfleet Pharmacy"]);
    answer(1, ["Starfleet Pharmacy", "Star Clinic"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.results.value.map((r) => r.name)).toEqual(["Starfleet Pharmacy", "Star Clinic"]);
    // Back to a query already answered: shown at once, with no request.
    m.setQuery("st");
    expect(calls).toHaveLength(2);
    expect(m.status.value).toBe("loaded");
    expect(m.results.value.map((r) => r.name)).toEqual(["Starfleet Pharmacy", "Stone Clinic", "Boston Lab"]);
    stop();
  });

  it("announces the count and reports the search once typing pauses", async () => {
    const { api, answer } = controllableApi();
    const searched = vi.fn();
    const m = createSearchModel({ api, onSearched: searched });
    const stop = m.start();
    m.setQuery("st");
    answer(0, ["A", "B"], 42);
    await vi.advanceTimersByTimeAsync(ANNOUNCE_DELAY_MS - 100);
    expect(m.announced.value).toBeNull();
    m.setQuery("sta");
    answer(1, ["A"], 7);
    await vi.advanceTimersByTimeAsync(ANNOUNCE_DELAY_MS - 1);
    expect(m.announced.value).toBeNull();
    expect(searched).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(m.announced.value).toBe(7);
    expect(searched).toHaveBeenCalledExactlyOnceWith("sta", null, 7);
    m.setQuery("stan");
    expect(m.announced.value).toBeNull();
    stop();
  });

  it("asks nothing and shows no results while nothing is typed and no type is chosen", () => {
    const { api, calls } = controllableApi();
    const m = createSearchModel({ api });
    const stop = m.start();
    m.setQuery("  ");
    expect(calls).toHaveLength(0);
    expect(m.status.value).toBe("idle");
    stop();
  });

  it("sends the type filter and pages with Show more", async () => {
    const { api, calls, answer } = controllableApi();
    const searched = vi.fn();
    const m = createSearchModel({ api, perPage: 2, onSearched: searched });
    const stop = m.start();
    m.setType("clinic");
    expect(calls[0]!.params).toEqual({ query: "", type: "clinic", page: 1, perPage: 2 });
    answer(0, ["A", "B"], 3);
    await vi.advanceTimersByTimeAsync(ANNOUNCE_DELAY_MS);
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
    m.setQuery("x");
    await vi.advanceTimersByTimeAsync(0);
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
