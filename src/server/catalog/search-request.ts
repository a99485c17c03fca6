/**
 * One search of the catalog as the Connect app asks it, by HTTP (`GET /v1/connect/sources`) or over the search socket:
 * the same checks of what was asked, the same answer.
 */
import { SOURCE_TYPES, type SourceSearchResult, type SourceSummary, type SourceType } from "../../protocol/connect-api.ts";
import type { SourceSearchQuery } from "./search-index.ts";
import type { SourceRecord } from "./types.ts";
import type { AppDeps } from "../deps.ts";
import { invalidRequest } from "../errors.ts";
import { isWellFormedUnicode } from "../validation.ts";

/** What was asked, as it arrived: query-string values, or the socket message's fields. */
export interface RawSearchParams {
  q: unknown;
  type: unknown;
  page: unknown;
  perPage: unknown;
}

const MAX_QUERY_CHARS = 200;

/** The summary a source gets in search results: no description, and a logo only when there is one. */
export function toSummary(s: SourceRecord): SourceSummary {
  const summary: SourceSummary = { id: s.id, name: s.name, type: s.type, city: s.city, state: s.state, auth: s.auth };
  if (s.logoUrl !== undefined) summary.logo_url = s.logoUrl;
  return summary;
}

function intParam(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === null || raw === "") return fallback;
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^\d{1,6}$/.test(text)) throw invalidRequest(`"${name}" must be an integer from ${min} to ${max}`);
  const n = Number(text);
  if (n < min || n > max) throw invalidRequest(`"${name}" must be an integer from ${min} to ${max}`);
  return n;
}

/** Checks a search; a bad one fails with `INVALID_REQUEST` naming the field. */
export function readSearchParams(raw: RawSearchParams): SourceSearchQuery & { query: string; type: SourceType | null } {
  const query = raw.q ?? "";
  if (typeof query !== "string" || query.length > MAX_QUERY_CHARS || !isWellFormedUnicode(query)) {
    throw invalidRequest(`"q" must be at most ${MAX_QUERY_CHARS} characters`);
  }
  const type = raw.type ?? "";
  if (typeof type !== "string" || (type !== "" && !(SOURCE_TYPES as readonly string[]).includes(type))) {
    throw invalidRequest(`"type" must be one of ${SOURCE_TYPES.join(", ")}`);
  }
  return {
    query,
    type: type === "" ? null : (type as SourceType),
    page: intParam(raw.page, "page", 1, 10_000, 1),
    perPage: intParam(raw.perPage, "per_page", 1, 50, 20),
  };
}

/** Runs a checked search; `searchMs` is the index's own time (the Server-Timing figure). */
export function searchCatalog(deps: AppDeps, asked: ReturnType<typeof readSearchParams>): { result: SourceSearchResult; searchMs: number } {
  const started = performance.now();
  const found = deps.catalog.index.search(asked);
  const searchMs = performance.now() - started;
  deps.metrics?.observeSearch(searchMs / 1000);
  return {
    searchMs,
    result: {
      query: asked.query,
      type: asked.type,
      page: asked.page,
      per_page: asked.perPage,
      total: found.total,
      results: found.results.map(toSummary),
    },
  };
}
