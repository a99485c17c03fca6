// Token problems close Connect with the documented statuses and empty results; a session survives a browser crash.
import { afterAll, beforeAll, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/server/clock.ts";
import { app, chooseSource, closeFromApp, describeE2E, mainCalls, openConnect, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const empty = { connectedSources: [], disconnectedSources: [] };

describeE2E("tokens and sessions", () => {
  let env: E2EEnv;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    env = await startE2E({ clock });
  });
  afterAll(async () => {
    await env?.close();
  });

  const openRaw = (page: import("playwright-core").Page, token: string) =>
    page.evaluate((t) => (window as unknown as { openConnect(t: string): boolean }).openConnect(t), token);

  test("a missing token loads nothing and closes with MISSING_SESSION_TOKEN", async () => {
    const page = await env.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await openRaw(page, "");
    expect(await waitForCall(page, "onClose")).toStrictEqual({ status: "MISSING_SESSION_TOKEN", sessionResults: empty, currentConnections: [] });
    expect(await page.locator("dialog, iframe").count()).toBe(0);
    expect(requests.filter((u) => u.startsWith(`${env.serviceUrl}/connect?`) || u === `${env.serviceUrl}/connect`)).toStrictEqual([]);
    await page.context().close();
  });

  test("a page on an origin the client did not allow closes with ORIGIN_NOT_ALLOWED and learns nothing", async () => {
    const page = await env.newPage();
    await page.goto(env.unlistedPageUrl);
    // Without clientId the service cannot send frame-ancestors, so the app loads: the session check must refuse it.
    await page.evaluate(
      (t) => (window as unknown as { openConnect(t: string, e: object): boolean }).openConnect(t, { clientId: undefined }),
      await env.sessionToken(),
    );
    expect(await waitForCall(page, "onClose")).toStrictEqual({ status: "ORIGIN_NOT_ALLOWED", sessionResults: empty, currentConnections: [] });
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual(["onClose"]);
    expect(await page.locator("dialog, iframe").count()).toBe(0);
    await page.context().close();
  });

  test("an unknown token closes with SESSION_TOKEN_INVALID", async () => {
    const page = await env.newPage();
    await openRaw(page, "not-a-real-token-" + randomUUID());
    expect(await waitForCall(page, "onClose")).toStrictEqual({ status: "SESSION_TOKEN_INVALID", sessionResults: empty, currentConnections: [] });
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual(["onClose"]);
    expect(await page.locator("dialog, iframe").count()).toBe(0);
    await page.context().close();
  });

  test("an expired session token closes with SESSION_TOKEN_EXPIRED", async () => {
    const page = await env.newPage();
    const token = await env.sessionToken();
    clock.advance(3600_000 + 1_000);
    await openRaw(page, token);
    expect(await waitForCall(page, "onClose")).toStrictEqual({ status: "SESSION_TOKEN_EXPIRED", sessionResults: empty, currentConnections: [] });
    await page.context().close();
  });

  test("after the browser context is closed mid-flow, reopening for the same user resumes at the same step", async () => {
    const userId = `resume-${randomUUID()}`;
    const first = await env.newPage();
    await openConnect(first, await env.sessionToken(userId));
    await chooseSource(first, "Starfleet Pharmacy");
    const saved = first.waitForResponse((r) => r.url().endsWith("/v1/connect/ui-state") && r.request().method() === "PUT" && r.ok());
    await app(first).getByRole("button", { name: "Connect", exact: true }).click();
    await app(first).getByLabel("Username").waitFor();
    await saved;
    // Let the last step's save land before the "crash".
    await first.waitForTimeout(300);
    await first.context().close();

    const second = await env.newPage();
    await openConnect(second, await env.sessionToken(userId));
    await app(second).getByRole("heading", { name: /Starfleet Pharmacy/ }).waitFor();
    await app(second).getByLabel("Username").waitFor();
    await app(second).getByLabel("Password").waitFor();
    await second.context().close();
  });
});
