// An in-memory stand-in for the Connect API, answered through a mocked fetch, for the app's unit tests.
import type { SourceDetail, SourceSummary, UiState } from "../../src/protocol/connect-api.ts";
import type { ConnectSource } from "../../src/protocol/results.ts";

export const SOURCES: SourceSummary[] = [
  { id: "5b1daf3f079c652eaf41fd23", name: "Starfleet Pharmacy", type: "pharmacy", city: "San Francisco", state: "CA", auth: "credentials" },
  { id: "54dc427aaa6b4cb7d6203061", name: "Cleveland Clinic", type: "hospital", city: "Cleveland", state: "OH", auth: "credentials" },
  { id: "5b1daf3f079c652eaf41fd24", name: "Enterprise Medical Labs", type: "lab", city: "Austin", state: "TX", auth: "credentials_mfa" },
  { id: "5b1daf3f079c652eaf41fd25", name: "Holodeck Fitness", type: "wearable", city: "Seattle", state: "WA", auth: "oauth" },
  { id: "5b1daf3f079c652eaf41fd26", name: "Romulan Health Plan", type: "insurer", city: "Denver", state: "CO", auth: "credentials" },
];
export const STARFLEET = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
export const CLEVELAND = { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" };
export const LABS = { name: "Enterprise Medical Labs", id: "5b1daf3f079c652eaf41fd24" };
export const HOLODECK = { name: "Holodeck Fitness", id: "5b1daf3f079c652eaf41fd25" };
export const ROMULAN = { name: "Romulan Health Plan", id: "5b1daf3f079c652eaf41fd26" };
const UNAVAILABLE = new Set([ROMULAN.id]);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const err = (status: number, errorCode: string, message = errorCode) => json(status, { errorCode, message });

/** A fake Connect service: state, recorded requests, and the fetch that answers them. */
export function createFakeService(opts: { token?: string; connections?: ConnectSource[]; uiState?: UiState | null; broken?: string[] } = {}) {
  const state = {
    /** Ids of connected sources whose connection needs re-authorisation. */
    broken: new Set(opts.broken ?? []),
    token: opts.token ?? "good-token",
    connections: [...(opts.connections ?? [])] as ConnectSource[],
    uiState: opts.uiState ?? null,
    uiStates: [] as UiState[],
    challenges: new Map<string, ConnectSource>(),
    attempts: new Map<string, { source: ConnectSource; status: "pending" | "connected" | "failed"; code?: string }>(),
    requests: [] as RecordedRequest[],
    client: { name: "Acme Health", primary_color: "#ffcc00", logo_url: "https://acme.example/logo.png" } as {
      name: string;
      primary_color: string | null;
      logo_url: string | null;
    },
    expired: false,
    nextAttempt: 1,
    suggestionRequests: 0,
  };

  function detail(s: SourceSummary): SourceDetail {
    const connected = state.connections.some((c) => c.id === s.id);
    return {
      ...s,
      description: `${s.name} records.`,
      available: !UNAVAILABLE.has(s.id),
      connected,
      connection_status: connected ? (state.broken.has(s.id) ? "needs_reauth" : "active") : null,
    };
  }

  /** Connects a source, or repairs its broken connection; the connected answer. */
  function connect(src: ConnectSource) {
    const repaired = state.broken.delete(src.id);
    if (!repaired && !state.connections.some((c) => c.id === src.id)) state.connections.push(src);
    return { status: "connected", source: src, connections: state.connections, repaired };
  }

  async function handle(method: string, url: URL, headers: Record<string, string>, body: unknown): Promise<Response> {
    const auth = headers["authorization"];
    if (!auth) return err(401, "MISSING_SESSION_TOKEN");
    if (state.expired) return err(401, "SESSION_TOKEN_EXPIRED");
    if (auth !== `Bearer ${state.token}`) return err(401, "SESSION_TOKEN_INVALID");
    const p = url.pathname;
    const b = (body ?? {}) as Record<string, string>;
    if (method === "GET" && p === "/v1/connect/session") {
      return json(200, {
        human_id: "h1",
        token_kind: "session",
        expires_at: "2030-01-01T00:00:00Z",
        client: state.client,
        connections: state.connections,
        connection_health: state.connections.map((c) => ({
          source: c,
          status: state.broken.has(c.id) ? "needs_reauth" : "active",
          status_reason: state.broken.has(c.id) ? "credentials_changed" : null,
          connected_at: "2029-01-01T00:00:00.000Z",
          status_changed_at: "2029-01-01T00:00:00.000Z",
        })),
        ui_state: state.uiState,
      });
    }
    if (method === "GET" && p === "/v1/connect/sources") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const type = url.searchParams.get("type");
      const page = Number(url.searchParams.get("page") ?? 1);
      const perPage = Number(url.searchParams.get("per_page") ?? 20);
      const all = SOURCES.filter((s) => s.name.toLowerCase().includes(q) && (!type || s.type === type));
      return json(200, { query: q, type, page, per_page: perPage, total: all.length, results: all.slice((page - 1) * perPage, page * perPage) });
    }
    if (method === "GET" && p === "/v1/connect/suggested-sources") {
      state.suggestionRequests++;
      const ids = (url.searchParams.get("pinned") ?? "").split(",").filter(Boolean);
      const pinned = ids.flatMap((id) => SOURCES.filter((s) => s.id === id));
      // The fake catalog ranks its sources in the order they are listed.
      const popular = SOURCES.filter((s) => !ids.includes(s.id)).slice(0, 6);
      return json(200, { pinned, popular });
    }
    const sourceMatch = /^\/v1\/connect\/sources\/([^/]+)$/.exec(p);
    if (method === "GET" && sourceMatch) {
      const s = SOURCES.find((x) => x.id === sourceMatch[1]);
      return s ? json(200, detail(s)) : err(404, "SOURCE_NOT_FOUND");
    }
    if (method === "POST" && p === "/v1/connect/connections") {
      const s = SOURCES.find((x) => x.id === b.source_id);
      if (!s) return err(404, "SOURCE_NOT_FOUND");
      if (UNAVAILABLE.has(s.id)) return err(503, "SOURCE_UNAVAILABLE");
      if (b.username === "locked") return err(403, "ACCOUNT_LOCKED");
      if (b.username === "mfa" && b.password === "demo") {
        const id = `ch-${state.challenges.size + 1}`;
        state.challenges.set(id, { name: s.name, id: s.id });
        return json(200, { status: "mfa_required", challenge: { challenge_id: id, prompt: "Enter the 6-digit code we sent to your phone ending in 42", expires_in: 300 } });
      }
      if (b.username !== "demo" || b.password !== "demo") return err(401, "INVALID_CREDENTIALS");
      return json(200, connect({ name: s.name, id: s.id }));
    }
    if (method === "POST" && p === "/v1/connect/connections/mfa") {
      const src = state.challenges.get(b.challenge_id ?? "");
      if (!src) return err(400, "MFA_CHALLENGE_INVALID");
      if (b.code !== "123456") return err(400, "INVALID_MFA_CODE");
      state.challenges.delete(b.challenge_id ?? "");
      return json(200, connect(src));
    }
    if (method === "POST" && p === "/v1/connect/oauth/start") {
      const s = SOURCES.find((x) => x.id === b.source_id);
      if (!s) return err(404, "SOURCE_NOT_FOUND");
      const id = `att-${state.nextAttempt++}`;
      state.attempts.set(id, { source: { name: s.name, id: s.id }, status: "pending" });
      return json(200, { attempt_id: id, authorize_url: `/oauth/authorize?attempt_id=${id}` });
    }
    const attemptMatch = /^\/v1\/connect\/oauth\/attempts\/([^/]+)$/.exec(p);
    if (method === "GET" && attemptMatch) {
      const a = state.attempts.get(attemptMatch[1] ?? "");
      if (!a) return err(404, "OAUTH_ATTEMPT_NOT_FOUND");
      if (a.status === "connected") return json(200, { status: "connected", source: a.source, connections: state.connections });
      if (a.status === "failed") return json(200, { status: "failed", errorCode: "ACCESS_DENIED", message: "denied" });
      return json(200, { status: "pending" });
    }
    if (method === "POST" && p === "/v1/connect/oauth/complete") {
      const a = state.attempts.get(b.attempt_id ?? "");
      if (!a) return err(404, "OAUTH_ATTEMPT_NOT_FOUND");
      if (a.status === "connected") return err(400, "INVALID_GRANT");
      if (a.status === "failed" || a.code === undefined || b.code !== a.code) {
        a.status = "failed";
        return json(200, { status: "failed", errorCode: "OAUTH_EXCHANGE_FAILED", message: "exchange failed" });
      }
      a.status = "connected";
      state.connections.push(a.source);
      return json(200, { status: "connected", source: a.source, connections: state.connections });
    }
    const delMatch = /^\/v1\/connect\/connections\/([^/]+)$/.exec(p);
    if (method === "DELETE" && delMatch) {
      const src = state.connections.find((c) => c.id === delMatch[1]);
      if (!src) return err(404, "NOT_CONNECTED");
      state.connections = state.connections.filter((c) => c.id !== src.id);
      return json(200, { source: src, connections: state.connections });
    }
    if (method === "PUT" && p === "/v1/connect/ui-state") {
      state.uiState = (b as unknown as { state: UiState }).state;
      state.uiStates.push(state.uiState);
      return new Response(null, { status: 204 });
    }
    return err(404, "NOT_FOUND");
  }

  /** Issues the authorization code of a pending attempt, as the sandbox sign-in page would; the app redeems it. */
  function authorizeAttempt(attemptId: string): string {
    const a = state.attempts.get(attemptId);
    if (!a) throw new Error(`no attempt ${attemptId}`);
    a.code = `code-${attemptId}-0123456789abcdef`;
    return a.code;
  }

  /** Completes a pending OAuth attempt on the service's side, as if it had been redeemed elsewhere. */
  function completeAttempt(attemptId: string) {
    const a = state.attempts.get(attemptId);
    if (!a) throw new Error(`no attempt ${attemptId}`);
    a.status = "connected";
    state.connections.push(a.source);
  }

  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), "https://connect.example");
    const headers: Record<string, string> = {};
    const raw = init.headers;
    const entries: Array<[string, string]> =
      raw instanceof Headers ? [...raw.entries()] : Array.isArray(raw) ? (raw as Array<[string, string]>) : Object.entries(raw ?? {});
    for (const [k, v] of entries) headers[k.toLowerCase()] = v;
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    const method = init.method ?? "GET";
    state.requests.push({ method, path: url.pathname + url.search, headers, body });
    if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
    return handle(method, url, headers, body);
  };

  return { state, fetch, completeAttempt, authorizeAttempt };
}
