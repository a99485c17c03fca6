import { Hono, type Context } from "hono";
import * as v from "valibot";
import { PARENT_ORIGIN_HEADER, signsInByRedirect, type ConnectResult, type OAuthAttemptStatus, type OAuthPopupMessage, type OAuthStartResult } from "../../protocol/connect-api.ts";
import { OAUTH_RETURN_PARAM } from "../../protocol/messages.ts";
import { requireConnectToken } from "../auth.ts";
import { readJsonObject, readJsonOrFormObject } from "../body.ts";
import type { SourceRecord } from "../catalog/types.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { html, jsonForScript, sendPage, type SafeHtml } from "../html.ts";
import { serviceOrigin } from "../origin.ts";
import { sandboxSignIn } from "../sandbox/sign-in.ts";
import { randomToken, sha256Base64Url } from "../security/crypto.ts";
import type { OAuthAttemptRecord } from "../store/types.ts";
import { oauthCompleteBody, oauthStartBody } from "../schemas/connect-api.ts";
import { parseOrFail } from "../validation.ts";
import { SmartError } from "../smart/errors.ts";
import { completeConnection, limitConnectAttempts, reachSource, refuseIfConnected } from "./connect-api.ts";

/** How long an OAuth attempt may stay open. */
export const OAUTH_ATTEMPT_TTL_MS = 10 * 60_000;
/** How long a redirect sign-in's completion secret may wait for the page to open Connect again. */
export const OAUTH_RETURN_TTL_MS = 10 * 60_000;
/** The one page of the service's own origin a redirect sign-in may return to: hosted Connect of an invite link. */
export const HOSTED_RETURN_PATH = "/invite";
/** How long an authorization code may wait before its exchange. */
export const OAUTH_CODE_TTL_MS = 60_000;
/** Path of the callback that ends the round trip (the registered redirect URI). */
export const OAUTH_CALLBACK_PATH = "/v1/connect/oauth/callback";
/** Path of the sandbox provider's sign-in page. */
export const SANDBOX_AUTHORIZE_PATH = "/sandbox/oauth/authorize";
/** Path that sends a SMART sign-in by redirect on to its EHR's authorize page. */
export const SMART_AUTHORIZE_HOP_PATH = "/v1/connect/oauth/smart/authorize";
/** Path of the sandbox provider's token endpoint. */
export const SANDBOX_TOKEN_PATH = "/sandbox/oauth/token";

const SANDBOX_OAUTH_CLIENT_ID = "human-connect";
/** The shape of an authorization code, as the callback and the completion accept it (an EHR's codes can be long JWTs). */
const CODE_SHAPE = /^[A-Za-z0-9._~+/=-]{16,2048}$/;

export { serviceOrigin } from "../origin.ts";

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
const attemptNotFound = () => new ApiFailure(404, "OAUTH_ATTEMPT_NOT_FOUND", "No OAuth attempt has this id.");

/**
 * The address a redirect sign-in may return to, without its fragment; null when refused. It must be an http(s) URL
 * without credentials, on one of the client's allowed origins (or hosted Connect's own page on this service), and,
 * when the embedding page's origin is known, on that very origin: the page that opened Connect is the page to return to.
 */
export function allowedReturnUrl(raw: string, allowedOrigins: readonly string[], ownOrigin: string, parentOrigin?: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) return null;
  if (parentOrigin !== undefined && url.origin !== parentOrigin) return null;
  const hosted = url.origin === ownOrigin && url.pathname === HOSTED_RETURN_PATH;
  if (!hosted && !allowedOrigins.includes(url.origin)) return null;
  url.hash = "";
  return url.href;
}

/** The connected answer of an OAuth sign-in, from what `completeConnection` answered (`repaired` once it says so). */
function connectedStatus(result: ConnectResult): OAuthAttemptStatus {
  if (result.status !== "connected") throw new Error("an OAuth sign-in cannot ask for a one-time code");
  return { status: "connected", source: result.source, connections: result.connections, repaired: result.repaired === true };
}

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

/**
 * The sandbox provider's sign-in page. `returnOrigin` is where a redirect sign-in's callback sends the browser next:
 * the form's submission ends there through two redirects, and CSP's form-action checks each of them.
 */
function signInPage(c: Context, request: AuthorizeRequest, source: SourceRecord, returnOrigin: string | null, error?: string): Response {
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
  return sendPage(c, { title: `Sign in to ${source.name}`, body, status: error ? 400 : 200, formAction: returnOrigin ? [returnOrigin] : [] });
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
  Record<"notConnected" | "elsewhere" | "startAgain" | "handoffTitle" | "handoff" | "close" | "returnRefused" | "returnAgain" | "errorCode", string> & {
    failures: Record<CallbackFailure, string>;
  }
> = {
  en: {
    notConnected: "Not connected",
    elsewhere:
      "This sign-in must be finished in the Connect window that started it. This window was not opened by that Connect, so nothing was connected.",
    startAgain: "Close this window. To connect your account, start again from Connect.",
    handoffTitle: "Finishing in Connect…",
    handoff: "Handing this sign-in back to the Connect window that started it. This window closes by itself.",
    close: "You can close this window.",
    returnRefused:
      "This sign-in cannot take you back to the page that started it: that address is not one this service may return to. Nothing was connected.",
    returnAgain: "Go back to the site you came from and start again from Connect.",
    errorCode: "Error code:",
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
    returnRefused:
      "Este inicio de sesión no puede devolverte a la página que lo inició: esa dirección no es una a la que este servicio pueda volver. No se conectó nada.",
    returnAgain: "Vuelve al sitio del que venías y empieza de nuevo desde Connect.",
    errorCode: "Código de error:",
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

/** Stable code of a redirect sign-in whose return address is not (or no longer) allowed. */
export const RETURN_URL_NOT_ALLOWED = "OAUTH_RETURN_URL_NOT_ALLOWED";

/** The page a redirect sign-in ends on when its return address is refused: in the browser's language, with the code. */
function returnRefusedPage(c: Context): Response {
  const lang = pageLanguage(c);
  const text = CALLBACK_TEXT[lang];
  return sendPage(c, {
    title: text.notConnected,
    status: 400,
    body: html`<div lang="${lang}">
<h1>${text.notConnected}</h1>
<p class="error" role="alert">${text.returnRefused}</p>
<p class="note">${text.errorCode} <code>${RETURN_URL_NOT_ALLOWED}</code></p>
<p class="note">${text.returnAgain}</p>
</div>`,
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
  const returnOriginOf = (attempt: OAuthAttemptRecord): string | null => {
    const url = services.signIn.returnUrlOf(attempt);
    return url ? new URL(url).origin : null;
  };

  app.post("/v1/connect/oauth/start", authed, async (c) => {
    const auth = c.get("auth");
    const input = parseOrFail(oauthStartBody, await readJsonObject(c));
    const origin = serviceOrigin(deps, c);
    // A sign-in by redirect names the page to come back to; anything off the client's origins is refused up front.
    let returnUrl: string | null = null;
    if (input.return_url !== undefined) {
      returnUrl = allowedReturnUrl(input.return_url, auth.client.allowedOrigins, origin, c.req.header(PARENT_ORIGIN_HEADER));
      if (!returnUrl) {
        throw new ApiFailure(400, RETURN_URL_NOT_ALLOWED, "The return_url must be a page on one of the client's allowed origins (the page that opened Connect).");
      }
    }
    const source = await store.sources.get(input.source_id);
    if (!source) throw new ApiFailure(404, "SOURCE_NOT_FOUND", "No source has this id.");
    if (!signsInByRedirect(source.auth)) {
      throw new ApiFailure(400, "OAUTH_NOT_SUPPORTED", `${source.name} signs in with a username and password, not OAuth.`);
    }
    await refuseIfConnected(deps, auth, source);
    await limitConnectAttempts(deps, auth);
    await reachSource(deps, source);
    const attemptId = randomToken(18, "oa_");
    const state = randomToken(32);
    const codeVerifier = randomToken(32);
    const codeChallenge = sha256Base64Url(codeVerifier);
    const redirectUri = origin + OAUTH_CALLBACK_PATH;
    // A SMART source's EHR is discovered before the attempt exists: an EHR that cannot be reached starts nothing.
    const smartUrl = source.auth === "smart" ? await smartAuthorizationUrl(source, { state, codeChallenge, redirectUri }) : null;
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
      returnUrl,
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
    // A page leaves by redirect only for the service's own origin (the loader's rule): a SMART sign-in by redirect
    // goes through a hop here, which sends it on to the EHR.
    const hop = new URL(SMART_AUTHORIZE_HOP_PATH, origin);
    hop.searchParams.set("state", state);
    const authorizeUrl = smartUrl === null ? url.toString() : returnUrl !== null ? hop.toString() : smartUrl;
    const result: OAuthStartResult = { attempt_id: attemptId, authorize_url: authorizeUrl };
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
      // A poll reads the outcome after the fact; whether the connection was repaired is told by the completion itself.
      repaired: false,
    };
    return c.json(connected);
  });

  app.get(SANDBOX_AUTHORIZE_PATH, async (c) => {
    const resolved = await resolveAuthorizeRequest(deps, c.req.query());
    if ("error" in resolved) return errorPage(c, "Sign-in request refused", resolved.error);
    return signInPage(c, resolved.request, resolved.source, returnOriginOf(resolved.attempt));
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
    if (decision.outcome === "error") return signInPage(c, request, source, returnOriginOf(attempt), decision.message);
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

  app.get(SMART_AUTHORIZE_HOP_PATH, async (c) => {
    const state = c.req.query("state");
    const attempt = state && state.length <= 256 ? await services.signIn.findOAuthAttemptByState(state) : undefined;
    if (!attempt || attempt.status !== "pending" || attempt.completionHash !== null || attempt.expiresAt <= clock.now()) {
      return errorPage(c, "Sign-in request refused", "This sign-in request is unknown, already used or expired. Start again from Connect.");
    }
    const source = await store.sources.get(attempt.sourceId);
    if (source?.auth !== "smart") return errorPage(c, "Sign-in request refused", "This sign-in request is not for a SMART on FHIR source.");
    let target: string;
    try {
      target = await services.smart.authorizationUrl(source, { state: state!, codeChallenge: attempt.codeChallenge, redirectUri: attempt.redirectUri });
    } catch (err) {
      if (!(err instanceof SmartError)) throw err;
      return errorPage(c, "Sign-in not started", `${source.name} cannot be reached to sign in right now. Go back and try again.`);
    }
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    return c.redirect(target, 303);
  });

  app.get(OAUTH_CALLBACK_PATH, async (c) => {
    const origin = serviceOrigin(deps, c);
    const state = c.req.query("state");
    const attempt = state && state.length <= 256 ? await services.signIn.findOAuthAttemptByState(state) : undefined;
    if (!attempt) return errorPage(c, "Sign-in not completed", "This sign-in response is not valid (state mismatch).");
    // A redirect sign-in whose outcome is stored stays "pending" until its page redeems it: a replay finds its secret.
    if (attempt.status !== "pending" || attempt.completionHash !== null) {
      return errorPage(c, "Sign-in not completed", "This sign-in response was already used.");
    }
    if (attempt.returnUrl !== null) return redirectCallback(c, attempt, origin);
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
    const input = parseOrFail(oauthCompleteBody, await readJsonObject(c));
    if (input.completion_secret !== undefined) return redeemReturn(c, input.attempt_id, input.completion_secret);
    const attempt = await services.signIn.getOAuthAttempt(input.attempt_id);
    // Another user's or another session's attempt is unknown here: a sign-in completes only where it started. A
    // redirect sign-in's code never leaves the service, so no code completes one.
    if (!attempt || attempt.humanId !== auth.human.humanId || attempt.sessionId !== auth.sessionId || attempt.returnUrl !== null) {
      throw attemptNotFound();
    }
    const settled = attemptStatus(attempt);
    if (settled?.status === "failed") return c.json(settled);
    if (attempt.status === "connected") throw invalidGrant("The authorization code was already used.");
    const failWith = async (errorCode: string, message: string) => {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "failed", errorCode, message });
      return c.json({ status: "failed", errorCode, message } satisfies OAuthAttemptStatus);
    };
    if (attempt.expiresAt <= clock.now()) return failWith("OAUTH_ATTEMPT_EXPIRED", "The sign-in took too long. Try again.");
    const source = await store.sources.get(attempt.sourceId);
    const failure = await redeemCode(attempt, source, input.code ?? "");
    if (failure) return failWith(failure.errorCode, failure.message);
    if (!source) return failWith("OAUTH_FAILED", "The source no longer exists.");
    const result = await completeConnection(deps, auth, source, "oauth");
    await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "connected" });
    return c.json(connectedStatus(result));
  });

  /**
   * The callback of a sign-in by redirect. It connects nothing: it checks that the return address is still allowed,
   * exchanges the code (or records the provider's refusal) on the attempt, and sends the browser back to the page
   * that started it with a one-time completion secret in the fragment, which only the attempt's user can redeem.
   */
  async function redirectCallback(c: Context<AppEnv>, attempt: OAuthAttemptRecord, origin: string): Promise<Response> {
    const returnUrl = services.signIn.returnUrlOf(attempt);
    const human = await store.humans.get(attempt.humanId);
    const client = human ? await store.clients.get(human.clientId) : undefined;
    // The client's allowed origins may have changed since the start: checked again before anything is sent there.
    if (!returnUrl || !client || client.disabled || allowedReturnUrl(returnUrl, client.allowedOrigins, origin) !== returnUrl) {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, {
        status: "failed",
        errorCode: RETURN_URL_NOT_ALLOWED,
        message: "The page that started this sign-in is not on the client's allowed origins.",
      });
      return returnRefusedPage(c);
    }
    const failure = await redirectOutcome(c, attempt);
    if (failure) await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "failed", ...failure });
    const secret = await services.signIn.createOAuthCompletion(attempt.attemptId, OAUTH_RETURN_TTL_MS);
    if (!secret) return errorPage(c, "Sign-in not completed", "This sign-in response was already used.");
    const target = new URL(returnUrl);
    // In the fragment, never the query: browsers send no fragment to any server, so no log or Referer carries it.
    target.hash = `${OAUTH_RETURN_PARAM}=${attempt.attemptId}.${secret}`;
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    return c.redirect(target.href, 303);
  }

  /** Why a redirect sign-in failed at its callback (null when the code was exchanged for this very attempt). */
  async function redirectOutcome(c: Context<AppEnv>, attempt: OAuthAttemptRecord): Promise<{ errorCode: string; message: string } | null> {
    const failed = (errorCode: string, reason: CallbackFailure) => ({ errorCode, message: CALLBACK_TEXT.en.failures[reason] });
    if (attempt.expiresAt <= clock.now()) return failed("OAUTH_ATTEMPT_EXPIRED", "OAUTH_ATTEMPT_EXPIRED");
    const providerError = c.req.query("error");
    if (providerError !== undefined) {
      return providerError === "access_denied" ? failed("OAUTH_ACCESS_DENIED", "OAUTH_ACCESS_DENIED") : failed("OAUTH_FAILED", "OAUTH_PROVIDER_ERROR");
    }
    const code = c.req.query("code") ?? "";
    if (!CODE_SHAPE.test(code)) return failed("OAUTH_FAILED", "OAUTH_NO_CODE");
    return redeemCode(attempt, await store.sources.get(attempt.sourceId), code);
  }

  /**
   * Redeems the provider's code for this attempt, by popup or by redirect alike: at the EHR for a SMART source, at
   * the sandbox provider otherwise. The failure, or null when the code was this very attempt's.
   */
  async function redeemCode(attempt: OAuthAttemptRecord, source: SourceRecord | undefined, code: string): Promise<{ errorCode: string; message: string } | null> {
    if (source?.auth === "smart") return completeSmartSignIn(attempt, source, code);
    try {
      const exchanged = await exchangeAuthorizationCode(deps, { code, redirectUri: attempt.redirectUri, codeVerifier: attempt.codeVerifier });
      if (exchanged.attemptId !== attempt.attemptId) return { errorCode: "OAUTH_EXCHANGE_FAILED", message: "The authorization code belongs to another sign-in." };
    } catch (err) {
      if (err instanceof ApiFailure) return { errorCode: "OAUTH_EXCHANGE_FAILED", message: err.message };
      throw err;
    }
    return null;
  }

  /**
   * Redeems a redirect sign-in's completion secret with this Connect's token: any Connect of the attempt's own user
   * (the page came back with a fresh token), nobody else's. Once only; then connects, or tells the stored failure.
   */
  async function redeemReturn(c: Context<AppEnv>, attemptId: string, secret: string): Promise<Response> {
    const auth = c.get("auth");
    const attempt = await services.signIn.getOAuthAttempt(attemptId);
    if (!attempt || attempt.humanId !== auth.human.humanId || attempt.returnUrl === null) throw attemptNotFound();
    const redeemed = await services.signIn.redeemOAuthCompletion(attempt, secret);
    if (redeemed === "wrong") throw attemptNotFound();
    if (redeemed === "used") throw invalidGrant("This sign-in was already completed.");
    const failWith = async (errorCode: string, message: string) => {
      await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "failed", errorCode, message });
      return c.json({ status: "failed", errorCode, message } satisfies OAuthAttemptStatus);
    };
    if (redeemed === "expired") return failWith("OAUTH_ATTEMPT_EXPIRED", "The sign-in took too long. Try again.");
    const settled = attemptStatus(attempt);
    if (settled?.status === "failed") return c.json(settled);
    if (attempt.status !== "pending") throw invalidGrant("This sign-in was already completed.");
    const source = await store.sources.get(attempt.sourceId);
    if (!source) return failWith("OAUTH_FAILED", "The source no longer exists.");
    const result = await completeConnection(deps, auth, source, "oauth");
    await services.signIn.finishOAuthAttempt(attempt.attemptId, { status: "connected" });
    return c.json(connectedStatus(result));
  }

  /** The authorize page of a SMART source's EHR; an EHR that cannot be discovered answers 502 EHR_DISCOVERY_FAILED. */
  async function smartAuthorizationUrl(source: SourceRecord, request: { state: string; codeChallenge: string; redirectUri: string }): Promise<string> {
    try {
      return await services.smart.authorizationUrl(source, request);
    } catch (err) {
      if (err instanceof SmartError) {
        deps.logger?.warn({ sourceId: source.id, errorCode: err.code, reason: err.message }, "SMART discovery failed");
        throw new ApiFailure(502, "EHR_DISCOVERY_FAILED", `${source.name} cannot be reached to sign in right now. ${err.message}`);
      }
      throw err;
    }
  }

  /**
   * Ends a SMART sign-in at the EHR (code exchange, patient read, tokens stored encrypted); null when it worked, else
   * the attempt's failure with a stable code.
   */
  async function completeSmartSignIn(attempt: OAuthAttemptRecord, source: SourceRecord, code: string): Promise<{ errorCode: string; message: string } | null> {
    try {
      await services.smart.completeSignIn(attempt.humanId, source, { code, codeVerifier: attempt.codeVerifier, redirectUri: attempt.redirectUri });
      return null;
    } catch (err) {
      if (err instanceof SmartError) {
        deps.logger?.warn({ sourceId: source.id, errorCode: err.code, reason: err.message }, "SMART sign-in failed");
        return { errorCode: err.code, message: `${source.name}: ${err.message}` };
      }
      throw err;
    }
  }

  return app;
}

