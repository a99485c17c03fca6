// The first screen in real Chromium, against a real service: the user's connections, popular sources from the
// catalog's rank and a hint; pinned sources first in the page's order; `sourceId` straight to the sign-in with Back to
// search; unknown or unavailable ids back to the first screen with an ERROR event; and search as you type.
import { afterAll, beforeAll, expect, test } from "vitest";
import { SEARCH_SOCKET_PATH } from "../../src/protocol/connect-api.ts";
import type { ConnectEvent, ConnectSource } from "../../src/protocol/results.ts";
import { app, appFrame, axeViolations, calls, describeE2E, openConnect, startE2E, type E2EEnv } from "./support.ts";

const STARFLEET: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const CLEVELAND: ConnectSource = { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" };
const HOLODECK: ConnectSource = { name: "Holodeck Fitness", id: "5b1daf3f079c652eaf41fd25" };
const ROMULAN: ConnectSource = { name: "Romulan Health Plan", id: "5b1daf3f079c652eaf41fd26" };

describeE2E("the first screen", () => {
  let env: E2EEnv;

  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  /** The names a first-screen list shows, in order. */
  const listed = (page: Parameters<typeof app>[0], heading: string) =>
    app(page).getByRole("list", { name: heading }).locator(".name").allTextContents();

  const events = async (page: Parameters<typeof app>[0]) =>
    (await calls(page)).filter((c) => c[0] === "onEvent").map((c) => c[1] as ConnectEvent);

  test("shows the user's connections, popular sources and a hint, fits 375x667, has no axe violations, and works by keyboard", async () => {
    const user = `first-screen-${Date.now()}`;
    // A user with connections gets only id tokens, so the browser's session token is minted first.
    const browserToken = await env.sessionToken(user);
    const apiToken = await env.sessionToken(user);
    const res = await fetch(`${env.serviceUrl}/v1/connect/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ source_id: STARFLEET.id, username: "demo", password: "demo" }),
    });
    expect(res.status).toBe(201);

    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, browserToken);
    const a = app(page);
    await a.getByRole("heading", { name: "Popular sources" }).waitFor();
    expect(await listed(page, "Your connections")).toStrictEqual([STARFLEET.name]);
    const popular = await listed(page, "Popular sources");
    expect(popular.slice(0, 3)).toStrictEqual([CLEVELAND.name, HOLODECK.name, "Enterprise Medical Labs"]);
    expect(popular).not.toContain(STARFLEET.name);
    await a.getByText(/Type the name of your hospital/).waitFor();
    expect(await a.getByText(/sources found/).count()).toBe(0);
    expect(await a.getByRole("listbox").count()).toBe(0);
    // Every source has its mark: a monogram (the sandbox has no logos) in white on a colour of its own.
    expect(await a.getByRole("button", { name: CLEVELAND.name, exact: true }).locator(".mark").textContent()).toBe("CC");

    const frame = await appFrame(page, env.serviceUrl);
    expect(await axeViolations(frame)).toStrictEqual([]);
    expect(await frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);

    // Keyboard alone: from the search box, Tab past the type filter to the first source, Enter opens it.
    await a.getByRole("searchbox", { name: /Search/ }).focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await frame.evaluate(() => document.activeElement?.querySelector(".name")?.textContent)).toBe(STARFLEET.name);
    await page.keyboard.press("Tab");
    expect(await frame.evaluate(() => document.activeElement?.querySelector(".name")?.textContent)).toBe(CLEVELAND.name);
    await page.keyboard.press("Enter");
    await a.getByRole("heading", { level: 1, name: CLEVELAND.name }).waitFor();
    await page.context().close();
  });

  test("shows pinned sources first, in the page's order, and leaves unknown ids out with one console warning", async () => {
    const page = await env.newPage();
    const warnings: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "warning" && m.text().includes("pinnedSources")) warnings.push(m.text());
    });
    const unknown = "f".repeat(24);
    await openConnect(page, await env.sessionToken(), { pinnedSources: [HOLODECK.id, unknown, CLEVELAND.id, STARFLEET.id] });
    const a = app(page);
    await a.getByRole("heading", { name: "Suggested sources" }).waitFor();
    expect(await listed(page, "Suggested sources")).toStrictEqual([HOLODECK.name, CLEVELAND.name, STARFLEET.name]);
    const headings = await a.getByRole("heading", { level: 2 }).allTextContents();
    expect(headings[0]).toBe("Suggested sources");
    const popular = await listed(page, "Popular sources");
    for (const s of [HOLODECK, CLEVELAND, STARFLEET]) expect(popular).not.toContain(s.name);
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toContain(unknown);
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
    // A pinned source opens like any other.
    await a.getByRole("button", { name: CLEVELAND.name, exact: true }).first().click();
    await a.getByRole("heading", { level: 1, name: CLEVELAND.name }).waitFor();
    await page.context().close();
  });

  test("sourceId opens straight on the sign-in, and Back goes to search", async () => {
    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, await env.sessionToken(), { sourceId: CLEVELAND.id });
    const a = app(page);
    await a.getByRole("heading", { level: 1, name: `Sign in to ${CLEVELAND.name}` }).waitFor();
    await a.getByLabel("Username").waitFor();
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
    await a.getByRole("button", { name: "Back" }).click();
    await a.getByRole("heading", { level: 1, name: "Find your health data sources" }).waitFor();
    await a.getByRole("heading", { name: "Popular sources" }).waitFor();
    expect((await events(page)).filter((e) => e.name === "ERROR")).toStrictEqual([]);
    await page.context().close();
  });

  test("an unknown or unavailable sourceId opens the first screen and emits ERROR with its code", async () => {
    for (const [sourceId, errorCode] of [
      ["0123456789abcdef01234567", "SOURCE_NOT_FOUND"],
      ["not a source id", "SOURCE_NOT_FOUND"],
      [ROMULAN.id, "SOURCE_UNAVAILABLE"],
    ] as const) {
      const page = await env.newPage();
      await openConnect(page, await env.sessionToken(), { sourceId });
      const a = app(page);
      await a.getByRole("heading", { name: "Popular sources" }).waitFor();
      await expect.poll(async () => (await events(page)).filter((e) => e.name === "ERROR").map((e) => e.data.errorCode)).toStrictEqual([errorCode]);
      expect(await a.getByLabel("Username").count()).toBe(0);
      await page.context().close();
    }
  });

  test("search as you type: results for each keystroke, the count announced once typing pauses, no axe violations", async () => {
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken());
    const a = app(page);
    const box = a.getByRole("searchbox", { name: /Search/ });
    await box.pressSequentially("clevland clin");
    await a.getByRole("option", { name: CLEVELAND.name, exact: true }).waitFor();
    await expect.poll(() => a.locator('[role="status"]').textContent()).toMatch(/^\d[\d,]* sources? found$/);
    await expect.poll(() => a.locator(".search-results").getAttribute("aria-busy")).toBeNull();
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
    await box.fill("");
    await a.getByRole("heading", { name: "Popular sources" }).waitFor();
    expect(await a.getByRole("listbox").count()).toBe(0);
    await page.context().close();
  });

  test("search goes over the socket once it is open, with no HTTP request per keystroke", async () => {
    const page = await env.newPage();
    const httpSearches: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/v1/connect/sources") httpSearches.push(r.url());
    });
    const socketReady = new Promise<string[]>((resolve) => {
      page.on("websocket", (ws) => {
        if (!ws.url().endsWith(SEARCH_SOCKET_PATH)) return;
        const sent: string[] = [];
        ws.on("framesent", (f) => sent.push(String(f.payload)));
        ws.on("framereceived", (f) => {
          if (String(f.payload) === '{"type":"ready"}') resolve(sent);
        });
      });
    });
    await openConnect(page, await env.sessionToken());
    const sent = await socketReady;
    const a = app(page);
    await a.getByRole("searchbox", { name: /Search/ }).pressSequentially("clevland clin");
    await a.getByRole("option", { name: CLEVELAND.name, exact: true }).waitFor();
    await expect.poll(() => a.locator(".search-results").getAttribute("aria-busy")).toBeNull();
    const asked = sent.map((m) => JSON.parse(m) as { type: string; q?: string }).filter((m) => m.type === "search").map((m) => m.q);
    expect(asked).toContain("clevland clin");
    // The token goes in the first message, never in the socket's URL.
    expect(JSON.parse(sent[0]!)).toMatchObject({ type: "hello" });
    expect(httpSearches).toStrictEqual([]);
    await page.context().close();
  });

  test("when the socket cannot open (a proxy that refuses upgrades), search goes by HTTP and still works", async () => {
    const page = await env.newPage();
    await page.routeWebSocket(/\/v1\/connect\/sources\/socket$/, (ws) => ws.close({ code: 1006 }));
    let httpSearches = 0;
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/v1/connect/sources") httpSearches++;
    });
    await openConnect(page, await env.sessionToken());
    const a = app(page);
    await a.getByRole("searchbox", { name: /Search/ }).pressSequentially("clevland clin");
    await a.getByRole("option", { name: CLEVELAND.name, exact: true }).waitFor();
    expect(httpSearches).toBeGreaterThan(0);
    await page.context().close();
  });
});
