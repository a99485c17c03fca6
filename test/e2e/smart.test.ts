// SMART on FHIR sources in real Chromium: the customer page on one origin, Connect on the service's, and the sandbox
// EHR's own authorize page on a third. Connected by popup and by full-page redirect, the records then read by the
// company's backend through the service; an EHR that cannot be reached ends on a clear error screen with its name,
// its stable code in an ERROR event, and a way to try again.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type { ConnectEvent } from "../../src/protocol/results.ts";
import { startSandboxEhr, type RunningSandboxEhr } from "../../src/sandbox-ehr/server.ts";
import { app, appFrame, axeViolations, calls, chooseSource, describeE2E, openConnect, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const EHR = { name: "Sandbox Health System", id: "d0d0d0d0d0d0d0d0d0d0d0d1" };
const DOWN = { name: "Unreachable Health", id: "d0d0d0d0d0d0d0d0d0d0d0d2" };

const events = async (page: Page): Promise<ConnectEvent[]> =>
  (await calls(page)).filter((c): c is ["onEvent", ConnectEvent] => c[0] === "onEvent").map((c) => c[1]);

/** At the EHR's page, by keyboard alone: Tab to Username, Password, then Allow. */
async function allowByKeyboard(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").waitFor();
  await page.locator("body").focus();
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("username");
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Allow");
  await page.keyboard.press("Enter");
}

/** The page fits the width it is given: no sideways scroll. */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describeE2E("SMART on FHIR sources", () => {
  let env: E2EEnv;
  let ehr: RunningSandboxEhr;
  let basic: Record<string, string>;

  beforeAll(async () => {
    env = await startE2E();
    ehr = await startSandboxEhr({ port: 0 });
    const row = (id: string, name: string, fhirBaseUrl: string) => ({ id, name, type: "hospital" as const, city: "Cleveland", state: "OH", auth: "smart" as const, description: "", behavior: "normal" as const });
    await env.store.transaction(async (tx) => {
      await tx.sources.upsert([row(EHR.id, EHR.name, ehr.fhirBaseUrl), row(DOWN.id, DOWN.name, "")], Date.now());
      await tx.smart.putSources(
        [
          { sourceId: EHR.id, fhirBaseUrl: ehr.fhirBaseUrl, clientId: "e2e-app", clientSecretEncrypted: null, scopes: "launch/patient openid fhirUser offline_access patient/*.rs" },
          // Port 1 on this machine: nothing listens there.
          { sourceId: DOWN.id, fhirBaseUrl: "http://127.0.0.1:1/fhir", clientId: "e2e-app", clientSecretEncrypted: null, scopes: "launch/patient patient/*.rs" },
        ],
        Date.now(),
      );
    });
    basic = { Authorization: "Basic " + Buffer.from(`${env.clientId}:${env.clientSecret}`).toString("base64") };
    // Running services reload their search index when the catalog version moves.
    const token = await env.sessionToken();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await fetch(`${env.serviceUrl}/v1/connect/sources?q=${encodeURIComponent("Unreachable Health")}`, { headers: { authorization: `Bearer ${token}` } });
      const found = ((await res.json()) as { sources?: { id: string }[] }).sources ?? [];
      if (found.some((s) => s.id === DOWN.id) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await env?.close();
    await ehr?.close();
  });

  const readThrough = (userId: string, path: string) => fetch(`${env.serviceUrl}/v1/users/${encodeURIComponent(userId)}/connections/${EHR.id}/fhir/${path}`, { headers: basic });

  test("the EHR's authorize page in a phone-sized window: no sideways scroll, 0 axe violations, in each of its states", async () => {
    const res = await fetch(`${env.serviceUrl}/v1/connect/oauth/start`, {
      method: "POST",
      headers: { authorization: `Bearer ${await env.sessionToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ source_id: EHR.id }),
    });
    const start = (await res.json()) as { authorize_url: string };
    expect(new URL(start.authorize_url).origin).toBe(ehr.url);
    const phone = await env.newPage({ viewport: { width: 375, height: 667 } });
    await phone.goto(start.authorize_url);
    expect(await fitsWidth(phone)).toBe(true);
    for (const name of ["Allow", "Deny"]) {
      const box = await phone.getByRole("button", { name }).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 375, name).toBe(true);
    }
    expect(await axeViolations(phone.mainFrame())).toStrictEqual([]);
    // Its other states: a wrong password (the page again, with an alert), and a request it refuses.
    await phone.getByLabel("Username").fill("demo");
    await phone.getByLabel("Password").fill("wrong");
    await phone.getByRole("button", { name: "Allow" }).click();
    await phone.getByRole("alert").filter({ hasText: "The username or password is not correct." }).waitFor();
    expect(await fitsWidth(phone)).toBe(true);
    expect(await axeViolations(phone.mainFrame())).toStrictEqual([]);
    await phone.goto(`${ehr.url}/oauth/authorize?response_type=code&client_id=x`);
    await phone.getByRole("heading", { name: "Request refused" }).waitFor();
    expect(await fitsWidth(phone)).toBe(true);
    expect(await axeViolations(phone.mainFrame())).toStrictEqual([]);
    await phone.close();
  });

  test("popup: the EHR's own page on its own origin (0 axe violations, keyboard alone), then connected and readable by the backend", async () => {
    const userId = `smart-popup-${Date.now()}`;
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken(userId));
    await chooseSource(page, EHR.name);
    await app(page).getByText("Sign in on your health system's patient portal").waitFor();
    const popupOpened = page.context().waitForEvent("page");
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    const popup = await popupOpened;
    await popup.waitForLoadState();
    expect(new URL(popup.url()).origin).toBe(ehr.url);
    expect(new URL(popup.url()).origin).not.toBe(env.serviceUrl);
    await popup.getByRole("heading", { name: "Sign in to share your records" }).waitFor();
    expect(await axeViolations(popup.mainFrame())).toStrictEqual([]);
    const popupClosed = popup.waitForEvent("close", { timeout: 10_000 });
    await allowByKeyboard(popup, "demo", "demo");
    await popupClosed;
    const payload = await waitForCall(page, "onConnectSource");
    expect(payload.currentConnections).toStrictEqual([EHR]);
    await app(page).getByRole("heading", { name: `${EHR.name} is connected` }).waitFor();

    const patient = await readThrough(userId, "Patient/hc-demo-1");
    expect(patient.status).toBe(200);
    expect(await patient.json()).toMatchObject({ resourceType: "Patient", id: "hc-demo-1" });
    const bundle = await readThrough(userId, "Observation?patient=hc-demo-1");
    expect(await bundle.json()).toMatchObject({ resourceType: "Bundle", total: 3 });
  });

  test("redirect: the whole tab goes to the EHR's page, comes back, and Connect resumes connected", async () => {
    const userId = `smart-redirect-${Date.now()}`;
    const page = await env.newPage();
    let popups = 0;
    page.context().on("page", () => void popups++);
    await openConnect(page, await env.sessionToken(userId), { oauthRedirect: true });
    await chooseSource(page, EHR.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForURL((u) => u.origin === ehr.url);
    await page.getByLabel("Username").fill("jordan");
    await page.getByLabel("Password").fill("jordan");
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((u) => u.href.startsWith(env.pageUrl) && u.hash.startsWith("#hc-oauth=")).catch(async (e: unknown) => {
      throw new Error(`${page.url()} ${(await page.content()).slice(0, 1500)} ${String(e)}`);
    });
    await page.waitForFunction(() => typeof (window as unknown as { openConnect?: unknown }).openConnect === "function");
    expect(popups).toBe(0);
    await page.evaluate((t) => (window as unknown as { openConnect(t: string, e: object): void }).openConnect(t, { oauthRedirect: true }), await env.sessionToken(userId));
    const payload = await waitForCall(page, "onConnectSource");
    expect(payload.currentConnections).toStrictEqual([EHR]);
    await app(page).getByRole("heading", { name: `${EHR.name} is connected` }).waitFor();
    const conditions = await readThrough(userId, "Condition?patient=hc-demo-2");
    expect(await conditions.json()).toMatchObject({ resourceType: "Bundle", total: 2 });
    const list = await fetch(`${env.serviceUrl}/v1/users/${encodeURIComponent(userId)}/connections`, { headers: basic });
    expect(((await list.json()) as { connections: unknown[] }).connections).toMatchObject([{ source: EHR, status: "active", fhir: { base_url: ehr.fhirBaseUrl, patient: "hc-demo-2" } }]);
  });

  test("an EHR that cannot be reached: its name, the code, an ERROR event, Try again by keyboard (375x667, 0 axe violations)", async () => {
    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, await env.sessionToken());
    await chooseSource(page, DOWN.name);
    await app(page).getByRole("button", { name: "Connect", exact: true }).click();
    await app(page).getByRole("heading", { name: `Could not connect ${DOWN.name}` }).waitFor();
    await app(page).getByRole("alert").filter({ hasText: `${DOWN.name} cannot be reached to sign in right now.` }).waitFor();
    await app(page).getByText("Error code: EHR_DISCOVERY_FAILED").waitFor();
    const error = (await events(page)).find((e) => e.name === "ERROR");
    expect(error?.data).toMatchObject({ errorCode: "EHR_DISCOVERY_FAILED", sourceId: DOWN.id });
    const frame = await appFrame(page, env.serviceUrl);
    expect(await axeViolations(frame)).toStrictEqual([]);
    expect(await frame.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const retry = app(page).getByRole("button", { name: "Try again" });
    const box = await retry.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375 && box.y + box.height <= 667).toBe(true);
    await retry.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      () => (window as unknown as { calls: [string, ConnectEvent][] }).calls.filter((c) => c[0] === "onEvent" && c[1].name === "ERROR").length >= 2,
    );
    await app(page).getByRole("heading", { name: `Could not connect ${DOWN.name}` }).waitFor();
  });

  test("the same error screen in Spanish", async () => {
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken(), { language: "es" });
    await app(page).getByRole("searchbox").fill(DOWN.name);
    await app(page).getByRole("option", { name: DOWN.name, exact: true }).click();
    await app(page).getByRole("button", { name: "Conectar", exact: true }).click();
    await app(page).getByRole("heading", { name: `No se pudo conectar ${DOWN.name}` }).waitFor();
    await app(page).getByText("Código de error: EHR_DISCOVERY_FAILED").waitFor();
    await app(page).getByRole("button", { name: "Intentar de nuevo" }).waitFor();
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
  });
});
