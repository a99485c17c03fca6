/**
 * Source search, asked on every keystroke: the newest request wins and aborts the one before it; every answer is kept
 * for its query, so a query typed again shows at once and a longer query shows its prefix's answer, narrowed, while its
 * own is on the way. The count is announced once typing pauses, not on every keystroke.
 */
import { batch, effect, signal, untracked } from "@preact/signals";
import { APP_SEARCH_PAGE_SIZE, SOURCE_TYPES, type SourceSummary, type SourceType } from "../../protocol/connect-api.ts";
import { ABORTED, toApiError, type ApiError, type ConnectApi } from "../api.ts";

/** What the results list is doing: "idle" while nothing is typed and no type is chosen (the first screen shows). */
export type SearchStatus = "idle" | "loading" | "loaded" | "error";

/** Reads a type filter value from untrusted input (saved UI state, a select). */
export function toSourceType(value: unknown): SourceType | null {
  return typeof value === "string" && (SOURCE_TYPES as readonly string[]).includes(value) ? (value as SourceType) : null;
}

/** The pause in typing after which the result count is announced (and the SEARCH event sent). */
export const ANNOUNCE_DELAY_MS = 700;
const REMEMBERED_ANSWERS = 100;

interface Answer {
  results: SourceSummary[];
  total: number;
  page: number;
}

/** Lower case, single spaces: how the service reads a query too. */
const normalize = (q: string) => q.trim().toLowerCase().replace(/\s+/g, " ");

/** True when every query word starts one of the source's words (name, city, state). */
function stillMatches(s: SourceSummary, words: string[]): boolean {
  const own = `${s.name} ${s.city} ${s.state}`.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  return words.every((w) => own.some((o) => o.startsWith(w)));
}

/** Creates the search model. `onSearched` hears each settled search; `onError` each failure. */
export function createSearchModel(deps: {
  api: ConnectApi;
  perPage?: number;
  announceDelayMs?: number;
  onSearched?: (query: string, type: SourceType | null, total: number) => void;
  onError?: (error: ApiError) => void;
}) {
  const perPage = deps.perPage ?? APP_SEARCH_PAGE_SIZE;
  const announceDelayMs = deps.announceDelayMs ?? ANNOUNCE_DELAY_MS;
  const query = signal("");
  const type = signal<SourceType | null>(null);
  const results = signal<SourceSummary[]>([]);
  const total = signal(0);
  const page = signal(1);
  const status = signal<SearchStatus>("idle");
  const error = signal<ApiError | null>(null);
  /** The count for a screen reader, set once typing pauses; null while there is nothing to say. */
  const announced = signal<number | null>(null);

  const answers = new Map<string, Answer>();
  let controller: AbortController | null = null;
  let sequence = 0;
  let announceTimer: ReturnType<typeof setTimeout> | undefined;

  const keyOf = (q: string, ty: SourceType | null) => `${ty ?? ""}:${normalize(q)}`;

  function remember(key: string, answer: Answer): void {
    answers.delete(key);
    answers.set(key, answer);
    if (answers.size > REMEMBERED_ANSWERS) answers.delete(answers.keys().next().value!);
  }

  /** The answer of the longest shorter prefix already fetched, keeping the results that still match; null if none. */
  function provisional(q: string, ty: SourceType | null): SourceSummary[] | null {
    const words = normalize(q).split(" ");
    for (let n = q.length - 1; n > 0; n--) {
      const known = answers.get(keyOf(q.slice(0, n), ty));
      if (!known) continue;
      const kept = known.results.filter((s) => stillMatches(s, words));
      return kept.length > 0 ? kept : null;
    }
    return null;
  }

  function show(answer: Answer): void {
    batch(() => {
      results.value = answer.results;
      total.value = answer.total;
      page.value = answer.page;
      status.value = "loaded";
      error.value = null;
    });
  }

  /** Announces the count and reports the search once no other keystroke came for a moment. */
  function settle(q: string, ty: SourceType | null, seq: number): void {
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      if (seq !== sequence) return;
      announced.value = total.value;
      deps.onSearched?.(q, ty, total.value);
    }, announceDelayMs);
  }

  /** Runs the search for the current query and type; `append` loads the next page below the current results. */
  async function run(append = false): Promise<void> {
    controller?.abort();
    controller = null;
    clearTimeout(announceTimer);
    const seq = ++sequence;
    const q = query.value.trim();
    const ty = type.value;
    const key = keyOf(q, ty);
    announced.value = null;
    if (!append) {
      if (q === "" && ty === null) {
        batch(() => {
          results.value = [];
          total.value = 0;
          status.value = "idle";
          error.value = null;
        });
        return;
      }
      const known = answers.get(key);
      if (known) {
        show(known);
        return settle(q, ty, seq);
      }
      const early = provisional(q, ty);
      batch(() => {
        if (early) results.value = early;
        status.value = "loading";
      });
    } else {
      status.value = "loading";
    }
    const own = new AbortController();
    controller = own;
    const nextPage = append ? page.value + 1 : 1;
    try {
      const res = await deps.api.searchSources({ query: q, type: ty, page: nextPage, perPage }, own.signal);
      // A later request has started: its answer is the one that counts.
      if (seq !== sequence) return;
      const answer: Answer = {
        results: append ? [...results.value, ...res.results] : res.results,
        total: typeof res.total === "number" ? res.total : res.results.length,
        page: nextPage,
      };
      remember(key, answer);
      show(answer);
      settle(q, ty, seq);
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

  /** Searches as the query and type change, at once; returns the cleanup. */
  function start(): () => void {
    const stopEffect = effect(() => {
      // Read both so the effect re-runs when either changes; nothing else the search reads is a reason to run again.
      void query.value;
      void type.value;
      untracked(() => void run(false));
    });
    return () => {
      stopEffect();
      clearTimeout(announceTimer);
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
    announced,
    start,
    /** Sets the query; the search follows at once. */
    setQuery: (q: string) => void (query.value = q),
    /** Sets the type filter; the search follows at once. */
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
