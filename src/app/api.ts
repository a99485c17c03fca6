/**
 * Typed client of the Connect API (src/protocol/connect-api.ts). The app is served by the Connect service, so every
 * URL is relative. Failures of any kind surface as `ApiError` with a stable `errorCode`.
 */
import {
  PARENT_ORIGIN_HEADER,
  type ConnectCredentialsBody,
  type ConnectResult,
  type DisconnectResult,
  type OAuthAttemptStatus,
  type OAuthStartResult,
  type SessionView,
  type SourceDetail,
  type SourceSearchResult,
  type SourceType,
  type SubmitMfaBody,
  type SuggestedSources,
  type UiState,
} from "../protocol/connect-api.ts";

/** Codes the client adds to the service's own: no answer at all, an answer that is not ours, a cancelled request. */
export const NETWORK_ERROR = "NETWORK_ERROR";
export const BAD_RESPONSE = "BAD_RESPONSE";
export const ABORTED = "ABORTED";

/** An error answered by the service (`{errorCode, message}`) or met on the way to it. */
export class ApiError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Turns anything thrown into an `ApiError`. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && err.name === "AbortError") return new ApiError(ABORTED, "Request cancelled", 0);
  return new ApiError(NETWORK_ERROR, err instanceof Error ? err.message : "Network error", 0);
}

/** Parameters of a source search. */
export interface SearchParams {
  query: string;
  type: SourceType | null;
  page: number;
  perPage: number;
}

/** What the app asks of the Connect service. */
export interface ConnectApi {
  getSession(): Promise<SessionView>;
  searchSources(params: SearchParams, signal?: AbortSignal): Promise<SourceSearchResult>;
  /** Opens the search socket ahead of the first keystroke, where there is one; returns its close. */
  prepareSearch?(): () => void;
  getSource(id: string): Promise<SourceDetail>;
  /** The first screen's sources: the pinned ids that name a source, in order, then popular ones. */
  suggestedSources(pinned: readonly string[]): Promise<SuggestedSources>;
  connectWithCredentials(body: ConnectCredentialsBody): Promise<ConnectResult>;
  submitMfa(body: SubmitMfaBody): Promise<ConnectResult>;
  /** Starts an OAuth attempt: for the popup, or (with `returnUrl`) by full-page redirect back to that page. */
  startOAuth(sourceId: string, returnUrl?: string): Promise<OAuthStartResult>;
  getOAuthAttempt(attemptId: string): Promise<OAuthAttemptStatus>;
  /** Redeems the code the OAuth popup handed to this window; the service connects the source for this session only. */
  completeOAuth(attemptId: string, code: string): Promise<OAuthAttemptStatus>;
  /** Redeems the completion secret a redirect sign-in came back with; the service accepts it from the attempt's user only. */
  resumeOAuth(attemptId: string, completionSecret: string): Promise<OAuthAttemptStatus>;
  disconnect(sourceId: string): Promise<DisconnectResult>;
  saveUiState(state: UiState): Promise<void>;
  closeSession(): Promise<void>;
}

/** How to reach the service: the bearer token, the embedding page's origin (null in hosted mode), and a fetch. */
export interface ApiOptions {
  token: string;
  parentOrigin: string | null;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** The search socket's ws(s):// URL; without it every search is an HTTP request. */
  searchSocketUrl?: string;
}

/** Times the app opens a search socket, so that a service or proxy that cannot keep one is not asked forever. */
const SOCKET_TRIES = 3;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Creates the Connect API client. */
export function createApi(opts: ApiOptions): ConnectApi {
  const base = opts.baseUrl ?? "";
  const doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(
    method: string,
    path: string,
    init: { body?: unknown; signal?: AbortSignal; keepalive?: boolean; check?: (v: Record<string, unknown>) => boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${opts.token}` };
    if (opts.parentOrigin) headers[PARENT_ORIGIN_HEADER] = opts.parentOrigin;
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
        keepalive: init.keepalive,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (err) {
      throw toApiError(err);
    }
    if (res.status === 204) return undefined as T;
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      if (err instanceof Error && err.name === "AbortError") throw toApiError(err);
      body = undefined;
    }
    if (!res.ok) {
      if (isObject(body) && typeof body.errorCode === "string") {
        throw new ApiError(body.errorCode, typeof body.message === "string" ? body.message : body.errorCode, res.status);
      }
      throw new ApiError(res.status >= 500 ? NETWORK_ERROR : BAD_RESPONSE, `HTTP ${res.status}`, res.status);
    }
    if (!isObject(body) || (init.check && !init.check(body))) {
      throw new ApiError(BAD_RESPONSE, "Unexpected response from the service", res.status);
    }
    return body as T;
  }

  let socket: import("./search-socket.ts").SearchSocket | undefined;
  let socketTries = 0;
  const searchByHttp = (p: SearchParams, signal?: AbortSignal): Promise<SourceSearchResult> => {
    const qs = new URLSearchParams({ q: p.query, page: String(p.page), per_page: String(p.perPage) });
    if (p.type) qs.set("type", p.type);
    return request("GET", `/v1/connect/sources?${qs}`, { signal, check: hasSources("results") });
  };
  /** Opens the socket once, and again (up to SOCKET_TRIES) when it was lost; its code is a chunk of its own. */
  const openSocket = () => {
    const url = opts.searchSocketUrl;
    if (url && socketTries < SOCKET_TRIES && (!socketTries || socket?.alive === false)) {
      socketTries++;
      import("./search-socket.ts").then((m) => void (socketTries <= SOCKET_TRIES && (socket = m.openSearchSocket(url, opts.token, opts.parentOrigin))), () => {});
    }
  };

  const enc = encodeURIComponent;
  const hasSources = (key: string) => (v: Record<string, unknown>) => Array.isArray(v[key]);
  return {
    getSession: () =>
      request("GET", "/v1/connect/session", { check: (v) => Array.isArray(v.connections) && isObject(v.client) }),
    searchSources: async (p, signal) => {
      openSocket();
      return (await socket?.search(p, signal)) ?? searchByHttp(p, signal);
    },
    prepareSearch: () => {
      openSocket();
      return () => {
        // Past the tries, so that no socket opens after this (not even one whose code is still on the way).
        socketTries = SOCKET_TRIES + 1;
        socket?.close();
      };
    },
    getSource: (id) => request("GET", `/v1/connect/sources/${enc(id)}`, { check: (v) => typeof v.id === "string" }),
    suggestedSources: (pinned) =>
      request("GET", `/v1/connect/suggested-sources${pinned.length ? `?pinned=${pinned.map(enc).join(",")}` : ""}`, {
        check: (v) => Array.isArray(v.pinned) && Array.isArray(v.popular),
      }),
    connectWithCredentials: (body) =>
      request("POST", "/v1/connect/connections", { body, check: (v) => typeof v.status === "string" }),
    submitMfa: (body) => request("POST", "/v1/connect/connections/mfa", { body, check: (v) => typeof v.status === "string" }),
    startOAuth: (sourceId, returnUrl) =>
      request("POST", "/v1/connect/oauth/start", {
        body: returnUrl === undefined ? { source_id: sourceId } : { source_id: sourceId, return_url: returnUrl },
        check: (v) => typeof v.attempt_id === "string" && typeof v.authorize_url === "string",
      }),
    completeOAuth: (attemptId, code) =>
      request("POST", "/v1/connect/oauth/complete", { body: { attempt_id: attemptId, code }, check: (v) => typeof v.status === "string" }),
    resumeOAuth: (attemptId, completionSecret) =>
      request("POST", "/v1/connect/oauth/complete", {
        body: { attempt_id: attemptId, completion_secret: completionSecret },
        check: (v) => typeof v.status === "string",
      }),
    getOAuthAttempt: (attemptId) =>
      request("GET", `/v1/connect/oauth/attempts/${enc(attemptId)}`, { check: (v) => typeof v.status === "string" }),
    disconnect: (sourceId) =>
      request("DELETE", `/v1/connect/connections/${enc(sourceId)}`, { check: hasSources("connections") }),
    // keepalive lets the last save finish even when the page removes the iframe right after Connect closes.
    saveUiState: (state) => request("PUT", "/v1/connect/ui-state", { body: { state }, keepalive: true }),
    closeSession: () => request("POST", "/v1/connect/session/close", { body: { status: "SUCCESS" }, keepalive: true }),
  };
}
