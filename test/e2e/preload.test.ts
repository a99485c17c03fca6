// preload() in real Chromium: the app loads hidden before the user clicks, and open() adopts it without loading it again.
import { afterAll, beforeAll, expect, test } from "vitest";
import { app, appFrame, closeFromApp, describeE2E, openConnect, startE2E, type E2EEnv } from "./support.ts";

describeE2E("preload()", () => {
  let env: E2EEnv;

  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  test("loads the app once, hidden and without a token; the next open() is interactive on that same load", async () => {
    const page = await env.newPage();
    const appLoads: string[] = [];
    page.on("request", (r) => {
      if (r.url().startsWith(`${env.serviceUrl}/connect?`)) appLoads.push(r.url());
    });
    await page.evaluate((clientId) => (window as unknown as { HumanConnect: { preload(o: object): void } }).HumanConnect.preload({ clientId }), env.clientId);
    const frame = await page.waitForFunction(() => document.querySelector("dialog iframe"));
    expect(await frame.evaluate((f) => (f as HTMLIFrameElement).src)).not.toContain("token");
    // The app's module runs (and says hello) before its frame's load event; nothing is shown yet.
    await (await appFrame(page, env.serviceUrl)).waitForLoadState("load");
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => document.querySelector("dialog")!.open)).toBe(false);
    expect(appLoads).toHaveLength(1);

    await openConnect(page, await env.sessionToken());
    await app(page).getByRole("searchbox", { name: /Search/ }).waitFor();
    expect(await page.evaluate(() => document.querySelectorAll("dialog").length)).toBe(1);
    expect(appLoads).toHaveLength(1);

    const closed = await closeFromApp(page);
    expect(closed.status).toBe("SUCCESS");
    expect(await page.evaluate(() => document.querySelectorAll("dialog, iframe").length)).toBe(0);
  });
});
