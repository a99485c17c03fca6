// Inline mode in real Chromium: Connect fills an element of the customer's page, at the minimum size the README gives,
// on a phone-sized screen. No dialog, no scroll lock; a source is connected, Tab can leave Connect for the page, axe
// finds nothing, and closing leaves the container as it was.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { signedInDemoPage, startDemoStack, type DemoStack } from "./demo-stack.ts";
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
// The minimum size the README documents for the container.
const MIN = { width: 320, height: 560 };

describeE2E("inline mode", () => {
  let env: E2EEnv;
  let page: Page;

  beforeAll(async () => {
    env = await startE2E();
    page = await env.newPage({ viewport: { width: 375, height: 667 } });
    // The customer's own container, placed first on the page at the documented minimum size.
    await page.evaluate(({ width, height }) => {
      const section = document.createElement("section");
      section.id = "connect-here";
      section.setAttribute("aria-label", "Connect your sources");
      section.style.width = `${width}px`;
      section.style.height = `${height}px`;
      document.querySelector("main")!.prepend(section);
      const after = document.createElement("a");
      after.href = "#after";
      after.id = "after-connect";
      after.textContent = "After Connect";
      section.after(after);
    }, MIN);
    await openConnect(page, await env.sessionToken(), { container: "#connect-here" });
  });
  afterAll(async () => {
    await env?.close();
  });

  test("the iframe fills the container; there is no dialog and no scroll lock", async () => {
    const info = await page.evaluate(() => {
      const frame = document.querySelector("#connect-here > iframe") as HTMLIFrameElement;
      const box = frame.getBoundingClientRect();
      return {
        dialogs: document.querySelectorAll("dialog").length,
        iframes: document.querySelectorAll("iframe").length,
        title: frame.title,
        size: [Math.round(box.width), Math.round(box.height)],
        overflow: document.documentElement.style.overflow,
        inert: document.querySelectorAll("[inert]").length,
      };
    });
    expect(info).toStrictEqual({ dialogs: 0, iframes: 1, title: "Connect your health data", size: [MIN.width, MIN.height], overflow: "", inert: 0 });
    // The page still scrolls while Connect is open.
    await page.mouse.wheel(0, 400);
    await page.waitForFunction(() => scrollY > 0);
    await page.evaluate(() => scrollTo(0, 0));
  });

  test("axe finds no violations on the page around Connect nor inside it", async () => {
    expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
    expect(await axeViolations(await appFrame(page, env.serviceUrl))).toStrictEqual([]);
  });

  test("Tab moves on from Connect's last control to the page's next one", async () => {
    const frame = await appFrame(page, env.serviceUrl);
    // Focus the app's last control, then Tab once: the page's link after the container gets focus.
    await frame.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>("a[href],button:not([disabled]),input:not([disabled])")];
      all[all.length - 1]!.focus();
    });
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("after-connect");
  });

  test("connects Starfleet Pharmacy inside the container, then closes and leaves the container as it was", async () => {
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    expect(await waitForCall(page, "onConnectSource")).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    const closed = await closeFromApp(page);
    expect(closed).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    expect((await mainCalls(page)).map((c) => c[0])).toStrictEqual(["onReady", "onConnectSource", "onClose"]);
    const left = await page.evaluate(() => ({
      container: document.querySelector("#connect-here")!.childElementCount,
      iframes: document.querySelectorAll("iframe, dialog, style").length,
      sheets: document.adoptedStyleSheets.length,
    }));
    expect(left).toStrictEqual({ container: 0, iframes: 0, sheets: 0 });
  });
});

describeE2E("the demo's inline page", () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  test("on a phone-sized screen: Connect opens in the page's box, connects a source, and every payload is logged", { timeout: 60_000 }, async () => {
    const { page, errors } = await signedInDemoPage(stack, "/inline.html", "inline");
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await page.locator('#log li[data-callback="onReady"]').waitFor();
    const box = await page.evaluate(() => {
      const r = document.querySelector("#connect-inline iframe")!.getBoundingClientRect();
      return { dialogs: document.querySelectorAll("dialog").length, width: r.width, height: r.height, pageWidth: document.documentElement.scrollWidth };
    });
    expect(box.dialogs).toBe(0);
    expect(box.width).toBeGreaterThanOrEqual(MIN.width);
    expect(box.height).toBeGreaterThanOrEqual(MIN.height);
    expect(box.pageWidth).toBeLessThanOrEqual(375);
    expect(await axeViolations(page.mainFrame())).toStrictEqual([]);

    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await page.locator('#log li[data-callback="onConnectSource"]').waitFor();
    await expect.poll(() => page.locator("#connections li").allTextContents()).toStrictEqual([`${starfleet.name} (${starfleet.id})`]);
    app(page).getByRole("button", { name: "Close", exact: true }).first().click().catch(() => {});
    await page.getByText("Connect closed: SUCCESS").waitFor();
    expect(await page.locator("#connect-inline").evaluate((el) => el.childElementCount)).toBe(0);
    expect(errors).toStrictEqual([]);
  });
});

