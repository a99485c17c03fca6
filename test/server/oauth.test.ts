import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf, HOLODECK_OAUTH, postJson, STARFLEET } from "./support.ts";

let svc: TestService;
let client: { client_id: string; client_secret: string };
let n = 0;

beforeAll(async () => {
  svc = await startTestService({ catalogSize: 2000 });
  client = await svc.createClient({ origins: ["http://localhost:3000"] });
});
afterAll(() => svc.close());

async function newToken(): Promise<string> {
  n += 1;
  return svc.sessionToken(client.client_id, client.client_secret, `oauth-user-${n}`);
}

async function start(token: string): Promise<{ attempt_id: string; authorize_url: string }> {
  const r = await api<{ attempt_id: string; authorize_url: string }>(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH });
  expect(r.status).toBe(201);
  return r.body;
}

function hiddenInputs(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  }
  return out;
}

/** Opens the sign-in page and submits it; returns the redirect the provider answers with. */
async function signIn(authorizeUrl: string, username: string, password: string, decision = "allow"): Promise<Response> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const form = new URLSearchParams({ ...hiddenInputs(await page.text()), username, password, decision });
  return fetch(`${svc.url}/sandbox/oauth/authorize`, { method: "POST", body: form, redirect: "manual" });
}

type PopupResult = { origin: string; message: { ns: string; attempt_id: string; status: string; code?: string }; waitMs: number };

function popupMessage(page: string): PopupResult | null {
  const m = /<script type="application\/json" id="hc-oauth-result">([^<]*)<\/script>/.exec(page);
  return m ? (JSON.parse(m[1]!) as PopupResult) : null;
}

/** What the Connect app does with the popup's message: redeem the code with its own token. */
function complete(token: string, attemptId: string, code: string) {
  return api(svc.url, "POST", "/v1/connect/oauth/complete", token, { attempt_id: attemptId, code });
}

/** The explanation every callback page carries, shown unless the Connect that started the attempt answers. */
const EXPLANATION = "This sign-in must be finished in the Connect window that started it. This window was not opened by that Connect, so nothing was connected.";

/** The text a reader sees in a page's body: tags dropped, entities decoded, whitespace collapsed. */
function visibleText(page: string): string {
  return (/<body>([\s\S]*)<\/body>/.exec(page)?.[1] ?? "")
    .replace(/<div [^>]*\bhidden>[\s\S]*?<\/div>/g, " ")
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

describe("the OAuth round trip", () => {
  test("start -> sandbox sign-in -> code -> callback hands the code to its own origin -> the app redeems it -> connected", async () => {
    const token = await newToken();
    const { attempt_id, authorize_url } = await start(token);
    const url = new URL(authorize_url);
    expect(url.origin).toBe(svc.url);
    expect(url.pathname).toBe("/sandbox/oauth/authorize");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("redirect_uri")).toBe(`${svc.url}/v1/connect/oauth/callback`);

    const page = await fetch(authorize_url);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain("Sign in to Holodeck Fitness");
    expect(html).not.toContain(token);

    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toEqual({ status: "pending" });

    const redirect = await signIn(authorize_url, "demo", "demo");
    expect(redirect.status).toBe(303);
    const location = new URL(redirect.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${svc.url}/v1/connect/oauth/callback`);
    expect(location.searchParams.get("state")).toBe(url.searchParams.get("state"));
    expect(location.searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const callback = await fetch(location);
    expect(callback.status).toBe(200);
    expect(callback.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[^']+'/);
    expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
    const callbackHtml = await callback.text();
    const code = location.searchParams.get("code")!;
    expect(popupMessage(callbackHtml)).toEqual({
      origin: svc.url,
      message: { ns: "human-connect-oauth", attempt_id, status: "authorized", code },
      waitMs: 3000,
    });
    // To the opener at this origin only; the page closes itself only on the answer of that very window.
    expect(callbackHtml).toContain("opener.postMessage(message, data.origin)");
    expect(callbackHtml).toContain("event.source !== opener || event.origin !== data.origin");
    expect(callbackHtml).not.toMatch(/postMessage\([^)]*"\*"/);
    // The callback itself connects nothing.
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toEqual({ status: "pending" });
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);

    const redeemed = await complete(token, attempt_id, code);
    expect(redeemed.body).toEqual({
      status: "connected",
      source: { name: "Holodeck Fitness", id: HOLODECK_OAUTH },
      connections: [{ name: "Holodeck Fitness", id: HOLODECK_OAUTH }],
      repaired: false,
    });
    const status = await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token);
    expect(status.body).toEqual({
      status: "connected",
      source: { name: "Holodeck Fitness", id: HOLODECK_OAUTH },
      connections: [{ name: "Holodeck Fitness", id: HOLODECK_OAUTH }],
      repaired: false,
    });

    // a replayed code is refused, by the callback, the completion and the provider's token endpoint, and changes nothing
    const replay = await fetch(location);
    expect(replay.status).toBe(400);
    expect(popupMessage(await replay.text())).toBeNull();
    expect(errorCodeOf(await complete(token, attempt_id, code))).toBe("INVALID_GRANT");
    const exchange = await postJson(`${svc.url}/sandbox/oauth/token`, {
      grant_type: "authorization_code",
      code: location.searchParams.get("code"),
      redirect_uri: `${svc.url}/v1/connect/oauth/callback`,
      code_verifier: "a".repeat(43),
    });
    expect(exchange.status).toBe(400);
    expect(errorCodeOf(exchange)).toBe("INVALID_GRANT");
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.body.connections).toEqual([{ name: "Holodeck Fitness", id: HOLODECK_OAUTH }]);

    const again = await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH });
    expect(errorCodeOf(again)).toBe("ALREADY_CONNECTED");
  });

  test("a wrong state is refused and leaves the attempt pending; the right one still completes", async () => {
    const token = await newToken();
    const { attempt_id, authorize_url } = await start(token);
    const location = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!);
    const forged = new URL(location);
    forged.searchParams.set("state", "x".repeat(43));
    const bad = await fetch(forged);
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("state mismatch");
    expect(popupMessage(badHtml)).toBeNull();
    const noState = new URL(location);
    noState.searchParams.delete("state");
    expect((await fetch(noState)).status).toBe(400);
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toEqual({ status: "pending" });
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);

    const good = await fetch(location);
    expect(good.status).toBe(200);
    expect(popupMessage(await good.text())?.message.status).toBe("authorized");
    expect((await complete(token, attempt_id, location.searchParams.get("code")!)).body.status).toBe("connected");
  });

  test("login CSRF: an attacker's authorize URL completed in another browser connects nothing to the attacker", async () => {
    const attacker = await newToken();
    const { attempt_id, authorize_url } = await start(attacker);
    // The victim, in a fresh browser with no opener, signs in at the attacker's URL.
    const location = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!);
    const page = await fetch(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    // What the victim reads: not connected, and why (the page as served, before any script).
    expect(/<title>([^<]*)<\/title>/.exec(html)?.[1]).toBe("Not connected");
    const text = visibleText(html);
    expect(text).toContain(`Not connected ${EXPLANATION}`);
    expect(text).toContain("Close this window. To connect your account, start again from Connect.");
    expect(text).not.toMatch(/Almost done|is connected|Finishing/);
    // Only a script that hears back from the Connect that started the attempt swaps it for "Finishing in Connect…".
    expect(html).toMatch(/<div data-view="handoff" [^>]*hidden>/);
    // Nothing reaches the attacker's user, however long they poll.
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, attacker)).body).toEqual({ status: "pending" });
    expect((await api(svc.url, "GET", "/v1/connect/session", attacker)).body.connections).toEqual([]);
    // The same page in Spanish for a Spanish-speaking browser.
    const es = visibleText(await (await fetch(location, { headers: { "Accept-Language": "es-ES,es;q=0.9,en;q=0.8" } })).text());
    expect(es).toContain("No conectado Este inicio de sesión debe terminarse en la ventana de Connect que lo inició.");
    expect(es).toContain("así que no se conectó nada.");
    expect(visibleText(await (await fetch(location, { headers: { "Accept-Language": "fr-FR, en;q=0.5, es;q=0.4" } })).text())).toContain(EXPLANATION);
    expect((await api(svc.url, "GET", "/v1/connect/session", attacker)).body.connections).toEqual([]);
  });

  test("a code redeemed from another session of the same user is refused and connects nothing", async () => {
    const userId = `oauth-same-user-${++n}`;
    const first = await svc.sessionToken(client.client_id, client.client_secret, userId);
    const second = await svc.sessionToken(client.client_id, client.client_secret, userId);
    expect(second).not.toBe(first);
    const { attempt_id, authorize_url } = await start(first);
    const code = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!).searchParams.get("code")!;
    const elsewhere = await complete(second, attempt_id, code);
    expect(elsewhere.status).toBe(404);
    expect(errorCodeOf(elsewhere)).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    expect((await api(svc.url, "GET", "/v1/connect/session", second)).body.connections).toEqual([]);
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, first)).body).toEqual({ status: "pending" });
    expect((await complete(first, attempt_id, code)).body.status).toBe("connected");
  });

  test("malformed completions get 400 with a stable code and change nothing", async () => {
    const token = await newToken();
    const { attempt_id, authorize_url } = await start(token);
    const code = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!).searchParams.get("code")!;
    const bodies: unknown[] = [
      {},
      { attempt_id },
      { code },
      { attempt_id, code: 42 },
      { attempt_id: 7, code },
      { attempt_id, code: "short" },
      { attempt_id, code: `${code}!` },
      // An EHR's codes can be long JWTs: up to 2,048 characters are taken.
      { attempt_id, code: "a".repeat(2049) },
      { attempt_id: "not-an-attempt", code },
      { attempt_id: `${attempt_id}\u0000`, code },
      [attempt_id, code],
      "null",
    ];
    for (const body of bodies) {
      const res = await api(svc.url, "POST", "/v1/connect/oauth/complete", token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(["INVALID_REQUEST", "INVALID_JSON"], JSON.stringify(body)).toContain(errorCodeOf(res));
    }
    const notJson = await api(svc.url, "POST", "/v1/connect/oauth/complete", token, "{not json");
    expect(notJson.status).toBe(400);
    expect(errorCodeOf(notJson)).toBe("INVALID_JSON");
    const unauthenticated = await api(svc.url, "POST", "/v1/connect/oauth/complete", null, { attempt_id, code });
    expect(unauthenticated.status).toBe(401);
    expect(errorCodeOf(unauthenticated)).toBe("MISSING_SESSION_TOKEN");
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toEqual({ status: "pending" });
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
    expect((await complete(token, attempt_id, code)).body.status).toBe("connected");
  });

  test("a code redeemed with another user's token is refused and connects nothing", async () => {
    const owner = await newToken();
    const other = await newToken();
    const { attempt_id, authorize_url } = await start(owner);
    const code = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!).searchParams.get("code")!;
    const stolen = await complete(other, attempt_id, code);
    expect(stolen.status).toBe(404);
    expect(errorCodeOf(stolen)).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    expect((await api(svc.url, "GET", "/v1/connect/session", other)).body.connections).toEqual([]);
    expect((await api(svc.url, "GET", "/v1/connect/session", owner)).body.connections).toEqual([]);
    expect(errorCodeOf(await complete(owner, attempt_id, "short"))).toBe("INVALID_REQUEST");
    expect((await complete(owner, attempt_id, code)).body.status).toBe("connected");
  });

  test("the provider's token endpoint checks PKCE and the exact redirect URI", async () => {
    const token = await newToken();
    const { authorize_url } = await start(token);
    const code = new URL((await signIn(authorize_url, "demo", "demo")).headers.get("location")!).searchParams.get("code")!;
    const base = {
      grant_type: "authorization_code",
      code,
      redirect_uri: `${svc.url}/v1/connect/oauth/callback`,
      code_verifier: "b".repeat(43),
    };
    const wrongVerifier = await postJson(`${svc.url}/sandbox/oauth/token`, base);
    expect(errorCodeOf(wrongVerifier)).toBe("INVALID_GRANT");
    expect(wrongVerifier.body.message).toMatch(/code_verifier/);
    const wrongRedirect = await postJson(`${svc.url}/sandbox/oauth/token`, { ...base, redirect_uri: `${svc.url}/v1/connect/oauth/callback/` });
    expect(wrongRedirect.body.message).toMatch(/redirect_uri/);
    const wrongGrant = await postJson(`${svc.url}/sandbox/oauth/token`, { ...base, grant_type: "password" });
    expect(errorCodeOf(wrongGrant)).toBe("INVALID_REQUEST");
    // with the right verifier (read from the store, as the client side of the exchange would hold it) it works once
    const attempt = await svc.services.signIn.findOAuthAttemptByCode(code);
    expect(createHash("sha256").update(attempt!.codeVerifier).digest("base64url")).toBe(attempt!.codeChallenge);
    const ok = await postJson(`${svc.url}/sandbox/oauth/token`, { ...base, code_verifier: attempt!.codeVerifier });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe("Bearer");
    expect(errorCodeOf(await postJson(`${svc.url}/sandbox/oauth/token`, { ...base, code_verifier: attempt!.codeVerifier }))).toBe("INVALID_GRANT");
  });

  test("deny and wrong passwords", async () => {
    const token = await newToken();
    const { attempt_id, authorize_url } = await start(token);
    const wrong = await signIn(authorize_url, "demo", "nope");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The username or password is incorrect.");
    const denied = await signIn(authorize_url, "", "", "deny");
    expect(denied.status).toBe(303);
    const location = new URL(denied.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("access_denied");
    const page = await fetch(location);
    const html = await page.text();
    expect(popupMessage(html)).toEqual({ origin: svc.url, message: { ns: "human-connect-oauth", attempt_id, status: "failed" }, waitMs: 3000 });
    expect(visibleText(html)).toBe("Not connected Access was not allowed. You can close this window.");
    const status = await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token);
    expect(status.body).toEqual({ status: "failed", errorCode: "OAUTH_ACCESS_DENIED", message: expect.any(String) });
  });

  test("a tampered authorization request is refused, with everything reflected escaped", async () => {
    const token = await newToken();
    const { authorize_url } = await start(token);
    for (const [key, value] of [
      ["redirect_uri", "https://evil.example/cb"],
      ["code_challenge", "A".repeat(43)],
      ["code_challenge_method", "plain"],
      ["state", "<script>alert(1)</script>xxxxxxxx"],
      ["client_id", "<img src=x onerror=alert(1)>"],
    ] as const) {
      const url = new URL(authorize_url);
      url.searchParams.set(key, value);
      const res = await fetch(url);
      expect(res.status, key).toBe(400);
      const text = await res.text();
      expect(text).not.toContain("<script>alert");
      expect(text).not.toContain("<img");
    }
  });

  test("OAUTH_NOT_SUPPORTED, SOURCE_NOT_FOUND and OAUTH_ATTEMPT_NOT_FOUND", async () => {
    const token = await newToken();
    const other = await newToken();
    const creds = await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: STARFLEET });
    expect(creds.status).toBe(400);
    expect(errorCodeOf(creds)).toBe("OAUTH_NOT_SUPPORTED");
    expect(errorCodeOf(await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: "ffffffffffffffffffffffff" }))).toBe("SOURCE_NOT_FOUND");
    const { attempt_id } = await start(token);
    const foreign = await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, other);
    expect(foreign.status).toBe(404);
    expect(errorCodeOf(foreign)).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    expect(errorCodeOf(await api(svc.url, "GET", "/v1/connect/oauth/attempts/oa_nope", token))).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    expect(errorCodeOf(await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, null))).toBe("MISSING_SESSION_TOKEN");
  });
});

describe("OAuth by full-page redirect", () => {
  const PAGE = "http://localhost:3000";

  async function startRedirect(token: string, returnUrl = `${PAGE}/account?tab=health#top`, headers: Record<string, string> = {}) {
    const r = await api<{ attempt_id: string; authorize_url: string }>(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH, return_url: returnUrl }, headers);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }

  /** Follows the provider's redirect to the callback; returns the callback's answer (not followed further). */
  async function callback(authorizeUrl: string, decision: "allow" | "deny", headers: Record<string, string> = {}): Promise<Response> {
    const provider = await signIn(authorizeUrl, "demo", "demo", decision);
    expect(provider.status).toBe(303);
    return fetch(provider.headers.get("location")!, { redirect: "manual", headers });
  }

  /** The `#hc-oauth=<attempt>.<secret>` the callback returned with, split. */
  function returned(res: Response): { url: URL; attemptId: string; secret: string } {
    expect(res.status).toBe(303);
    const url = new URL(res.headers.get("location")!);
    const m = /^#hc-oauth=(oa_[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(url.hash);
    expect(m, url.href).not.toBeNull();
    return { url, attemptId: m![1]!, secret: m![2]! };
  }

  const resume = (token: string, attemptId: string, secret: string) =>
    api(svc.url, "POST", "/v1/connect/oauth/complete", token, { attempt_id: attemptId, completion_secret: secret });

  test("start -> sign-in -> the callback exchanges, connects nothing, and 303s to the page with a one-time secret in the fragment -> the user's fresh token redeems it once", async () => {
    const userId = `redirect-user-${++n}`;
    const token = await svc.sessionToken(client.client_id, client.client_secret, userId);
    const { attempt_id, authorize_url } = await startRedirect(token);
    // The sign-in page lets its form's redirects end on the page's origin (CSP form-action checks every hop).
    expect((await fetch(authorize_url)).headers.get("content-security-policy")).toContain(`form-action 'self' ${PAGE}`);
    // Stored sealed: a read of the database shows neither the page nor its query.
    const stored = await svc.store.oauth.get(attempt_id);
    expect(stored?.returnUrl).toBeTruthy();
    expect(stored?.returnUrl).not.toContain("localhost");

    const provider = await signIn(authorize_url, "demo", "demo");
    const callbackUrl = provider.headers.get("location")!;
    const res = await fetch(callbackUrl, { redirect: "manual" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const back = returned(res);
    // Back to the very page (its own fragment replaced), nothing secret in the query.
    expect(`${back.url.origin}${back.url.pathname}${back.url.search}`).toBe(`${PAGE}/account?tab=health`);
    expect(back.attemptId).toBe(attempt_id);
    expect((await svc.store.oauth.get(attempt_id))?.completionHash).not.toContain(back.secret);
    // The callback connected nothing, and the popup's ways in stay shut for a redirect attempt.
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toEqual({ status: "pending" });
    expect(errorCodeOf(await complete(token, attempt_id, back.secret))).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    // A replayed callback is refused and changes nothing.
    const replay = await fetch(callbackUrl, { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("location")).toBeNull();
    expect(await replay.text()).toContain("already used");

    const fresh = await svc.sessionToken(client.client_id, client.client_secret, userId);
    expect(errorCodeOf(await resume(fresh, attempt_id, "B".repeat(43)))).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    const redeemed = await resume(fresh, attempt_id, back.secret);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toEqual({
      status: "connected",
      source: { name: "Holodeck Fitness", id: HOLODECK_OAUTH },
      connections: [{ name: "Holodeck Fitness", id: HOLODECK_OAUTH }],
      repaired: false,
    });
    const again = await resume(fresh, attempt_id, back.secret);
    expect(again.status).toBe(400);
    expect(errorCodeOf(again)).toBe("INVALID_GRANT");
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([{ name: "Holodeck Fitness", id: HOLODECK_OAUTH }]);
  });

  test("a denied sign-in returns too, and the redeem tells the failure with a stable code", async () => {
    const token = await newToken();
    const { attempt_id, authorize_url } = await startRedirect(token);
    const back = returned(await callback(authorize_url, "deny"));
    const redeemed = await resume(token, attempt_id, back.secret);
    expect(redeemed.body).toEqual({ status: "failed", errorCode: "OAUTH_ACCESS_DENIED", message: "Access was not allowed." });
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
  });

  test("login CSRF by redirect: the attacker's attempt, authorized by a victim, is redeemable by neither the victim nor the attacker without the secret", async () => {
    const attacker = await newToken();
    const victim = await newToken();
    const { attempt_id, authorize_url } = await startRedirect(attacker);
    const back = returned(await callback(authorize_url, "allow"));
    // The secret landed in the victim's browser; the victim's Connect, another user, cannot redeem it.
    const byVictim = await resume(victim, attempt_id, back.secret);
    expect(byVictim.status).toBe(404);
    expect(errorCodeOf(byVictim)).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    // The attacker does not have it, and neither polling nor the popup's completion finishes his attempt.
    expect(errorCodeOf(await resume(attacker, attempt_id, "A".repeat(43)))).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, attacker)).body).toEqual({ status: "pending" });
    expect((await api(svc.url, "GET", "/v1/connect/session", attacker)).body.connections).toEqual([]);
    expect((await api(svc.url, "GET", "/v1/connect/session", victim)).body.connections).toEqual([]);
  });

  test("return addresses off the client's allowed origins are refused at the start with OAUTH_RETURN_URL_NOT_ALLOWED, changing nothing", async () => {
    const token = await newToken();
    const refused = [
      "https://evil.example/cb",
      "http://localhost:3001/",
      "https://localhost:3000/",
      "http://user:pass@localhost:3000/",
      "javascript:alert(1)",
      "data:text/html,hi",
      "/relative/path",
      "not a url",
      `${svc.url}/connect`,
      `${svc.url}/v1/connect/oauth/callback`,
    ];
    for (const returnUrl of refused) {
      const r = await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH, return_url: returnUrl });
      expect(r.status, returnUrl).toBe(400);
      expect(errorCodeOf(r), returnUrl).toBe("OAUTH_RETURN_URL_NOT_ALLOWED");
    }
    // The page that opened Connect is the page to return to: another origin than the embedding page's is refused.
    const mismatch = await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH, return_url: `${PAGE}/` }, {
      "Human-Connect-Parent-Origin": svc.url,
    });
    expect(errorCodeOf(mismatch)).toBe("OAUTH_RETURN_URL_NOT_ALLOWED");
    for (const body of [{ source_id: HOLODECK_OAUTH, return_url: 42 }, { source_id: HOLODECK_OAUTH, return_url: `${PAGE}/${"a".repeat(2048)}` }]) {
      expect(errorCodeOf(await api(svc.url, "POST", "/v1/connect/oauth/start", token, body))).toBe("INVALID_REQUEST");
    }
    // Allowed: a page of the client's origin from that page, and hosted Connect's own invite page.
    await startRedirect(token, `${PAGE}/`, { "Human-Connect-Parent-Origin": PAGE });
    await startRedirect(token, `${svc.url}/invite?token=abc`, { "Human-Connect-Parent-Origin": svc.url });
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
  });

  test("a return address the client stopped allowing is refused by the callback with a bilingual page and a stable code", async () => {
    const other = await svc.createClient({ origins: ["http://localhost:3100"] });
    const token = await svc.sessionToken(other.client_id, other.client_secret, `redirect-gone-${++n}`);
    const { attempt_id, authorize_url } = await startRedirect(token, "http://localhost:3100/");
    const provider = await signIn(authorize_url, "demo", "demo");
    const location = provider.headers.get("location")!;
    await svc.store.clients.update(other.client_id, { allowedOrigins: ["http://localhost:3200"] });
    const res = await fetch(location, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const page = await res.text();
    expect(visibleText(page)).toContain("Not connected This sign-in cannot take you back to the page that started it");
    expect(visibleText(page)).toContain("Error code: OAUTH_RETURN_URL_NOT_ALLOWED");
    expect((await api(svc.url, "GET", `/v1/connect/oauth/attempts/${attempt_id}`, token)).body).toMatchObject({
      status: "failed",
      errorCode: "OAUTH_RETURN_URL_NOT_ALLOWED",
    });
    expect((await api(svc.url, "GET", "/v1/connect/session", token, undefined, {})).body).toMatchObject({ connections: [] });
    // In Spanish for a Spanish-speaking browser (the state is spent, so a fresh attempt).
    await svc.store.clients.update(other.client_id, { allowedOrigins: ["http://localhost:3100"] });
    const second = await startRedirect(token, "http://localhost:3100/");
    const location2 = (await signIn(second.authorize_url, "demo", "demo")).headers.get("location")!;
    await svc.store.clients.update(other.client_id, { allowedOrigins: [] });
    const es = visibleText(await (await fetch(location2, { redirect: "manual", headers: { "Accept-Language": "es-ES,es;q=0.9" } })).text());
    expect(es).toContain("No conectado Este inicio de sesión no puede devolverte a la página que lo inició");
    expect(es).toContain("Código de error: OAUTH_RETURN_URL_NOT_ALLOWED");
  });

  test("the completion body takes exactly one of code and completion_secret, well formed", async () => {
    const token = await newToken();
    const { attempt_id } = await startRedirect(token);
    for (const body of [
      { attempt_id, code: "a".repeat(43), completion_secret: "a".repeat(43) },
      { attempt_id, completion_secret: "short" },
      { attempt_id, completion_secret: "a".repeat(43) + "." },
      { attempt_id, completion_secret: 7 },
    ]) {
      const r = await api(svc.url, "POST", "/v1/connect/oauth/complete", token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
    }
  });
});
