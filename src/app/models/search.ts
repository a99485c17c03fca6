/** Source search: the query and type filter, debounced requests, paging, and results where stale answers never win. */
import { batch, effect, signal } from "@preact/signals";
import { SOURCE_TYPES, type SourceSummary, type SourceType } from "../../protocol/connect-api.ts";
import { ABORTED, toApiError, type ApiError, type ConnectApi } from "../api.ts";

/** What the results list is doing. */
export type SearchStatus = "idle" | "loading" | "loaded" | "error";

/** Reads a type filter value from untrusted input (saved UI state, a select). */
export function toSourceType(value: unknown): SourceType | null {
  return typeof value === "string" && (SOURCE_TYPES as readonly string[]).includes(value) ? (value as SourceType) : null;
}

/** Creates the search model. `onSearched` hears each completed first page; `onError` each failure. */
/**
 * The pause in typing before a search is sent. The service answers in well under a millisecond, so the pause only
 * spares requests for letters typed in a quick burst.
 */
export const SEARCH_DEBOUNCE_MS = 60;

export function createSearchModel(deps: {
  api: ConnectApi;
  debounceMs?: number;
  perPage?: number;
  onSearched?: (query: string, type: SourceType | null, total: number) => void;
  onError?: (error: ApiError) => void;
}) {
  const debounceMs = deps.debounceMs ?? SEARCH_DEBOUNCE_MS;
  const perPage = deps.perPage ?? 20;
  const query = signal("");
  const type = signal<SourceType | null>(null);
  const results = signal<SourceSummary[]>([]);
  const total = signal(0);
  const page = signal(1);
  const status = signal<SearchStatus>("idle");
  const error = signal<ApiError | null>(null);

  let controller: AbortController | null = null;
  let sequence = 0;

  /** Runs the search for the current query and type; `append` loads the next page below the current results. */
  async function run(append = false): Promise<void> {
    controller?.abort();
    const own = new AbortController();
    controller = own;
    const seq = ++sequence;
    const q = query.value.trim();
    const ty = type.value;
    const nextPage = append ? page.value + 1 : 1;
    status.value = "loading";
    try {
      const res = await deps.api.searchSources({ query: q, type: ty, page: nextPage, perPage }, own.signal);
      // A later request has started: its answer is the one that counts.
      if (seq !== sequence) return;
      batch(() => {
        results.value = append ? [...results.value, ...res.results] : res.results;
        total.value = typeof res.total === "number" ? res.total : res.results.length;
        page.value = nextPage;
        status.value = "loaded";
        error.value = null;
      });
      if (!append) deps.onSearched?.(q, ty, total.value);
    } catch (err) {
      const e = toApiError(err);
      if (seq !== sequence || e.errorCode === ABORTED) return;
      batch(() => {
        status.value = "error";
        error.value = e;
      });
      deps.onError?.(e);
    } finally {
      if (controller === own) controller = null;
    }
  }

  /** Starts searching as the query and type change (debounced); returns the cleanup. */
  function start(): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopEffect = effect(() => {
      // Read both so the effect re-runs when either changes.
      void query.value;
      void type.value;
      clearTimeout(timer);
      timer = setTimeout(() => void run(false), debounceMs);
    });
    return () => {
      stopEffect();
      clearTimeout(timer);
      controller?.abort();
      sequence++;
    };
  }

  const hasMore = () => results.value.length < total.value;

  return {
    query,
    type,
    results,
    total,
    page,
    status,
    error,
    start,
    /** Sets the query; the search follows after the debounce. */
    setQuery: (q: string) => void (query.value = q),
    /** Sets the type filter; the search follows after the debounce. */
    setType: (t: SourceType | null) => void (type.value = t),
    /** Loads the next page, when there is one. */
    loadMore: () => (hasMore() && status.value !== "loading" ? run(true) : Promise.resolve()),
    /** Runs the current search again now (after an error). */
    retry: () => run(false),
    hasMore,
  };
}

/** The search model's shape. */
export type SearchModel = ReturnType<typeof createSearchModel>;
