// The Demo Health site against the real service: sign in, connect, disconnect, close, and see every payload in the
// log; then the npm-import page for the same (now returning) user, who gets an id token.
import { afterAll, beforeAll, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { startDemoStack, type DemoStack } from "./demo-stack.ts";
import { app, chooseSource, describeE2E, signIn } from "./support.ts";

const starfleet = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };


// The click removes the frame it happens in; the log shows what followed, so the click itself is not awaited.
function pressClose(page: Page): void {
  app(page).getByRole("button", { name: "Close", exact: true }).first().click().catch(() => {});
}

/** The log entries of a callback, newest first, as parsed JSON. */
async function logged(page: Page, name: string): Promise<unknown[]> {
  const texts = await page.locator(`#log li[data-callback="${name}"] pre`).allTextContents();
  return texts.map((t) => JSON.parse(t));
}

describeE2E("the Demo Health site", () => {
  let stack: DemoStack;
  let demo: DemoStack["demo"];
  let browser: DemoStack["browser"];
  const userId = `demo-user-${randomUUID()}`;
  let secret = "";

  beforeAll(async () => {
    stack = await startDemoStack();
    ({ demo, browser } = stack);
    secret = stack.clientSecret;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function signInAs(page: Page) {
    await page.getByLabel("User id").fill(userId);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`Signed in as ${userId}`).waitFor();
  }

  test("script tag: a new user connects Starfleet Pharmacy, disconnects it, closes, and each payload is logged", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(demo.url + "/");
    await signInAs(page);
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await page.getByText("New user: opened Connect with a session token.").waitFor();

    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await page.locator('#log li[data-callback="onConnectSource"]').waitFor();
    expect(await logged(page, "onConnectSource")).toStrictEqual([
      {
        status: "CONNECTED_SOURCE",
        sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
        currentConnections: [starfleet],
      },
    ]);
    await expect.poll(() => page.locator("#connections li").allTextContents()).toStrictEqual([`${starfleet.name} (${starfleet.id})`]);

    const a = app(page);
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByRole("listitem").filter({ hasText: starfleet.name }).getByRole("button", { name: "Disconnect" }).click();
    await a.getByRole("button", { name: "Disconnect", exact: true }).click();
    await page.locator('#log li[data-callback="onDisconnectSource"]').waitFor();
    expect(await logged(page, "onDisconnectSource")).toStrictEqual([
      {
        status: "DISCONNECTED_SOURCE",
        sessionResults: { connectedSources: [starfleet], disconnectedSources: [starfleet] },
        currentConnections: [],
      },
    ]);

    pressClose(page);
    await page.locator('#log li[data-callback="onClose"]').waitFor();
    expect(await logged(page, "onClose")).toStrictEqual([
      {
        status: "SUCCESS",
        sessionResults: { connectedSources: [starfleet], disconnectedSources: [starfleet] },
        currentConnections: [],
      },
    ]);
    expect(await page.locator("#connections li").allTextContents()).toStrictEqual(["None"]);
    const events = (await logged(page, "onEvent")) as { name: string }[];
    expect(events.map((e) => e.name)).toContain("CONNECTED_SOURCE");
    expect(await page.getByText("Connect closed: SUCCESS").count()).toBe(1);
    expect(errors).toStrictEqual([]);
    await page.close();
  });

  test("npm import: Connect opens from the ES module build; a user with a connection comes back with an id token", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(demo.url + "/npm.html");
    await signInAs(page);
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await page.locator('#log li[data-callback="onReady"]').waitFor();
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await page.locator('#log li[data-callback="onConnectSource"]').waitFor();
    // Closing removes the frame the click happens in, so the click is not awaited; what follows waits for the result.
    app(page).getByRole("button", { name: "Done" }).click().catch(() => {});
    await page.locator('#log li[data-callback="onClose"]').waitFor();
    expect(await logged(page, "onClose")).toStrictEqual([
      { status: "SUCCESS", sessionResults: { connectedSources: [starfleet], disconnectedSources: [] }, currentConnections: [starfleet] },
    ]);

    // Seed 001: after connecting a source the user is a returning user; the demo backend falls back to an id token.
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await page.getByText("Returning user: opened Connect with an id token.").waitFor();
    await expect.poll(() => page.locator('#log li[data-callback="onReady"]').count()).toBe(2);
    pressClose(page);
    await expect.poll(() => page.locator('#log li[data-callback="onClose"]').count()).toBe(2);
    expect((await logged(page, "onClose"))[0]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    await page.close();
  });

  test("the token route keeps the secret server-side and refuses bad input", async () => {
    const res = await fetch(`${demo.url}/api/token`, { method: "POST", body: JSON.stringify({ userId: "" }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({
      errorCode: "INVALID_REQUEST",
      message: 'Send {"userId": 1 to 255 characters, "email": an email address}.',
    });
    const broken = await fetch(`${demo.url}/api/token`, { method: "POST", body: "{" });
    expect(broken.status).toBe(400);
    const page = await fetch(`${demo.url}/`);
    const html = await page.text();
    expect(html).toContain(`<script src="${stack.service.url}/connect.js"></script>`);
    expect(page.headers.get("content-security-policy")).toContain(`default-src 'self' ${new URL(stack.service.url).origin}`);
    for (const path of ["/", "/npm.html", "/demo.js", "/script-tag.js", "/npm.js"]) {
      expect(await (await fetch(demo.url + path)).text()).not.toContain(secret);
    }
  });
});
