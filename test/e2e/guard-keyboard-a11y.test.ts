// Forged messages from a third origin, keyboard-only use, a phone-sized viewport, and axe-core on every screen.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Frame, Page } from "playwright-core";
import {
  app,
  appFrame,
  axeViolations,
  chooseSource,
  closeFromApp,
  describeE2E,
  mainCalls,
  openConnect,
  signIn,
  startE2E,
  waitForCall,
  type E2EEnv,
} from "./support.ts";

const starfleet = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };

describeE2E("guards, keyboard, small screens and accessibility", () => {
  let env: E2EEnv;

  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  test("a third-origin frame posting forged messages to the page and at the app changes nothing", async () => {
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken());
    await page.evaluate((src) => {
      const f = document.createElement("iframe");
      f.src = src;
      f.title = "Third party";
      document.body.append(f);
      return new Promise((r) => f.addEventListener("load", r));
    }, env.thirdOriginUrl);
    const evil = page.frames().find((f) => f.url() === env.thirdOriginUrl) as Frame;
    expect(evil).toBeTruthy();

    const heard = await evil.evaluate(async () => {
      const env = { ns: "human-connect", v: 1 };
      const source = { name: "Forged Source", id: "ffffffffffffffffffffffff" };
      const results = { connectedSources: [source], disconnectedSources: [] };
      const forged = [
        { ...env, type: "hello" },
        { ...env, type: "ready", currentConnections: [source] },
        { ...env, type: "connected", response: { status: "CONNECTED_SOURCE", sessionResults: results, currentConnections: [source] } },
        { ...env, type: "disconnected", response: { status: "DISCONNECTED_SOURCE", sessionResults: results, currentConnections: [] } },
        { ...env, type: "event", event: { name: "ERROR", timestamp: 1, data: {} } },
        { ...env, type: "close", status: "SESSION_TOKEN_INVALID", currentConnections: [] },
      ];
      // At the page, with "*" and with the page's exact origin.
      for (const m of forged) {
        parent.postMessage(m, "*");
        parent.postMessage(m, document.referrer ? new URL(document.referrer).origin : "*");
      }
      // At every frame of the page (the Connect app among them): a fake init with a port, and a close-request.
      const heard: unknown[] = [];
      for (let i = 0; i < parent.frames.length; i++) {
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => heard.push(e.data);
        parent.frames[i]!.postMessage({ ...env, type: "init", token: "forged", options: {} }, "*", [channel.port2]);
        parent.frames[i]!.postMessage({ ...env, type: "close-request" }, "*");
        for (const m of forged) parent.frames[i]!.postMessage(m, "*");
      }
      await new Promise((r) => setTimeout(r, 800));
      return heard;
    });

    expect(heard).toStrictEqual([]);
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual(["onReady"]);
    expect(await page.evaluate(() => document.querySelector("dialog")?.open)).toBe(true);

    // And Connect still works as before.
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    expect(await waitForCall(page, "onConnectSource")).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    await page.context().close();
  });

  test("keyboard only: Tab and Shift+Tab stay in the dialog, Escape closes, focus and scroll return", async () => {
    const page = await env.newPage();
    await page.evaluate((t) => ((window as unknown as { nextToken: string }).nextToken = t), await env.sessionToken());
    // An opener far down the page: focusing it scrolls the page, and that position must come back after closing.
    await page.focus("#opener-bottom");
    const scrollY = await page.evaluate(() => window.scrollY);
    expect(scrollY).toBeGreaterThan(1000);
    await page.keyboard.press("Enter");
    await waitForCall(page, "onReady");
    // The app moves focus to its search box.
    await expect.poll(() => app(page).getByRole("searchbox", { name: /Search/ }).evaluate((el) => el === document.activeElement)).toBe(true);

    // Record every element of the page that gets focus outside the dialog (the inert background must get none).
    await page.evaluate(() => {
      (window as any).focusedOutside = [];
      document.addEventListener("focusin", (e) => {
        const el = e.target as Element;
        if (!el.closest("dialog")) (window as any).focusedOutside.push(el.tagName + "#" + el.id);
      });
    });
    const frame = await appFrame(page, env.serviceUrl);
    // The app runs in its own process, so the page may not have heard yet that focus went back into the iframe:
    // ask the app's document too.
    const where = async () => {
      const outer = await page.evaluate(() => {
        const a = document.activeElement;
        return a?.closest("dialog") ? "dialog" : a === document.body ? "body" : `page ${a?.tagName}#${a?.id}`;
      });
      if (outer !== "body") return outer;
      return (await frame.evaluate(() => document.hasFocus())) ? "dialog" : "left the page";
    };
    // Tab and Shift+Tab cycle through the app's controls and never leave it, not even for the browser's own UI.
    for (const key of ["Tab", "Shift+Tab"]) {
      const seen = new Set<string>();
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press(key);
        const w = await where();
        expect(w, `${key} #${i + 1}`).toBe("dialog");
        const focused = await frame.evaluate(() => {
          const a = document.activeElement;
          return a && a !== document.body ? `${a.tagName}:${a.getAttribute("aria-label") ?? a.textContent?.trim() ?? ""}` : "none";
        });
        expect(focused, `${key} #${i + 1}`).not.toBe("none");
        seen.add(focused);
      }
      // Fifteen presses over a handful of controls: the cycle came round again.
      expect(seen.size).toBeGreaterThan(2);
      expect(seen.size).toBeLessThan(15);
    }
    expect(await page.evaluate(() => (window as any).focusedOutside)).toStrictEqual([]);

    // Search and open a source with the keyboard alone.
    const search = app(page).getByRole("searchbox", { name: /Search/ });
    await search.focus();
    await page.keyboard.type("Starfleet Pharmacy");
    await app(page).getByRole("option", { name: starfleet.name, exact: true }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await app(page).getByRole("heading", { name: starfleet.name }).waitFor();

    // Escape removes the very frame that receives it, which can leave Playwright's key press waiting: the callback is
    // what counts, so the press is not awaited (as with closeFromApp's click).
    page.keyboard.press("Escape").catch(() => {});
    expect((await waitForCall(page, "onClose")).status).toBe("SUCCESS");
    expect(
      await page.evaluate(() => ({
        focused: document.activeElement?.id,
        scrollY: window.scrollY,
        dialogs: document.querySelectorAll("dialog").length,
      })),
    ).toStrictEqual({ focused: "opener-bottom", scrollY, dialogs: 0 });
    await page.context().close();
  });

  test("at 375x667 the dialog fills the screen and the flow works", async () => {
    const page = await env.newPage({ viewport: { width: 375, height: 667 } });
    await openConnect(page, await env.sessionToken());
    const box = await page.locator("dialog").boundingBox();
    expect(box).toStrictEqual({ x: 0, y: 0, width: 375, height: 667 });
    const frameBox = await page.locator("dialog iframe").boundingBox();
    expect(frameBox).toStrictEqual({ x: 0, y: 0, width: 375, height: 667 });
    const noHorizontalScroll = await (await appFrame(page, env.serviceUrl)).evaluate(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    );
    expect(noHorizontalScroll).toBe(true);
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    expect((await waitForCall(page, "onConnectSource")).sessionResults.connectedSources).toStrictEqual([starfleet]);
    await page.context().close();
  });

  test("on a wide screen the dialog is a centred panel, not full screen", async () => {
    const page = await env.newPage({ viewport: { width: 1280, height: 800 } });
    await openConnect(page, await env.sessionToken());
    const box = (await page.locator("dialog").boundingBox())!;
    expect(box.width).toBeLessThan(640);
    expect(Math.round(box.x + box.width / 2)).toBe(640);
    await page.context().close();
  });

  test("axe-core finds no violations on any screen", { timeout: 90_000 }, async () => {
    const page = await env.newPage();
    const violations: Record<string, unknown[]> = {};
    let frame: Frame;
    const check = async (screen: string) => {
      violations[screen] = await axeViolations(frame);
    };
    const a = app(page);

    await openConnect(page, await env.sessionToken());
    frame = await appFrame(page, env.serviceUrl);
    await check("search (empty)");
    await a.getByRole("searchbox", { name: /Search/ }).fill("Starfleet");
    await a.getByRole("option", { name: starfleet.name, exact: true }).waitFor();
    await check("search results");
    await a.getByRole("searchbox", { name: /Search/ }).fill("zzzzqqqqxxxx");
    await a.getByText(/No sources match/).waitFor();
    await check("search, no results");

    await chooseSource(page, starfleet.name);
    await check("source detail");
    await a.getByRole("button", { name: "Connect", exact: true }).click();
    await a.getByLabel("Username").waitFor();
    await check("credentials");
    await a.getByLabel("Username").fill("demo");
    await a.getByLabel("Password").fill("wrong");
    await a.getByRole("button", { name: "Connect", exact: true }).click();
    await a.getByRole("alert").first().waitFor();
    await check("credentials, wrong password");

    await closeFromApp(page);
    await page.evaluate(() => ((window as any).calls = []));

    await openConnect(page, await env.sessionToken());
    frame = await appFrame(page, env.serviceUrl);
    await chooseSource(page, "Enterprise Medical Labs");
    await signIn(page, "mfa", "demo");
    await a.getByRole("textbox", { name: /code/i }).waitFor();
    await check("MFA code");
    await a.getByRole("textbox", { name: /code/i }).fill("123456");
    await a.getByRole("button", { name: /Verify|Connect/ }).click();
    await waitForCall(page, "onConnectSource");
    await a.getByRole("button", { name: "Connect another source" }).waitFor();
    await check("done");

    await a.getByRole("button", { name: "Connect another source" }).click();
    await chooseSource(page, "Vulcan Slow Clinic");
    await signIn(page, "demo", "demo");
    await a.getByRole("heading", { name: /Connecting/ }).waitFor();
    await check("connecting");
    await waitForCall(page, "onConnectSource", 1);

    await a.getByRole("button", { name: "Connect another source" }).click();
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByRole("heading", { name: "Your connections" }).waitFor();
    await check("connections");
    await a.getByRole("listitem").filter({ hasText: "Vulcan Slow Clinic" }).getByRole("button", { name: "Disconnect" }).click();
    await a.getByRole("heading", { name: /Disconnect Vulcan Slow Clinic/ }).waitFor();
    await check("confirm disconnect");
    await a.getByRole("button", { name: "Cancel" }).click();
    await a.getByRole("button", { name: "Find sources" }).click();

    await chooseSource(page, "Romulan Health Plan");
    await signIn(page, "demo", "demo");
    await a.getByRole("alert").first().waitFor();
    await check("source unavailable");

    await closeFromApp(page);
    await page.evaluate(() => ((window as any).calls = []));
    await openConnect(page, await env.sessionToken());
    frame = await appFrame(page, env.serviceUrl);
    await chooseSource(page, "Holodeck Fitness");
    const popupOpened = page.context().waitForEvent("page");
    await a.getByRole("button", { name: "Connect", exact: true }).click();
    const popup = await popupOpened;
    await a.getByText(/Finish signing in/).waitFor();
    await check("OAuth waiting for the popup");
    await popup.close();
    await a.getByRole("button", { name: "Try again" }).waitFor({ timeout: 5_000 });
    await check("OAuth popup closed early");
    await a.getByRole("button", { name: "Cancel" }).click();
    await closeFromApp(page);

    await page.evaluate(() => ((window as any).calls = []));
    await openConnect(page, await env.sessionToken());
    frame = await appFrame(page, env.serviceUrl);
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByText("You have not connected any sources yet.").waitFor();
    await check("connections (none)");

    expect(violations).toStrictEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    expect(Object.keys(violations).length).toBeGreaterThanOrEqual(14);
    await page.context().close();
  });
});
