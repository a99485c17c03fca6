// OAuth sign-ins by full-page redirect in real Chromium, page and service on different origins. With `oauthRedirect`
// (or after "Continue in this window" when the popup is blocked, or always in hosted Connect) the whole page leaves
// for the provider, comes back with a one-time secret in its fragment, calls open() again, and Connect resumes on
// the outcome. A return address the client does not allow is refused, and an attempt started by one user and
// authorized in someone else's browser connects nothing.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { runCli } from "../../src/server/cli/run.ts";
import type { ConnectEvent } from "../../src/protocol/results.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { app, appFrame, axeViolations, calls, chooseSource, describeE2E, mainCalls, openConnect, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const HOLODECK = { name: "Holodeck Fitness", id: "5b1daf3f079c652eaf41fd25" };
const AUTHORIZE = /\/sandbox\/oauth\/authorize\?/;

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

async function connectionsOf(serviceUrl: string, token: string): Promise<unknown[]> {
  const res = await fetch(`${serviceUrl}/v1/connect/session`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { connections: unknown[] }).connections;
}

/** At the sandbox provider's page (the whole tab): sign in and allow, or deny. */
async function decide(page: Page, decision: "allow" | "deny"): Promise<void> {
  await page.waitForURL(AUTHORIZE);
  if (decision === "deny") return page.getByRole("button", { name: "Deny" }).click();
  await page.getByLabel("Username").fill("demo");
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Allow access" }).click();
}

const events = async (page: Page): Promise<ConnectEvent[]> =>
  (await calls(page)).filter((c): c is ["onEvent", ConnectEvent] => c[0] === "onEvent").map((c) => c[1]);

describeE2E("OAuth sign-ins by full-page redirect", () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Waits until the tab is back on the customer page with the returned sign-in in its fragment. */
  async function backOnPage(page: Page): Promise<void> {
    await page.waitForURL((u) => u.href.startsWith(env.pageUrl) && u.hash.startsWith("#hc-oauth=")).catch(async (e) => {
      throw new Error(`${page.url()} ${(await page.content()).slice(0, 1500)} ${e}`);
    });
    await page.waitForFunction(() => typeof (window as unknown as { openConnect?: unknown }).openConnect === "function");
  }

  test("oauthRedirect: the page leaves (no popup), comes back, open() again resumes connected: onConnectSource once, listed by the API", async () => {
    const userId = `redirect-${Date.now()}`;
    const page = await env.newPage();
    let popups = 0;
    page.context().on("page", () => void popups++);
    await openConnect(page, await env.sessionToken(userId), { oauthRedirect: true });
    await chooseSource(page, HOLODECK.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    // The top-level page itself goes to the provider; Connect closed quietly (no onClose) on the way out.
    await decide(page, "allow");
    await backOnPage(page);
    expect(popups).toBe(0);
    expect(new URL(page.url()).origin).toBe(new URL(env.pageUrl).origin);

    // A fresh token for the same user; the loader strips the fragment at once and Connect resumes.
    const fresh = await env.sessionToken(userId);
    await page.evaluate((t) => (window as unknown as { openConnect(t: string, e: object): void }).openConnect(t, { oauthRedirect: true }), fresh);
    expect(await page.evaluate(() => location.hash)).toBe("");
    const payload = await waitForCall(page, "onConnectSource");
    expect(payload).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [HOLODECK], disconnectedSources: [] },
      currentConnections: [HOLODECK],
    });
    await app(page).getByRole("heading", { name: "Holodeck Fitness is connected" }).waitFor();
    expect((await events(page)).map((e) => e.name)).toContain("CONNECTED_SOURCE");
    expect(await connectionsOf(env.serviceUrl, fresh)).toStrictEqual([HOLODECK]);
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
    await page.waitForTimeout(500);
    expect((await mainCalls(page)).filter((c) => c[0] === "onConnectSource")).toHaveLength(1);
    expect(page.url()).toBe(env.pageUrl);
  });

  test("a denied sign-in resumes on the failure screen with an ERROR event, and connects nothing", async () => {
    const userId = `redirect-deny-${Date.now()}`;
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken(userId), { oauthRedirect: true });
    await chooseSource(page, HOLODECK.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    await decide(page, "deny");
    await backOnPage(page);
    const fresh = await env.sessionToken(userId);
    await openConnect(page, fresh, { oauthRedirect: true });
    await app(page).getByRole("alert").filter({ hasText: "Access to Holodeck Fitness was not allowed" }).waitFor();
    await page.waitForFunction(() =>
      (window as unknown as { calls: [string, ConnectEvent][] }).calls.some((c) => c[0] === "onEvent" && c[1].name === "ERROR"),
    );
    const error = (await events(page)).find((e) => e.name === "ERROR");
    expect(error?.data).toMatchObject({ errorCode: "OAUTH_ACCESS_DENIED" });
    expect((await mainCalls(page)).filter((c) => c[0] === "onConnectSource")).toStrictEqual([]);
    expect(await connectionsOf(env.serviceUrl, fresh)).toStrictEqual([]);
  });

  test("a blocked popup offers 'Continue in this window' (keyboard, 375x667, 0 axe violations), which takes the redirect path", async () => {
    const userId = `redirect-blocked-${Date.now()}`;
    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, await env.sessionToken(userId));
    // The browser's popup blocker, as the app meets it: window.open answers null.
    await (await appFrame(page, env.serviceUrl)).evaluate(() => {
      window.open = () => null;
    });
    await chooseSource(page, HOLODECK.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    const continueHere = app(page).getByRole("button", { name: "Continue in this window" });
    await continueHere.waitFor();
    await app(page).getByText("Your browser blocked the sign-in window. Continue in this window").waitFor();
    expect((await events(page)).map((e) => e.name)).toContain("OAUTH_POPUP_BLOCKED");
    const frame = await appFrame(page, env.serviceUrl);
    expect(await axeViolations(frame)).toStrictEqual([]);
    expect(await frame.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const box = await continueHere.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375 && box.y + box.height <= 667).toBe(true);
    // By keyboard alone.
    await continueHere.focus();
    await page.keyboard.press("Enter");
    await decide(page, "allow");
    await backOnPage(page);
    await openConnect(page, await env.sessionToken(userId));
    const payload = await waitForCall(page, "onConnectSource");
    expect(payload.currentConnections).toStrictEqual([HOLODECK]);
    await app(page).getByRole("heading", { name: "Holodeck Fitness is connected" }).waitFor();
  });

  test("the blocked popup's screen in Spanish", async () => {
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken(), { language: "es" });
    await (await appFrame(page, env.serviceUrl)).evaluate(() => {
      window.open = () => null;
    });
    await app(page).getByRole("searchbox").fill(HOLODECK.name);
    await app(page).getByRole("option", { name: HOLODECK.name, exact: true }).click();
    await app(page).getByRole("button", { name: "Conectar", exact: true }).click();
    await app(page).getByRole("button", { name: "Continuar en esta ventana" }).waitFor();
    await app(page).getByText("Tu navegador bloqueó la ventana de inicio de sesión. Continúa en esta ventana").waitFor();
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
  });

  test("a return address no longer on the client's allowed origins is refused with a page and a stable code; nothing connects", async () => {
    const page = await env.newPage();
    const token = await env.sessionToken();
    await openConnect(page, token, { oauthRedirect: true });
    await chooseSource(page, HOLODECK.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForURL(AUTHORIZE);
    const client = await env.store.clients.get(env.clientId);
    // While the user is at the provider, the client stops allowing the page's origin.
    await env.store.clients.update(env.clientId, { allowedOrigins: [] });
    try {
      await decide(page, "allow");
      await page.getByRole("heading", { name: "Not connected" }).waitFor();
      expect(new URL(page.url()).origin).toBe(env.serviceUrl);
      await page.getByText("OAUTH_RETURN_URL_NOT_ALLOWED").waitFor();
      await page.getByText("This sign-in cannot take you back to the page that started it").waitFor();
    } finally {
      await env.store.clients.update(env.clientId, { allowedOrigins: client!.allowedOrigins });
    }
    expect(await connectionsOf(env.serviceUrl, token)).toStrictEqual([]);

    // And at the start: a return address on a foreign origin is refused before anything is stored.
    const res = await fetch(`${env.serviceUrl}/v1/connect/oauth/start`, {
      method: "POST",
      headers: bearer(token),
      body: JSON.stringify({ source_id: HOLODECK.id, return_url: env.thirdOriginUrl }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errorCode: string }).errorCode).toBe("OAUTH_RETURN_URL_NOT_ALLOWED");
  });

  test("the attacker's redirect attempt, authorized in a victim's browser, connects nothing to either", async () => {
    const attackerId = `attacker-${Date.now()}`;
    const attackerPage = await env.newPage();
    await openConnect(attackerPage, await env.sessionToken(attackerId), { oauthRedirect: true });
    await chooseSource(attackerPage, HOLODECK.name);
    await app(attackerPage).getByRole("button", { name: "Connect", exact: true }).click();
    await attackerPage.waitForURL(AUTHORIZE);
    const authorizeUrl = attackerPage.url();

    // The victim, signed in to the same company's site in another browser, is lured to the attacker's URL.
    const victimContext = await env.browser.newContext();
    const victim = await env.newPage({ context: victimContext });
    const victimToken = await env.sessionToken();
    await victim.goto(authorizeUrl);
    await decide(victim, "allow");
    await backOnPage(victim);
    const fragment = await victim.evaluate(() => location.hash);
    await openConnect(victim, victimToken);
    await app(victim).getByRole("alert").filter({ hasText: "This sign-in was not started here" }).waitFor();
    const error = (await events(victim)).find((e) => e.name === "ERROR");
    expect(error?.data).toMatchObject({ errorCode: "OAUTH_ATTEMPT_NOT_FOUND" });
    expect((await mainCalls(victim)).filter((c) => c[0] === "onConnectSource")).toStrictEqual([]);
    expect(await connectionsOf(env.serviceUrl, victimToken)).toStrictEqual([]);
    await victimContext.close();

    // The attacker, without the secret (it went to the victim's browser), cannot redeem his own attempt.
    const attackerToken = await env.sessionToken(attackerId);
    const attemptId = /^#hc-oauth=([^.]+)\./.exec(fragment)![1]!;
    const guess = await fetch(`${env.serviceUrl}/v1/connect/oauth/complete`, {
      method: "POST",
      headers: bearer(attackerToken),
      body: JSON.stringify({ attempt_id: attemptId, completion_secret: "A".repeat(43) }),
    });
    expect(guess.status).toBe(404);
    expect(((await guess.json()) as { errorCode: string }).errorCode).toBe("OAUTH_ATTEMPT_NOT_FOUND");
    // Back on his own page, his Connect has nothing to resume.
    await attackerPage.goto(env.pageUrl);
    await openConnect(attackerPage, attackerToken, { oauthRedirect: true });
    await attackerPage.waitForTimeout(500);
    expect((await mainCalls(attackerPage)).filter((c) => c[0] === "onConnectSource")).toStrictEqual([]);
    expect(await connectionsOf(env.serviceUrl, attackerToken)).toStrictEqual([]);
  });
});

describeE2E("hosted Connect from an invite link signs in to OAuth sources by redirect", () => {
  let svc: TestService;
  let env: E2EEnv;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    // The shared browser of startE2E, and a service of our own whose data dir the CLI can mint invite links in.
    env = await startE2E();
    svc = await startTestService({ catalogSize: 2_000 });
    client = await svc.createClient({ name: "Invite Health", origins: ["http://localhost:3999"] });
  });
  afterAll(async () => {
    await env?.close();
    await svc?.close();
  });

  test("connects Holodeck Fitness by redirect and resumes on the success screen after the return", async () => {
    let stdout = "";
    const code = await runCli(
      ["invite", "--client-id", client.client_id, "--client-user-id", "hosted-1", "--email", "hosted-1@example.com", "--expires-in", "3d", "--base-url", svc.url, "--data-dir", svc.dataDir],
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} },
    );
    expect(code).toBe(0);
    const link = stdout.trim();
    const context = await env.browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      let popups = 0;
      context.on("page", () => void popups++);
      await page.goto(link);
      const a = app(page);
      await a.getByRole("searchbox", { name: /Search/ }).fill(HOLODECK.name);
      await a.getByRole("option", { name: HOLODECK.name, exact: true }).click();
      await a.getByRole("button", { name: "Connect", exact: true }).click();
      await decide(page, "allow");
      await page.waitForURL((u) => u.pathname === "/invite" && u.searchParams.has("token"));
      await a.getByRole("heading", { name: "Holodeck Fitness is connected" }).waitFor();
      expect(popups).toBe(0);
      // The fragment was taken off the address at once.
      expect(new URL(page.url()).hash).toBe("");
      await a.getByRole("button", { name: "Done" }).click();
      await page.getByRole("heading", { name: "You are done" }).waitFor();
      await page.getByText("(1 source)").waitFor();
    } finally {
      await context.close();
    }
  });
});
