import { Hono } from "hono";
import type {
  ConnectedResult,
  ConnectResult,
  DisconnectResult,
  SessionView,
  SourceDetail,
  SuggestedSources,
} from "../../protocol/connect-api.ts";
import { signsInByRedirect } from "../../protocol/connect-api.ts";
import { requireConnectToken } from "../auth.ts";
import { readJsonObject } from "../body.ts";
import { readSearchParams, searchCatalog, toSummary } from "../catalog/search-request.ts";
import type { SourceRecord } from "../catalog/types.ts";
import { SOURCE_ID_PATTERN } from "../schemas/fields.ts";
import { requireSource } from "./lookups.ts";
import type { SignInMethod } from "../connect/service.ts";
import { toConnectionView } from "../connect/views.ts";
import type { AppDeps, AppEnv, ConnectAuth } from "../deps.ts";
import { ApiFailure, invalidRequest } from "../errors.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { SANDBOX_MFA_CODE, sandboxSignIn } from "../sandbox/sign-in.ts";
import { closeBody, connectBody, mfaBody, uiStateBody } from "../schemas/connect-api.ts";
import { parseOrFail } from "../validation.ts";

/** Largest saved UI state, serialised. */
export const MAX_UI_STATE_BYTES = 8 * 1024;
/** Lifetime of an MFA challenge. */
export const MFA_TTL_MS = 5 * 60_000;
/** Wrong codes allowed before a challenge is void. */
export const MFA_MAX_FAILURES = 5;
/** Default delay of the sandbox's slow sources. */
export const DEFAULT_SLOW_SOURCE_DELAY_MS = 3000;


/** Popular sources the first screen suggests. */
export const POPULAR_SOURCES = 6;
/** Pinned sources a page may name. */
export const MAX_PINNED_SOURCES = 20;

/** Reads `pinned=<id>,<id>`: at most 20 ids of at most 64 characters; ids that name no source are answered as absent. */
function parsePinned(raw: string | undefined): string[] {
  if (raw === undefined || raw === "") return [];
  const ids = raw.split(",");
  if (ids.length > MAX_PINNED_SOURCES || ids.some((id) => id.length > 64)) {
    throw invalidRequest(`"pinned" must be at most ${MAX_PINNED_SOURCES} comma-separated source ids`);
  }
  return ids;
}


/** Refuses unavailable sources; waits for slow ones (the sandbox's stand-in for a slow upstream). */
export async function reachSource(deps: AppDeps, source: SourceRecord): Promise<void> {
  if (source.behavior === "unavailable") {
    throw new ApiFailure(503, "SOURCE_UNAVAILABLE", `${source.name} is not available right now. Try again later.`);
  }
  if (source.behavior === "slow") {
    const delay = deps.slowSourceDelayMs ?? DEFAULT_SLOW_SOURCE_DELAY_MS;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Counts a connect attempt against the human's budget. */
export async function limitConnectAttempts(deps: AppDeps, auth: ConnectAuth): Promise<void> {
  if (deps.rateLimits) {
    await enforceRateLimit(
      deps.store,
      deps.clock.now(),
      `connect:human:${auth.human.humanId}`,
      deps.rateLimits.connectPerHuman,
      deps.rateLimits.windowMs,
    );
  }
}

/** Connects the source, or repairs its connection, and answers with the connected result. */
export async function completeConnection(deps: AppDeps, auth: ConnectAuth, source: SourceRecord, method: SignInMethod): Promise<ConnectedResult> {
  const { outcome, connections } = await deps.services.connect.connect(auth.human.humanId, source.id, auth.sessionId, method);
  return { status: "connected", source: { name: source.name, id: source.id }, connections, repaired: outcome === "repaired" };
}

/** Refuses a source the human already has, unless its connection needs re-authorisation (signing in repairs it). */
export async function refuseIfConnected(deps: AppDeps, auth: ConnectAuth, source: SourceRecord): Promise<void> {
  const existing = await deps.store.connections.get(auth.human.humanId, source.id);
  if (existing && existing.status !== "needs_reauth") {
    throw new ApiFailure(409, "ALREADY_CONNECTED", `${source.name} is already connected.`);
  }
}

async function connectionsWithHealth(deps: AppDeps, humanId: string): Promise<Pick<SessionView, "connections" | "connection_health">> {
  const records = await deps.store.connections.details(humanId);
  return { connections: records.map((r) => ({ name: r.source.name, id: r.source.id })), connection_health: records.map(toConnectionView) };
}

async function connectionStatusOf(deps: AppDeps, humanId: string, sourceId: string): Promise<Pick<SourceDetail, "connected" | "connection_status">> {
  const record = await deps.store.connections.get(humanId, sourceId);
  return { connected: record !== undefined, connection_status: record?.status ?? null };
}

/** The Connect API used by the Connect app: session, search, credentials and MFA, disconnect, UI state. */
export function connectApiRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, services } = deps;
  const app = new Hono<AppEnv>();
  const authed = requireConnectToken(deps);

  app.get("/v1/connect/session", authed, async (c) => {
    const auth = c.get("auth");
    // Loading the session is the launch of Connect (seed 000: Engaged means the user launched it), so this is the
    // one place engagement is recorded, by link or by embedded Connect, as the token says.
    await services.users.markEngaged(auth.human, auth.issuedVia === "invite_link" ? "invite_link" : "connect");
    const view: SessionView = {
      human_id: auth.human.humanId,
      token_kind: auth.tokenKind,
      expires_at: new Date(auth.expiresAt).toISOString(),
      client: { name: auth.client.name, primary_color: auth.client.primaryColor, logo_url: auth.client.logoUrl },
      ...(await connectionsWithHealth(deps, auth.human.humanId)),
      ui_state: await store.uiState.get(auth.human.humanId),
    };
    return c.json(view);
  });

  app.get("/v1/connect/sources", authed, (c) => {
    const asked = readSearchParams({ q: c.req.query("q"), type: c.req.query("type"), page: c.req.query("page"), perPage: c.req.query("per_page") });
    const { result, searchMs } = searchCatalog(deps, asked);
    c.header("Server-Timing", `search;dur=${searchMs.toFixed(3)}`);
    return c.json(result);
  });

  app.get("/v1/connect/sources/:id", authed, async (c) => {
    const auth = c.get("auth");
    const source = await requireSource(deps, c.req.param("id"));
    const detail: SourceDetail = {
      ...toSummary(source),
      description: source.description,
      available: source.behavior !== "unavailable",
      ...(await connectionStatusOf(deps, auth.human.humanId, source.id)),
    };
    return c.json(detail);
  });

  // The first screen in one request: read from the in-memory index, like search, so it answers as fast.
  app.get("/v1/connect/suggested-sources", authed, (c) => {
    const index = deps.catalog.index;
    const pinned: SourceRecord[] = [];
    const seen = new Set<string>();
    for (const id of parsePinned(c.req.query("pinned"))) {
      const source = SOURCE_ID_PATTERN.test(id) && !seen.has(id) ? index.get(id) : undefined;
      if (!source) continue;
      seen.add(id);
      pinned.push(source);
    }
    const result: SuggestedSources = {
      pinned: pinned.map(toSummary),
      popular: index.popular(POPULAR_SOURCES, seen).map(toSummary),
    };
    return c.json(result);
  });

  app.post("/v1/connect/connections", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(connectBody, await readJsonObject(c));
    const source = await requireSource(deps, input.source_id);
    // OAuth and SMART sources connect only through their provider's round trip, never with a password here.
    if (signsInByRedirect(source.auth)) {
      throw new ApiFailure(400, "INVALID_REQUEST", `${source.name} signs in with OAuth: use /v1/connect/oauth/start.`);
    }
    await refuseIfConnected(deps, auth, source);
    await limitConnectAttempts(deps, auth);
    await reachSource(deps, source);
    const decision = sandboxSignIn(source, input.username, input.password);
    if (decision.outcome === "error") {
      throw new ApiFailure(decision.errorCode === "ACCOUNT_LOCKED" ? 403 : 400, decision.errorCode, decision.message);
    }
    if (decision.outcome === "mfa_required") {
      const challengeId = await services.signIn.createMfaChallenge(auth.human.humanId, source.id, MFA_TTL_MS);
      const result: ConnectResult = {
        status: "mfa_required",
        challenge: {
          challenge_id: challengeId,
          prompt: "Enter the 6-digit code we sent to your phone ending in 42.",
          expires_in: MFA_TTL_MS / 1000,
        },
      };
      return c.json(result);
    }
    return c.json(await completeConnection(deps, auth, source, "credentials"), 201);
  });

  app.post("/v1/connect/connections/mfa", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(mfaBody, await readJsonObject(c));
    const challenge = await services.signIn.getMfaChallenge(input.challenge_id);
    const invalid = new ApiFailure(400, "MFA_CHALLENGE_INVALID", "This code request is not valid anymore; sign in again.");
    if (!challenge || challenge.humanId !== auth.human.humanId || challenge.usedAt !== null) throw invalid;
    if (challenge.failedAttempts >= MFA_MAX_FAILURES) throw invalid;
    if (challenge.expiresAt <= deps.clock.now()) {
      throw new ApiFailure(400, "MFA_CHALLENGE_EXPIRED", "The code request has expired; sign in again.");
    }
    await limitConnectAttempts(deps, auth);
    if (input.code.trim() !== SANDBOX_MFA_CODE) {
      const failures = await services.signIn.recordMfaFailure(input.challenge_id);
      const left = MFA_MAX_FAILURES - failures;
      throw new ApiFailure(
        400,
        "INVALID_MFA_CODE",
        left > 0 ? `That code is not right. ${left} attempt${left === 1 ? "" : "s"} left.` : "That code is not right; sign in again.",
      );
    }
    if (!(await services.signIn.consumeMfaChallenge(input.challenge_id))) throw invalid;
    const source = await requireSource(deps, challenge.sourceId);
    return c.json(await completeConnection(deps, auth, source, "mfa"), 201);
  });

  app.delete("/v1/connect/connections/:source_id", authed, async (c) => {
    const auth = c.get("auth");
    const source = await requireSource(deps, c.req.param("source_id"));
    if (!(await services.connect.disconnect(auth.human.humanId, source.id, auth.sessionId))) {
      throw new ApiFailure(404, "NOT_CONNECTED", `${source.name} is not connected.`);
    }
    const result: DisconnectResult = {
      source: { name: source.name, id: source.id },
      connections: await store.connections.list(auth.human.humanId),
    };
    return c.json(result);
  });

  // The Connect app (or the hosted invite page) reports the end of a session; the service answers with its own
  // record of the session and queues `connect.session_closed`.
  app.post("/v1/connect/session/close", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(closeBody, await readJsonObject(c));
    const closed = await services.connect.closeSession(auth.human.humanId, auth.sessionId, input.status);
    if (!closed) throw new ApiFailure(401, "SESSION_TOKEN_INVALID", "The session token is not valid.");
    return c.json({
      status: closed.status,
      session_id: closed.session_id,
      session_results: closed.session_results,
      current_connections: closed.current_connections,
    });
  });

  app.put("/v1/connect/ui-state", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(uiStateBody, await readJsonObject(c));
    if (Buffer.byteLength(JSON.stringify(input.state), "utf8") > MAX_UI_STATE_BYTES) {
      throw invalidRequest(`"state" must be at most ${MAX_UI_STATE_BYTES} bytes as JSON`);
    }
    await store.uiState.save(auth.human.humanId, input.state, deps.clock.now());
    return c.body(null, 204);
  });

  return app;
}
