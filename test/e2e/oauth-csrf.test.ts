// OAuth login CSRF in a real browser. An authorize URL started by one user's Connect and signed in anywhere else (in
// another browser with no opener, or in a popup opened by a page that is not that Connect) connects nothing, and the
// page stays open and says the sign-in must be finished in the Connect window that started it.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { app, chooseSource, describeE2E, mainCalls, openConnect, startE2E, type E2EEnv } from "./support.ts";

const HOLODECK = "5b1daf3f079c652eaf41fd25";
const EXPLANATION = "This sign-in must be finished in the Connect window that started it";

describeE2E("OAuth sign-ins finish only in the Connect that started them", () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

  async function connectionsOf(token: string): Promise<unknown[]> {
    const res = await fetch(`${env.serviceUrl}/v1/connect/session`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { connections: unknown[] }).connections;
  }

  async function startAttempt(token: string): Promise<string> {
    const res = await fetch(`${env.serviceUrl}/v1/connect/oauth/start`, { method: "POST", headers: bearer(token), body: JSON.stringify({ source_id: HOLODECK }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { authorize_url: string }).authorize_url;
  }

  /** Signs in at the sandbox provider's page, as the victim would. */
  async function allow(page: Page): Promise<void> {
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("demo");
    await page.getByRole("button", { name: "Allow access" }).click();
  }

  /** The callback page stays open and explains; the wait outlasts its hand-off to a Connect that never answers. */
  async function expectExplained(page: Page): Promise<void> {
    await page.waitForURL(/\/v1\/connect\/oauth\/callback\?/);
    await page.waitForTimeout(4_000);
    expect(page.isClosed()).toBe(false);
    await page.getByRole("heading", { name: "Not connected" }).waitFor();
    await page.getByText(EXPLANATION).waitFor();
    expect(await page.title()).toBe("Not connected");
  }

  test("the authorize URL from the attacker's Connect, signed in by a victim in another browser with no opener, connects nothing", async () => {
    const attacker = await env.sessionToken();
    const attackerPage = await env.newPage();
    await openConnect(attackerPage, attacker);
    await chooseSource(attackerPage, "Holodeck Fitness");
    const popupOpened = attackerPage.context().waitForEvent("page");
    await app(attackerPage).getByRole("button", { name: "Connect", exact: true }).click();
    const attackerPopup = await popupOpened;
    await attackerPopup.waitForLoadState();
    const authorizeUrl = attackerPopup.url();
    expect(new URL(authorizeUrl).pathname).toBe("/sandbox/oauth/authorize");

    const victim = await env.browser.newContext();
    try {
      const page = await victim.newPage();
      page.setDefaultTimeout(8_000);
      await page.goto(authorizeUrl);
      expect(await page.evaluate(() => window.opener === null)).toBe(true);
      await allow(page);
      await expectExplained(page);
    } finally {
      await victim.close();
    }
    // Nothing for the attacker: not through the API, and not in the attacker's Connect, which is still waiting.
    expect(await connectionsOf(attacker)).toStrictEqual([]);
    expect((await mainCalls(attackerPage)).filter((c) => c[0] === "onConnectSource")).toStrictEqual([]);
    await app(attackerPage).getByText(/in the window that opened/).waitFor();
  });

  for (const opener of ["a page of another origin", "a page of the service's own origin that is not that Connect"] as const) {
    test(`the attacker's authorize URL opened in a popup by ${opener}: the popup stays, explains, and connects nothing`, async () => {
      const attacker = await env.sessionToken();
      const authorizeUrl = await startAttempt(attacker);
      let victim: BrowserContext | undefined;
      try {
        victim = await env.browser.newContext();
        const page = await victim.newPage();
        page.setDefaultTimeout(8_000);
        await page.goto(opener === "a page of another origin" ? env.thirdOriginUrl : `${env.serviceUrl}/v1/connect/oauth/callback`);
        const popupOpened = victim.waitForEvent("page");
        await page.evaluate((url) => void window.open(url, "_blank", "popup"), authorizeUrl);
        const popup = await popupOpened;
        popup.setDefaultTimeout(8_000);
        await popup.waitForLoadState();
        expect(await popup.evaluate(() => window.opener !== null)).toBe(true);
        await allow(popup);
        await expectExplained(popup);
      } finally {
        await victim?.close();
      }
      expect(await connectionsOf(attacker)).toStrictEqual([]);
    });
  }
});
