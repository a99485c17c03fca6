// useHumanConnect in a React 19 app under StrictMode, bundled with esbuild the way an integrator's build would bundle
// it (the package resolved by name through its "exports" map, React in development mode so StrictMode mounts, unmounts
// and mounts again). Exactly one iframe, each callback once, and nothing left on the page after close.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { signedInDemoPage, startDemoStack, type DemoStack } from "./demo-stack.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { app, axeViolations, chooseSource, closeFromApp, describeE2E, launchBrowser, signIn, waitForCall } from "./support.ts";

const starfleet = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const root = fileURLToPath(new URL("../..", import.meta.url));

// The integrator's app. It opens Connect on click with a token its backend gives then, or on mount with a token the
// page already has (`?auto`), and it can unmount the component that holds the hook.
const APP = `
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { useHumanConnect } from "human-connect/react";

const meta = (name) => document.querySelector('meta[name="' + name + '"]').content;
window.calls = [];
window.iframesAdded = 0;
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) if (n.nodeName === "IFRAME" || n.querySelector?.("iframe")) window.iframesAdded++;
}).observe(document.body, { childList: true, subtree: true });
const record = (name) => (arg) => window.calls.push([name, arg === undefined ? null : arg]);

function ConnectPanel({ auto }) {
  const hc = useHumanConnect({
    baseUrl: meta("hc-connect-url"),
    clientId: meta("hc-client-id"),
    token: auto ? meta("hc-token") : undefined,
    onReady: record("onReady"),
    onConnectSource: record("onConnectSource"),
    onDisconnectSource: record("onDisconnectSource"),
    onClose: record("onClose"),
  });
  useEffect(() => {
    if (auto) hc.open();
  }, []);
  const connect = async () => {
    const res = await fetch("/api/token", { method: "POST" });
    hc.open({ token: (await res.json()).token });
  };
  const status = hc.isOpen ? (hc.ready ? "Connect is ready" : "Connect is loading") : hc.error ? "Connect closed: " + hc.error : "Connect is closed";
  return (
    <section aria-label="Health data">
      <button type="button" onClick={connect} disabled={hc.isOpen}>Connect your health data</button>
      <p role="status">{status}</p>
    </section>
  );
}

function App() {
  const [shown, setShown] = useState(true);
  const auto = location.search === "?auto";
  return (
    <main>
      <h1>React customer page</h1>
      <button type="button" onClick={() => setShown(false)}>Remove the panel</button>
      {shown && <ConnectPanel auto={auto} />}
    </main>
  );
}

createRoot(document.getElementById("root")).render(<StrictMode><App /></StrictMode>);
`;

describeE2E("useHumanConnect in a React 19 StrictMode app", () => {
  let service: TestService;
  let site: Server;
  let browser: Browser;
  let siteUrl = "";

  const countOf = async (page: Page, name: string) =>
    page.evaluate((n) => (window as unknown as { calls: [string, unknown][] }).calls.filter((c) => c[0] === n).length, name);
  const leftovers = (page: Page) =>
    page.evaluate(() => ({
      frames: document.querySelectorAll("iframe, dialog").length,
      sheets: document.adoptedStyleSheets.length,
      overflow: document.documentElement.style.overflow,
    }));

  beforeAll(async () => {
    service = await startTestService({ catalogSize: 2_000 });
    const connectUrl = service.url.replace("://localhost:", "://127.0.0.1:");
    const bundle = await build({
      stdin: { contents: APP, resolveDir: root, loader: "jsx", sourcefile: "app.jsx" },
      bundle: true,
      write: false,
      format: "esm",
      target: "es2022",
      jsx: "automatic",
      jsxImportSource: "react",
      tsconfigRaw: "{}",
      define: { "process.env.NODE_ENV": '"development"' },
      logLevel: "error",
    });
    const script = bundle.outputFiles[0]!.text;
    let html = "";
    let credentials = { client_id: "", client_secret: "" };
    const newToken = () => service.sessionToken(credentials.client_id, credentials.client_secret, `user-${randomUUID()}`);
    // The customer's site: the page, its bundle, and the backend route that asks the Connect service for a token.
    site = createServer(async (req, res) => {
      const path = new URL(req.url ?? "/", "http://site").pathname;
      if (req.method === "POST" && path === "/api/token") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ token: await newToken() }));
      }
      if (path === "/app.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        return res.end(script);
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html.replace("%TOKEN%", await newToken()));
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    siteUrl = `http://localhost:${(site.address() as { port: number }).port}/`;
    credentials = await service.createClient({ name: "React Health", origins: [siteUrl.slice(0, -1)] });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>React customer page</title>
<meta name="hc-connect-url" content="${connectUrl}"><meta name="hc-client-id" content="${credentials.client_id}">
<meta name="hc-token" content="%TOKEN%"></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => {
      if (!site) return resolve();
      site.close(() => resolve());
      site.closeAllConnections();
    });
    await service?.close();
  });

  async function newPage(query = "") {
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(8_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(siteUrl + query);
    return { page, errors };
  }

  test("opened on click with a token fetched then: one iframe, each callback once, nothing left after close", async () => {
    const { page, errors } = await newPage();
    expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await waitForCall(page, "onReady");
    await page.getByRole("status").filter({ hasText: "Connect is ready" }).waitFor();
    expect(await page.evaluate(() => [document.querySelectorAll("iframe").length, (window as unknown as { iframesAdded: number }).iframesAdded])).toStrictEqual([1, 1]);

    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    expect(await waitForCall(page, "onConnectSource")).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    expect(await closeFromApp(page)).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    await page.getByRole("status").filter({ hasText: "Connect is closed" }).waitFor();
    // A doubled callback would arrive in the same turn or the next: give it time to show.
    await page.waitForTimeout(300);
    expect(await Promise.all(["onReady", "onConnectSource", "onClose"].map((n) => countOf(page, n)))).toStrictEqual([1, 1, 1]);
    expect(await leftovers(page)).toStrictEqual({ frames: 0, sheets: 0, overflow: "" });
    expect(await page.evaluate(() => (window as unknown as { iframesAdded: number }).iframesAdded)).toBe(1);
    expect(errors).toStrictEqual([]);
  });

  test("opened on mount: StrictMode's unmount and mount again neither closes it nor opens a second one", async () => {
    const { page, errors } = await newPage("?auto");
    await waitForCall(page, "onReady");
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => [document.querySelectorAll("iframe").length, (window as unknown as { iframesAdded: number }).iframesAdded])).toStrictEqual([1, 1]);
    expect(await countOf(page, "onClose")).toBe(0);
    expect(await countOf(page, "onReady")).toBe(1);

    expect((await closeFromApp(page)).status).toBe("SUCCESS");
    await page.waitForTimeout(300);
    expect(await countOf(page, "onClose")).toBe(1);
    expect(await leftovers(page)).toStrictEqual({ frames: 0, sheets: 0, overflow: "" });
    expect(errors).toStrictEqual([]);
  });

  test("unmounting the component while Connect is open closes it, once", async () => {
    const { page, errors } = await newPage("?auto");
    await waitForCall(page, "onReady");
    // The modal makes the rest of the page inert, so the page's own code unmounts the panel, as a route change would.
    await page.evaluate(() => {
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Remove the panel")!;
      button.click();
    });
    const closed = await waitForCall(page, "onClose");
    expect(closed.status).toBe("SUCCESS");
    await page.waitForTimeout(300);
    expect(await countOf(page, "onClose")).toBe(1);
    expect(await leftovers(page)).toStrictEqual({ frames: 0, sheets: 0, overflow: "" });
    expect(errors).toStrictEqual([]);
  });
});

describeE2E("the demo's React page", () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  test("built with the hook: connects a source on a phone-sized screen, logs each callback once", { timeout: 60_000 }, async () => {
    const { page, errors } = await signedInDemoPage(stack, "/react.html", "react");
    expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
    await page.getByRole("button", { name: "Connect your health data" }).click();
    await page.locator('#log li[data-callback="onReady"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await page.locator('#log li[data-callback="onConnectSource"]').waitFor();
    await expect.poll(() => page.locator("#connections li").allTextContents()).toStrictEqual([`${starfleet.name} (${starfleet.id})`]);
    closeFromAppLater(page);
    await page.getByText("Connect closed: SUCCESS").waitFor();
    const counts = await page.evaluate(() =>
      ["onReady", "onConnectSource", "onClose"].map((n) => document.querySelectorAll(`#log li[data-callback="${n}"]`).length),
    );
    expect(counts).toStrictEqual([1, 1, 1]);
    expect(await page.evaluate(() => document.querySelectorAll("iframe, dialog").length)).toBe(0);
    expect(errors).toStrictEqual([]);
  });
});

// The click removes the frame it happens in; what follows is awaited instead of the click.
function closeFromAppLater(page: Page): void {
  app(page).getByRole("button", { name: "Close", exact: true }).first().click().catch(() => {});
}

