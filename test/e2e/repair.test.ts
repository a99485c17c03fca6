// Repairing a broken connection in real Chromium, against a real service: the sandbox breaks it, the API reads
// `needs_reauth` and the webhook announces it; then the user signs in again, from `sourceId`, from the connections
// screen, or from a hosted repair link, and the same connection is `active` again, with no disconnect.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ConnectSource } from "../../src/protocol/results.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { app, axeViolations, appFrame, calls, describeE2E, mainCalls, openConnect, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const STARFLEET: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const CLEVELAND: ConnectSource = { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" };

describeE2E("repairing a connection that needs re-authorisation", () => {
  let env: E2EEnv;
  let receiver: TestReceiver;
  let basic: Record<string, string>;

  beforeAll(async () => {
    env = await startE2E();
    receiver = await startReceiver(200);
    basic = { authorization: `Basic ${Buffer.from(`${env.clientId}:${env.clientSecret}`).toString("base64")}`, "content-type": "application/json" };
    const res = await fetch(`${env.serviceUrl}/v1/webhook-endpoint`, { method: "PUT", headers: basic, body: JSON.stringify({ url: `${receiver.url}/hooks` }) });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  const post = (path: string, body: unknown) => fetch(env.serviceUrl + path, { method: "POST", headers: basic, body: JSON.stringify(body) });

  async function statusOf(userId: string, sourceId: string): Promise<string | undefined> {
    const res = await fetch(`${env.serviceUrl}/v1/users/${encodeURIComponent(userId)}/connections`, { headers: basic });
    const body = (await res.json()) as { connections: { source: ConnectSource; status: string }[] };
    return body.connections.find((c) => c.source.id === sourceId)?.status;
  }

  /** Status-change webhooks received for one user, in order. */
  const statusEvents = (userId: string) =>
    receiver.requests
      .map((r) => JSON.parse(r.body) as { type: string; data: { client_user_id: string; status: string; previous_status: string } })
      .filter((e) => e.type === "connect.connection_status_changed" && e.data.client_user_id === userId)
      .map((e) => `${e.data.previous_status}->${e.data.status}`);

  async function eventually(read: () => unknown, expected: unknown): Promise<void> {
    const end = Date.now() + 10_000;
    while (JSON.stringify(read()) !== JSON.stringify(expected) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(read()).toStrictEqual(expected);
  }

  /**
   * A user with Starfleet and Cleveland connected through the API, and Starfleet then broken by the sandbox. Returns
   * `tokens` session tokens for the browser, minted first: a user with connections gets only id tokens after that.
   */
  async function userWithBrokenStarfleet(userId: string, tokens = 1): Promise<string[]> {
    const minted: string[] = [];
    for (let i = 0; i < tokens; i++) minted.push(await env.sessionToken(userId));
    const token = await env.sessionToken(userId);
    for (const s of [STARFLEET, CLEVELAND]) {
      const res = await fetch(`${env.serviceUrl}/v1/connect/connections`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ source_id: s.id, username: "demo", password: "demo" }),
      });
      expect(res.status).toBe(201);
    }
    expect((await post("/v1/sandbox/connections/break", { client_user_id: userId, source_id: STARFLEET.id, reason: "credentials_changed" })).status).toBe(200);
    expect(await statusOf(userId, STARFLEET.id)).toBe("needs_reauth");
    await eventually(() => statusEvents(userId), ["active->needs_reauth"]);
    return minted;
  }

  test("open({ sourceId }) goes straight to the sign-in; the repair fires onConnectSource once and no disconnect", async () => {
    const user = "repair-by-source-id";
    const [token] = await userWithBrokenStarfleet(user);
    const page = await env.newPage();
    await openConnect(page, token!, { sourceId: STARFLEET.id });
    const a = app(page);
    await a.getByLabel("Username").waitFor();
    await a.getByLabel("Username").fill("demo");
    await a.getByLabel("Password").fill("demo");
    await a.getByRole("button", { name: "Connect", exact: true }).click();
    await a.getByRole("heading", { name: "Starfleet Pharmacy is reconnected" }).waitFor();
    const connected = await waitForCall(page, "onConnectSource");
    expect(connected).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [STARFLEET], disconnectedSources: [] },
      currentConnections: [STARFLEET, CLEVELAND],
    });
    const names = (await calls(page)).filter((c) => c[0] === "onEvent").map((c) => (c[1] as { name: string }).name);
    expect(names).toContain("SOURCE_REPAIRED");
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual(["onReady", "onConnectSource"]);
    expect(await statusOf(user, STARFLEET.id)).toBe("active");
    await eventually(() => statusEvents(user), ["active->needs_reauth", "needs_reauth->active"]);
  });

  test("the connections screen marks the broken connection and repairs it with Reconnect, at 375x667, by keyboard", async () => {
    const user = "repair-from-connections";
    const [token] = await userWithBrokenStarfleet(user);
    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, token!);
    const a = app(page);
    await a.getByRole("button", { name: "Your connections" }).click();
    const row = a.getByRole("listitem").filter({ hasText: STARFLEET.name });
    await row.getByText("Needs you to sign in again").waitFor();
    expect(await a.getByRole("button", { name: "Reconnect" }).count()).toBe(1);
    const frame = await appFrame(page, env.serviceUrl);
    expect(await axeViolations(frame)).toStrictEqual([]);
    expect(await frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);

    await row.getByRole("button", { name: "Reconnect" }).focus();
    await page.keyboard.press("Enter");
    await a.getByLabel("Username").waitFor();
    expect(await axeViolations(frame)).toStrictEqual([]);
    await a.getByLabel("Username").fill("demo");
    await a.getByLabel("Password").fill("demo");
    await page.keyboard.press("Enter");
    await a.getByRole("heading", { name: "Starfleet Pharmacy is reconnected" }).waitFor();
    await waitForCall(page, "onConnectSource");
    expect((await mainCalls(page)).map((c) => c[0])).not.toContain("onDisconnectSource");
    expect(await statusOf(user, STARFLEET.id)).toBe("active");
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByRole("listitem").filter({ hasText: STARFLEET.name }).waitFor();
    expect(await a.getByRole("button", { name: "Reconnect" }).count()).toBe(0);
  });

  test("a hosted repair link opens on the source's sign-in and restores the connection", async () => {
    const user = "repair-by-link";
    await userWithBrokenStarfleet(user);
    const made = await post("/v1/connect/invite-links", { client_user_id: user, email: `${user}@example.com`, source_id: STARFLEET.id });
    expect(made.status).toBe(201);
    const { url } = (await made.json()) as { url: string };
    const context = await env.browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(url);
      const a = app(page);
      await a.getByLabel("Username").waitFor();
      await a.getByRole("heading", { level: 1, name: STARFLEET.name }).waitFor();
      await a.getByLabel("Username").fill("demo");
      await a.getByLabel("Password").fill("demo");
      await a.getByRole("button", { name: "Connect", exact: true }).click();
      await a.getByRole("heading", { name: "Starfleet Pharmacy is reconnected" }).waitFor();
      expect(await statusOf(user, STARFLEET.id)).toBe("active");
      await eventually(() => statusEvents(user), ["active->needs_reauth", "needs_reauth->active"]);
    } finally {
      await context.close();
    }
  });

  test("a source detail that needs re-authorisation explains it, in English and Spanish", async () => {
    const user = "repair-detail";
    const tokens = await userWithBrokenStarfleet(user, 3);
    for (const [language, notice, button] of [
      ["en", "Needs you to sign in again", "Reconnect"],
      ["es", "Debes iniciar sesión de nuevo", "Reconectar"],
    ] as const) {
      const page = await env.newPage({ viewport: { width: 375, height: 667 } });
      await openConnect(page, tokens.pop()!, { language });
      const a = app(page);
      // The first visit searches; a later one resumes on the detail it left (the saved step).
      await a.getByRole("searchbox").or(a.getByText(notice)).first().waitFor();
      if (await a.getByRole("searchbox").isVisible()) {
        await a.getByRole("searchbox").fill(STARFLEET.name);
        await a.getByRole("option", { name: STARFLEET.name, exact: true }).click();
      }
      await a.getByText(notice).waitFor();
      await a.getByRole("button", { name: button }).waitFor();
      expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
      await page.context().close();
    }
    // Signing in from the detail repairs it too.
    const page = await env.newPage();
    await openConnect(page, tokens.pop()!);
    const a = app(page);
    await a.getByRole("button", { name: "Reconnect" }).click();
    await a.getByLabel("Username").fill("demo");
    await a.getByLabel("Password").fill("demo");
    await a.getByRole("button", { name: "Connect", exact: true }).click();
    await a.getByRole("heading", { name: "Starfleet Pharmacy is reconnected" }).waitFor();
    expect(await statusOf(user, STARFLEET.id)).toBe("active");
  });

  test("the Portal's users screen shows the broken connection and makes a repair link, by keyboard, in English and Spanish", async () => {
    const user = "repair-portal";
    await userWithBrokenStarfleet(user, 0);
    const words = {
      en: { id: "Client id", secret: "Client secret", signIn: "Sign in", users: "Users", show: "Show connections", broken: "Needs reconnecting", make: "Make a repair link", link: "Repair link" },
      es: { id: "Id de cliente", secret: "Secreto de cliente", signIn: "Iniciar sesión", users: "Usuarios", show: "Ver conexiones", broken: "Necesita reconexión", make: "Crear un enlace de reparación", link: "Enlace de reparación" },
    } as const;
    let repairUrl = "";
    for (const lang of ["es", "en"] as const) {
      const w = words[lang];
      const context = await env.browser.newContext({ viewport: { width: 375, height: 667 }, locale: lang === "es" ? "es-ES" : "en-US" });
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await page.goto(`${env.serviceUrl}/portal`);
        await page.getByLabel(w.id).fill(env.clientId);
        await page.getByLabel(w.secret).fill(env.clientSecret);
        await page.keyboard.press("Enter");
        await page.getByRole("navigation").getByRole("button", { name: w.users, exact: true }).click();
        const show = page.getByRole("button", { name: `${w.show}: ${user}` });
        await show.focus();
        await page.keyboard.press("Enter");
        // The panel takes focus at its heading, and names the broken connection's status.
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("user-connections-heading");
        const row = page.getByRole("row", { name: new RegExp(STARFLEET.name) });
        await row.getByText(w.broken).waitFor();
        await page.getByRole("row", { name: new RegExp(CLEVELAND.name) }).waitFor();
        expect(await page.getByRole("button", { name: new RegExp(`^${w.make}`) }).count()).toBe(1);
        await row.getByRole("button", { name: `${w.make}: ${STARFLEET.name}` }).focus();
        await page.keyboard.press("Enter");
        // The form takes focus at its email field, filled with the user's address when it is known; Enter submits it.
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("repair-email");
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type(`${user}.${lang}@example.com`);
        await page.keyboard.press("Enter");
        const link = page.getByLabel(w.link, { exact: true });
        await link.waitFor();
        repairUrl = await link.inputValue();
        expect(repairUrl).toContain(`source_id=${STARFLEET.id}`);
        expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
        const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
      } finally {
        await context.close();
      }
    }
    // The last link made opens hosted Connect on the repair, and signing in restores the connection.
    const context = await env.browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(repairUrl);
      const a = app(page);
      await a.getByRole("heading", { level: 1, name: STARFLEET.name }).waitFor();
      await a.getByLabel("Username").fill("demo");
      await a.getByLabel("Password").fill("demo");
      await a.getByRole("button", { name: "Connect", exact: true }).click();
      await a.getByRole("heading", { name: "Starfleet Pharmacy is reconnected" }).waitFor();
      expect(await statusOf(user, STARFLEET.id)).toBe("active");
    } finally {
      await context.close();
    }
  });
});
