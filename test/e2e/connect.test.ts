// One Connect session in real Chromium, page and app on different origins: credentials, MFA, OAuth in a popup,
// disconnect, close. Each callback's payload is checked exactly against the Connect reference's shapes.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type { ConnectSource } from "../../src/protocol/results.ts";
import { app, chooseSource, closeFromApp, describeE2E, mainCalls, openConnect, signIn, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const starfleet: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const enterprise: ConnectSource = { name: "Enterprise Medical Labs", id: "5b1daf3f079c652eaf41fd24" };
const holodeck: ConnectSource = { name: "Holodeck Fitness", id: "5b1daf3f079c652eaf41fd25" };

describeE2E("a Connect session across two origins", () => {
  let env: E2EEnv;
  let page: Page;

  beforeAll(async () => {
    env = await startE2E();
    page = await env.newPage();
    await openConnect(page, await env.sessionToken());
  });
  afterAll(async () => {
    await env?.close();
  });

  test("the dialog is a modal <dialog> holding the app in a titled iframe from the service's origin", async () => {
    await page.getByRole("dialog", { name: "Connect your health data" }).waitFor();
    const info = await page.evaluate(() => {
      const d = document.querySelector("dialog")!;
      const f = d.querySelector("iframe")!;
      return { open: d.open, modal: d.matches(":modal"), title: f.title, src: f.src, overflow: document.documentElement.style.overflow };
    });
    expect(info).toStrictEqual({
      open: true,
      modal: true,
      title: "Connect your health data",
      src: `${env.serviceUrl}/connect?client_id=${env.clientId}`,
      overflow: "hidden",
    });
    expect(new URL(info.src).origin).not.toBe(new URL(env.pageUrl).origin);
    expect(info.src).not.toContain("token");
  });

  test('connects "Starfleet Pharmacy" with demo/demo: onConnectSource gets exactly the documented payload', async () => {
    await chooseSource(page, "Starfleet Pharmacy");
    await signIn(page, "demo", "demo");
    expect(await waitForCall(page, "onConnectSource")).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    await app(page).getByRole("heading", { name: "Starfleet Pharmacy is connected" }).waitFor();
  });

  test('connects "Enterprise Medical Labs" with an MFA code', async () => {
    await app(page).getByRole("button", { name: "Connect another source" }).click();
    await chooseSource(page, enterprise.name);
    await signIn(page, "mfa", "demo");
    await app(page).getByRole("textbox", { name: /code/i }).fill("123456");
    await app(page).getByRole("button", { name: /Verify|Connect/ }).click();
    const payload = await waitForCall(page, "onConnectSource", 1);
    expect(payload.status).toBe("CONNECTED_SOURCE");
    expect(payload.sessionResults).toStrictEqual({ connectedSources: [starfleet, enterprise], disconnectedSources: [] });
    expect(sortById(payload.currentConnections)).toStrictEqual(sortById([starfleet, enterprise]));
  });

  test('connects "Holodeck Fitness" through OAuth in a popup', async () => {
    await app(page).getByRole("button", { name: "Connect another source" }).click();
    await chooseSource(page, holodeck.name);
    const popupOpened = page.context().waitForEvent("page");
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    const popup = await popupOpened;
    await popup.waitForLoadState();
    expect(new URL(popup.url()).origin).toBe(env.serviceUrl);
    await popup.getByLabel("Username").fill("demo");
    await popup.getByLabel("Password").fill("demo");
    const popupClosed = popup.waitForEvent("close", { timeout: 8_000 });
    await popup.getByRole("button", { name: "Allow access" }).click();
    // The popup closes itself once the Connect that opened it has acknowledged the result.
    await popupClosed;
    const payload = await waitForCall(page, "onConnectSource", 2);
    expect(payload.sessionResults).toStrictEqual({ connectedSources: [starfleet, enterprise, holodeck], disconnectedSources: [] });
    expect(sortById(payload.currentConnections)).toStrictEqual(sortById([starfleet, enterprise, holodeck]));
  });

  test("disconnects Starfleet Pharmacy after a confirmation: onDisconnectSource", async () => {
    const a = app(page);
    await a.getByRole("button", { name: "Connect another source" }).click();
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByRole("listitem").filter({ hasText: starfleet.name }).getByRole("button", { name: "Disconnect" }).click();
    // The confirmation asks before anything changes.
    expect((await mainCalls(page)).filter((c) => c[0] === "onDisconnectSource")).toHaveLength(0);
    await a.getByRole("button", { name: "Disconnect", exact: true }).click();
    const payload = await waitForCall(page, "onDisconnectSource");
    expect(Object.keys(payload).sort()).toStrictEqual(["currentConnections", "sessionResults", "status"]);
    expect(payload.status).toBe("DISCONNECTED_SOURCE");
    expect(payload.sessionResults).toStrictEqual({
      connectedSources: [starfleet, enterprise, holodeck],
      disconnectedSources: [starfleet],
    });
    expect(sortById(payload.currentConnections)).toStrictEqual(sortById([enterprise, holodeck]));
  });

  test("Close: onClose gets SUCCESS with the session's cumulative results, and the page is as before", async () => {
    const payload = await closeFromApp(page);
    expect(payload.status).toBe("SUCCESS");
    expect(payload.sessionResults).toStrictEqual({
      connectedSources: [starfleet, enterprise, holodeck],
      disconnectedSources: [starfleet],
    });
    expect(sortById(payload.currentConnections)).toStrictEqual(sortById([enterprise, holodeck]));
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual([
      "onReady",
      "onConnectSource",
      "onConnectSource",
      "onConnectSource",
      "onDisconnectSource",
      "onClose",
    ]);
    const left = await page.evaluate(() => ({
      dialogs: document.querySelectorAll("dialog, iframe").length,
      styles: document.querySelectorAll("style").length,
      overflow: document.documentElement.style.overflow,
    }));
    expect(left).toStrictEqual({ dialogs: 0, styles: 0, overflow: "" });
  });

  test("onEvent streamed named events without secrets", async () => {
    const events = (await page.evaluate(() => (window as any).calls as [string, any][]))
      .filter((c) => c[0] === "onEvent")
      .map((c) => c[1]);
    const names = events.map((e) => e.name);
    for (const name of ["SEARCH", "SELECT_SOURCE", "CONNECT_START", "MFA_REQUIRED", "CONNECTED_SOURCE", "DISCONNECTED_SOURCE", "CLOSE"]) {
      expect(names).toContain(name);
    }
    for (const e of events) {
      expect(Object.keys(e).sort()).toStrictEqual(["data", "name", "timestamp"]);
      expect(JSON.stringify(e)).not.toMatch(/"demo"|123456/);
    }
  });

  test("a returning user opens Connect with an id token and sees the current connections", async () => {
    // The user of this session connected sources, so the token endpoint now answers with id tokens only.
    const p2 = await env.newPage();
    const userId = "returning-user";
    const token = await env.sessionToken(userId);
    await openConnect(p2, token);
    await chooseSource(p2, starfleet.name);
    await signIn(p2, "demo", "demo");
    await waitForCall(p2, "onConnectSource");
    await closeFromApp(p2);

    const res = await fetch(`${env.serviceUrl}/v1/connect/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "id", client_id: env.clientId, client_secret: env.clientSecret, client_user_id: userId }),
    });
    const { id_token } = (await res.json()) as { id_token: string };
    await p2.evaluate(() => ((window as any).calls = []));
    await openConnect(p2, id_token);
    expect(await closeFromApp(p2)).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
  });
});

function sortById(sources: ConnectSource[]): ConnectSource[] {
  return [...sources].sort((a, b) => a.id.localeCompare(b.id));
}
