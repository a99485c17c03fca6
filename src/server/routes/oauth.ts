import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { OAuthAttemptStatus, OAuthPopupMessage, OAuthStartResult } from "../../protocol/connect-api.ts";
import { requireConnectToken } from "../auth.ts";
import { readJsonObject, readJsonOrFormObject } from "../body.ts";
import type { SourceRecord } from "../catalog/types.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { html, jsonForScript, sendPage, type SafeHtml } from "../html.ts";
import { serviceOrigin } from "../origin.ts";
import { sandboxSignIn } from "../sandbox.ts";
import { randomToken, sha256Base64Url } from "../security/crypto.ts";
import type { OAuthAttemptRecord } from "../store/types.ts";
import { parseOrFail } from "../validation.ts";
import { limitConnectAttempts, reachSource, refuseIfConnected } from "./connect-api.ts";

/** How long an OAuth attempt may stay open. */
export const OAUTH_ATTEMPT_TTL_MS = 10 * 60_000;
/** How long an authorization code may wait before its exchange. */
export const OAUTH_CODE_TTL_MS = 60_000;
/** Path of the callback that ends the round trip (the registered redirect URI). */
export const OAUTH_CALLBACK_PATH = "/v1/connect/oauth/callback";
/** Path of the sandbox provider's sign-in page. */
export const SANDBOX_AUTHORIZE_PATH = "/sandbox/oauth/authorize";
/** Path of the sandbox provider's token endpoint. */
export const SANDBOX_TOKEN_PATH = "/sandbox/oauth/token";

const SANDBOX_OAUTH_CLIENT_ID = "human-connect";
const SOURCE_ID = /^[0-9a-f]{24}$/;
/** The shape of an authorization code, as the callback and the completion accept it. */
const CODE_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

export { serviceOrigin } from "../origin.ts";

const startBody = v.object({
  source_id: v.pipe(v.string('"source_id" must be a string'), v.regex(SOURCE_ID, '"source_id" must be 24 lowercase hex characters')),
});

const completeBody = v.object({
  attempt_id: v.pipe(v.string('"attempt_id" must be a string'), v.regex(/^oa_[A-Za-z0-9_-]{8,60}$/, '"attempt_id" is malformed')),
  code: v.pipe(v.string('"code" must be a string'), v.regex(CODE_SHAPE, '"code" is malformed')),
});

const authorizeParams = v.object({
  response_type: v.literal("code", '"response_type" must be "code"'),
  client_id: v.literal(SANDBOX_OAUTH_CLIENT_ID, '"client_id" is not registered with this provider'),
  redirect_uri: v.pipe(v.string(), v.maxLength(2048)),
  state: v.pipe(v.string(), v.minLength(16), v.maxLength(256)),
  code_challenge: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, '"code_challenge" must be a S256 challenge')),
  code_challenge_method: v.literal("S256", '"code_challenge_method" must be "S256"'),
});

const tokenParams = v.object({
  grant_type: v.literal("authorization_code", '"grant_type" must be "authorization_code"'),
  code: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  redirect_uri: v.pipe(v.string(), v.maxLength(2048)),
  code_verifier: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~-]{43,128}$/, '"code_verifier" is malformed')),
  client_id: v.optional(v.string()),
});

type AuthorizeRequest = v.InferOutput<typeof authorizeParams>;

const invalidGrant = (message: string) => new ApiFailure(400, "INVALID_GRANT", message);

/**
 * The sandbox provider's code exchange: the code must be known, unused, unexpired, issued for exactly this
 * redirect URI, and the verifier must hash (S256) to the challenge of the authorization request.
 */
export async function exchangeAuthorizationCode(
  deps: AppDeps,
  input: { code: string; redirectUri: string; codeVerifier: string },
): Promise<OAuthAttemptRecord> {
  const attempt = await deps.services.signIn.findOAuthAttemptByCode(input.code);
  if (!attempt || attempt.codeExpiresAt === null) throw invalidGrant("The authorization code is not valid.");
  if (attempt.codeUsedAt !== null) throw invalidGrant("The authorization code was already used.");
  if (attempt.codeExpiresAt <= deps.clock.now()) throw invalidGrant("The authorization code has expired.");
  if (attempt.redirectUri !== input.redirectUri) throw invalidGrant("The redirect_uri does not match the authorization request.");
  if (sha256Base64Url(input.codeVerifier) !== attempt.codeChallenge) throw invalidGrant("The code_verifier does not match the code_challenge.");
  if (!(await deps.services.signIn.consumeOAuthCode(input.code))) throw invalidGrant("The authorization code was already used.");
  return attempt;
}

/** Finds the pending attempt an authorization request belongs to, checking every parameter against it. */
async function resolveAuthorizeRequest(
  deps: AppDeps,
  raw: Record<string, unknown>,
): Promise<{ request: AuthorizeRequest; attempt: OAuthAttemptRecord; source: SourceRecord } | { error: string }> {
  const parsed = v.safeParse(authorizeParams, raw);
  if (!parsed.success) return { error: parsed.issues[0].message };
  const request = parsed.output;
  const attempt = await deps.services.signIn.findOAuthAttemptByState(request.state);
  if (!attempt) return { error: "This sign-in request is unknown (state mismatch)." };
  if (attempt.redirectUri !== request.redirect_uri) return { error: "The redirect_uri is not the registered one." };
  if (attempt.codeChallenge !== request.code_challenge) return { error: "The code_challenge does not match." };
  if (attempt.status !== "pending" || attempt.codeHash !== null) return { error: "This sign-in request was already used." };
  if (attempt.expiresAt <= deps.clock.now()) return { error: "This sign-in request has expired. Start again." };
  const source = await deps.store.sources.get(attempt.sourceId);
  if (!source) return { error: "This source no longer exists." };
  return { request, attempt, source };
}

function errorPage(c: Context, title: string, message: string): Response {
  return sendPage(c, {
    title,
    status: 400,
    body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p class="note">You can close this window.</p>`,
  });
}

function signInPage(c: Context, request: AuthorizeRequest, source: SourceRecord, error?: string): Response {
  const hidden = (["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"] as const).map(
    (name) => html`<input type="hidden" name="${name}" value="${request[name]}">`,
  );
  const body: SafeHtml = html`<h1>Sign in to ${source.name}</h1>
<p class="note">Sandbox provider. Use username <strong>demo</strong> and password <strong>demo</strong>.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="${SANDBOX_AUTHORIZE_PATH}">
${hidden}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
<button class="primary" type="submit" name="decision" value="allow">Allow access</button>
</div>
</form>`;
  return sendPage(c, { title: `Sign in to ${source.name}`, body, status: error ? 400 : 200 });
}

function redirectWith(c: Context, redirectUri: string, params: Record<string, string>): Response {
  const target = new URL(redirectUri);
  for (const [k, val] of Object.entries(params)) target.searchParams.set(k, val);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(target.toString(), 303);
}

/** Languages of the callback page: the browser's preference (Accept-Language), English unless Spanish comes first. */
type PageLanguage = "en" | "es";

function pageLanguage(c: Context): PageLanguage {
  const header = (c.req.header("Accept-Language") ?? "").slice(0, 512);
  let best: { lang: PageLanguage; q: number } | null = null;
  for (const part of header.split(",")) {
    const [tag = "", ...params] = part.trim().toLowerCase().split(";");
    const primary = tag.split("-")[0];
    if (primary !== "en" && primary !== "es") continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? "en";
}

/** Why a callback failed, as its page says it. */
type CallbackFailure = "OAUTH_ATTEMPT_EXPIRED" | "OAUTH_ACCESS_DENIED" | "OAUTH_PROVIDER_ERROR" | "OAUTH_NO_CODE";

/** What the callback page says, in English and Spanish. */
const CALLBACK_TEXT: Record<
  PageLanguage,
  Record<"notConnected" | "elsewhere" | "startAgain" | "handoffTitle" | "handoff" | "close", string> & { failures: Record<CallbackFailure, string> }
> = {
  en: {
    notConnected: "Not connected",
    elsewhere:
      "This sign-in must be finished in the Connect window that started it. This window was not opened by that Connect, so nothing was connected.",
    startAgain: "Close this window. To connect your account, start again from Connect.",
    handoffTitle: "Finishing in Connect…",
    handoff: "Handing this sign-in back to the Connect window that started it. This window closes by itself.",
    close: "You can close this window.",
    failures: {
      OAUTH_ATTEMPT_EXPIRED: "The sign-in took too long. Try again.",
      OAUTH_ACCESS_DENIED: "Access was not allowed.",
      OAUTH_PROVIDER_ERROR: "The provider could not complete the sign-in.",
      OAUTH_NO_CODE: "The provider sent no authorization code.",
    },
  },
  es: {
    notConnected: "No conectado",
    elsewhere:
      "Este inicio de sesión debe terminarse en la ventana de Connect que lo inició. Esta ventana no la abrió ese Connect, así que no se conectó nada.",
    startAgain: "Cierra esta ventana. Para conectar tu cuenta, vuelve a empezar desde Connect.",
    handoffTitle: "Terminando en Connect…",
    handoff: "Devolviendo este inicio de sesión a la ventana de Connect que lo inició. Esta ventana se cierra sola.",
    close: "Puedes cerrar esta ventana.",
    failures: {
      OAUTH_ATTEMPT_EXPIRED: "El inicio de sesión tardó demasiado. Vuelve a intentarlo.",
      OAUTH_ACCESS_DENIED: "No se permitió el acceso.",
      OAUTH_PROVIDER_ERROR: "El proveedor no pudo completar el inicio de sesión.",
      OAUTH_NO_CODE: "El proveedor no envió ningún código de autorización.",
    },
  },
};

/** How long the callback page waits for its Connect to acknowledge the result before it explains instead. */
export const OAUTH_HANDOFF_WAIT_MS = 3_000;

/**
 * The page that ends the popup. It posts its result to `window.opener`, at the service's own origin only, and closes
 * itself only when the Connect that started this attempt acknowledges it (`OAuthPopupAck`, from that same window and
 * origin). With no opener, or an opener that is not that Connect (another page, another attempt), the message goes
 * nowhere or is ignored: the page stays open and explains that nothing was connected. Without script, it explains too.
 */
function callbackPage(c: Context, origin: string, message: OAuthPopupMessage, failure?: string): Response {
  const lang = pageLanguage(c);
  const text = CALLBACK_TEXT[lang];
  const script = `
    var data = JSON.parse(document.getElementById("hc-oauth-result").textContent);
    var message = data.message, opener = window.opener, acknowledged = false;
    function show(name) {
      var views = document.querySelectorAll("[data-view]");
      for (var i = 0; i < views.length; i++) {
        var view = views[i], on = view.getAttribute("data-view") === name;
        view.hidden = !on;
        if (on) document.title = view.getAttribute("data-title");
      }
    }
    if (opener) {
      window.addEventListener("message", function (event) {
        var ack = event.data;
        if (event.source !== opener || event.origin !== data.origin || !ack || typeof ack !== "object") return;
        if (ack.ns !== message.ns || ack.attempt_id !== message.attempt_id || ack.status !== "received") return;
        acknowledged = true;
        window.close();
      });
      if (message.status === "authorized") show("handoff");
      opener.postMessage(message, data.origin);
      // Nobody answered: the opener is not the Connect that started this attempt (or that Connect is gone).
      setTimeout(function () {
        if (!acknowledged) show(message.status === "authorized" ? "elsewhere" : "failed");
      }, data.waitMs);
    }`;
  const title = text.notConnected;
  const body =
    failure === undefined
      ? html`<div data-view="elsewhere" data-title="${title}" lang="${lang}">
<h1>${title}</h1>
<p class="error" role="alert">${text.elsewhere}</p>
<p class="note">${text.startAgain}</p>
</div>
<div data-view="handoff" data-title="${text.handoffTitle}" lang="${lang}" hidden>
<h1>${text.handoffTitle}</h1>
<p>${text.handoff}</p>
</div>`
      : html`<div data-view="failed" data-title="${title}" lang="${lang}">
<h1>${title}</h1>
<p class="error" role="alert">${failure}</p>
<p class="note">${text.close}</p>
</div>`;
  return sendPage(c, {
    title,
    script,
    body: html`${body}
<script type="application/json" id="hc-oauth-result">${jsonForScript({ origin, message, waitMs: OAUTH_HANDOFF_WAIT_MS })}</script>`,
  });
}

function attemptStatus(attempt: OAuthAttemptRecord): OAuthAttemptStatus | null {
  if (attempt.status === "failed") {
    return { status: "failed", errorCode: attempt.errorCode ?? "OAUTH_FAILED", message: attempt.errorMessage ?? "The sign-in failed." };
  }
  return attempt.status === "pending" ? { status: "pending" } : null;
}

/** OAuth: start an attempt, poll it, the sandbox provider's sign-in page and token endpoint, and the callback. */
export function oauthRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, services, clock } = deps;
  const app = new Hono<AppEnv>();
  const authed = requireConnectToken(deps);

  app.post("/v1/connect/oauth/start", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(startBody, await readJsonObject(c));
    const source = await store.sources.get(input.source_id);
    if (!source) throw new ApiFailure(404, "SOURCE_NOT_FOUND", "No source has this id.");
    if (source.auth !== "oauth") {
      throw new ApiFailure(400, "OAUTH_NOT_SUPPORTED", `${source.name} signs in with a username and password, not OAuth.`);
    }
    await refuseIfConnected(deps, auth, source);
    await limitConnectAttempts(deps, auth);
    await reachSource(deps, source);
    const origin = serviceOrigin(deps, c);
    const attemptId = randomToken(18, "oa_");
    const state = randomToken(32);
    const codeVerifier = randomToken(32);
    const codeChallenge = sha256Base64Url(codeVerifier);
    const redirectUri = origin + OAUTH_CALLBACK_PATH;
    await services.signIn.createOAuthAttempt({
      attemptId,
      humanId: auth.human.humanId,
      sourceId: source.id,
      state,
      codeVerifier,
      codeChallenge,
      redirectUri,
      ttlMs: OAUTH_ATTEMPT_TTL_MS,
      sessionId: auth.sessionId,
    });
    const url = new URL(SANDBOX_AUTHORIZE_PATH, origin);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: SANDBOX_OAUTH_CLIENT_ID,
      redirect_uri: redirectUri,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: "S256",
    }).toString();
    const result: OAuthStartResult = { attempt_id: attemptId, authorize_url: url.toString() };
    return c.json(result, 201);
  });

  app.get("/v1/connect/oauth/attempts/:attempt_id", authed, async (c) => {
    const auth = c.get("auth");
    const attemptId = c.req.param("attempt_id");
    const attempt = attemptId.length <= 64 ? await services.signIn.getOAuthAttempt(attemptId) : undefined;
    if (!attempt || attempt.humanId !== auth.human.humanId) {
      throw new ApiFailure(404, "OAUTH_ATTEMPT_NOT_FOUND", "No OAuth attempt has this id.");
    }
    if (attempt.status === "pending" && attempt.expiresAt <= clock.now()) {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, {
        status: "failed",
        errorCode: "OAUTH_ATTEMPT_EXPIRED",
        message: "The sign-in took too long. Try again.",
      });
      return c.json({ status: "failed", errorCode: "OAUTH_ATTEMPT_EXPIRED", message: "The sign-in took too long. Try again." } satisfies OAuthAttemptStatus);
    }
    const status = attemptStatus(attempt);
    if (status) return c.json(status);
    const source = await store.sources.get(attempt.sourceId);
    const connected: OAuthAttemptStatus = {
      status: "connected",
      source: { name: source?.name ?? "", id: attempt.sourceId },
      connections: await store.connections.list(auth.human.humanId),
    };
    return c.json(connected);
  });

  app.get(SANDBOX_AUTHORIZE_PATH, async (c) => {
    const resolved = await resolveAuthorizeRequest(deps, c.req.query());
    if ("error" in resolved) return errorPage(c, "Sign-in request refused", resolved.error);
    return signInPage(c, resolved.request, resolved.source);
  });

  app.post(SANDBOX_AUTHORIZE_PATH, async (c) => {
    const form = await readJsonOrFormObject(c);
    const resolved = await resolveAuthorizeRequest(deps, form);
    if ("error" in resolved) return errorPage(c, "Sign-in request refused", resolved.error);
    const { request, attempt, source } = resolved;
    if (form.decision === "deny") {
      return redirectWith(c, request.redirect_uri, { error: "access_denied", state: request.state });
    }
    const username = typeof form.username === "string" ? form.username.slice(0, 256) : "";
    const password = typeof form.password === "string" ? form.password.slice(0, 256) : "";
    const decision = sandboxSignIn(source, username, password);
    if (decision.outcome === "error") return signInPage(c, request, source, decision.message);
    const code = randomToken(32);
    if (!(await services.signIn.setOAuthCode(attempt.attemptId, code, OAUTH_CODE_TTL_MS))) {
      return errorPage(c, "Sign-in request refused", "This sign-in request was already used.");
    }
    return redirectWith(c, request.redirect_uri, { code, state: request.state });
  });

  app.post(SANDBOX_TOKEN_PATH, async (c) => {
    const input = parseOrFail(tokenParams, await readJsonOrFormObject(c));
    await exchangeAuthorizationCode(deps, {
      code: input.code,
      redirectUri: input.redirect_uri,
      codeVerifier: input.code_verifier,
    });
    c.header("Cache-Control", "no-store");
    return c.json({ access_token: randomToken(32, "sbx_"), token_type: "Bearer", expires_in: 3600 });
  });

  app.get(OAUTH_CALLBACK_PATH, async (c) => {
    const origin = serviceOrigin(deps, c);
    const state = c.req.query("state");
    const attempt = state && state.length <= 256 ? await services.signIn.findOAuthAttemptByState(state) : undefined;
    if (!attempt) return errorPage(c, "Sign-in not completed", "This sign-in response is not valid (state mismatch).");
    if (attempt.status !== "pending") {
      return errorPage(c, "Sign-in not completed", "This sign-in response was already used.");
    }
    // The provider's error (or a missing code) ends the attempt here: failing connects nothing, so it needs no
    // Connect. Its page names the failure in the user's language; the attempt keeps the English message for the API.
    const fail = async (errorCode: string, reason: CallbackFailure) => {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "failed", errorCode, message: CALLBACK_TEXT.en.failures[reason] });
      const failure = CALLBACK_TEXT[pageLanguage(c)].failures[reason];
      return callbackPage(c, origin, { ns: "human-connect-oauth", attempt_id: attempt.attemptId, status: "failed" }, failure);
    };
    if (attempt.expiresAt <= clock.now()) return fail("OAUTH_ATTEMPT_EXPIRED", "OAUTH_ATTEMPT_EXPIRED");
    const providerError = c.req.query("error");
    if (providerError !== undefined) {
      return providerError === "access_denied" ? fail("OAUTH_ACCESS_DENIED", "OAUTH_ACCESS_DENIED") : fail("OAUTH_FAILED", "OAUTH_PROVIDER_ERROR");
    }
    const code = c.req.query("code") ?? "";
    if (!CODE_SHAPE.test(code)) return fail("OAUTH_FAILED", "OAUTH_NO_CODE");
    // The sign-in ends in the Connect that started it: only its window gets the code, and it redeems the code with
    // its own token (POST /v1/connect/oauth/complete). Completed anywhere else, the code goes nowhere, nothing is
    // connected, and the page says so.
    return callbackPage(c, origin, { ns: "human-connect-oauth", attempt_id: attempt.attemptId, status: "authorized", code });
  });

  app.post("/v1/connect/oauth/complete", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(completeBody, await readJsonObject(c));
    const attempt = await services.signIn.getOAuthAttempt(input.attempt_id);
    // Another user's or another session's attempt is unknown here: a sign-in completes only where it started.
    if (!attempt || attempt.humanId !== auth.human.humanId || attempt.sessionId !== auth.sessionId) {
      throw new ApiFailure(404, "OAUTH_ATTEMPT_NOT_FOUND", "No OAuth attempt has this id.");
    }
    const settled = attemptStatus(attempt);
    if (settled?.status === "failed") return c.json(settled);
    if (attempt.status === "connected") throw invalidGrant("The authorization code was already used.");
    const origin = serviceOrigin(deps, c);
    const failWith = async (errorCode: string, message: string) => {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "failed", errorCode, message });
      return c.json({ status: "failed", errorCode, message } satisfies OAuthAttemptStatus);
    };
    if (attempt.expiresAt <= clock.now()) return failWith("OAUTH_ATTEMPT_EXPIRED", "The sign-in took too long. Try again.");
    let exchanged: OAuthAttemptRecord;
    try {
      exchanged = await exchangeAuthorizationCode(deps, { code: input.code, redirectUri: origin + OAUTH_CALLBACK_PATH, codeVerifier: attempt.codeVerifier });
    } catch (err) {
      if (err instanceof ApiFailure) return failWith("OAUTH_EXCHANGE_FAILED", err.message);
      throw err;
    }
    if (exchanged.attemptId !== attempt.attemptId) return failWith("OAUTH_EXCHANGE_FAILED", "The authorization code belongs to another sign-in.");
    const source = await store.sources.get(attempt.sourceId);
    if (!source) return failWith("OAUTH_FAILED", "The source no longer exists.");
    await services.connect.connect(auth.human.humanId, source.id, auth.sessionId);
    await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "connected" });
    const connected: OAuthAttemptStatus = {
      status: "connected",
      source: { name: source.name, id: source.id },
      connections: await store.connections.list(auth.human.humanId),
    };
    return c.json(connected);
  });

  return app;
}

