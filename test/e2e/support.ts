/**
 * End-to-end support: a real Chromium (playwright-core), the real Connect service (startTestService) and a customer
 * page served from a different origin, so every message really crosses origins.
 *
 *   Connect service   http://127.0.0.1:<port>     (the app in the iframe, connect.js, the API)
 *   customer page     http://localhost:<port>     (this file's page server; its origin is allowed on the client)
 *   third origin      http://127.0.0.1:<port>     (the same page server by another name: not allowed anywhere)
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, test } from "vitest";
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import type { CloseResponse, ConnectEvent, ConnectSourceResponse, DisconnectSourceResponse } from "../../src/protocol/results.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import type { Clock } from "../../src/server/clock.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../bench/lib/chromium.mjs";

export { CHROMIUM_PATH };
const NO_CHROMIUM =
  `No Chromium at ${CHROMIUM_PATH}: the end-to-end suite needs one. Install it with \`sudo apt-get install chromium\` ` +
  "(Debian/Ubuntu) or point CHROMIUM_PATH at a Chromium or Chrome binary.";

/**
 * `describe` for browser suites: runs them when Chromium is there; otherwise fails under CI=true and skips elsewhere,
 * both with a message that says how to install one.
 */
export function describeE2E(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(name, () => {
      test("needs Chromium", () => {
        throw new Error(NO_CHROMIUM);
      });
    });
    return;
  }
  console.warn(`[e2e skipped] ${NO_CHROMIUM}`);
  describe.skip(name, body);
}

const distFiles = ["dist/connect.js", "dist/index.js", "dist/app/index.html"];

/** Launches the one browser of a test file (after checking that the build the service serves exists). */
export function launchBrowser(): Promise<Browser> {
  const missing = distFiles.filter((f) => !existsSync(fileURLToPath(new URL(`../../${f}`, import.meta.url))));
  if (missing.length) throw new Error(`${missing.join(", ")} missing: run \`node scripts/build.mjs\` (npm test does) before the end-to-end suite.`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** What the customer page recorded: each callback's name and argument, in order. */
export type Call =
  | ["onClose", CloseResponse]
  | ["onConnectSource", ConnectSourceResponse]
  | ["onDisconnectSource", DisconnectSourceResponse]
  | ["onEvent", ConnectEvent]
  | ["onReady", null];

// The customer page: connect.js from the service, an opener button, and a page tall enough to scroll.
function customerPage(serviceUrl: string, clientId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer page</title>
<script src="${serviceUrl}/connect.js"></script>
</head><body>
<main><h1>Customer page</h1>
<button id="opener" type="button">Open Connect</button>
<div style="height:3000px" aria-hidden="true"></div>
<button id="opener-bottom" type="button">Open Connect (bottom)</button>
<div style="height:300px" aria-hidden="true"></div>
<p>End of page</p></main>
<script>
  window.calls = [];
  window.record = (name) => (arg) => window.calls.push([name, arg === undefined ? null : arg]);
  window.openConnect = (token, extra) => {
    window.handle = HumanConnect.open(Object.assign({
      token: token,
      clientId: ${JSON.stringify(clientId)},
      onClose: record("onClose"),
      onConnectSource: record("onConnectSource"),
      onDisconnectSource: record("onDisconnectSource"),
      onEvent: record("onEvent"),
      onReady: record("onReady"),
    }, extra || {}));
    return true;
  };
  for (const id of ["opener", "opener-bottom"]) {
    document.getElementById(id).addEventListener("click", () => openConnect(window.nextToken));
  }
</script>
</body></html>`;
}

// A page of a third origin that only posts what a test tells it to.
const EVIL_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Third party</title></head>
<body><p>Third party</p></body></html>`;

export interface E2EEnv {
  serviceUrl: string;
  pageUrl: string;
  thirdOriginUrl: string;
  /** The customer page served from the third origin, which is not among the client's allowed origins. */
  unlistedPageUrl: string;
  clientId: string;
  clientSecret: string;
  clock: Clock | undefined;
  browser: Browser;
  /** The service's store, for a test that changes the client between two steps. */
  store: TestService["store"];
  /** A fresh session token for a new user (or the given one). */
  sessionToken(userId?: string): Promise<string>;
  /** Opens the customer page in a new context (optionally sized); closes with the context. */
  newPage(opts?: { viewport?: { width: number; height: number }; context?: BrowserContext }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts the service, the page server and the browser shared by one test file. */
export async function startE2E(opts: { clock?: Clock } = {}): Promise<E2EEnv> {
  // A smaller catalog than the default 50,000 (the fixed sandbox sources come first) keeps start-up quick.
  const service = await startTestService({ catalogSize: 2_000, ...(opts.clock ? { clock: opts.clock } : {}) });
  const serviceUrl = service.url.replace("://localhost:", "://127.0.0.1:");
  let body = "";
  const pages: Server = createServer((req, res) => {
    const host = req.headers.host ?? "";
    // The customer page is at "/" on the allowed origin; "/unlisted" serves the same page on any origin, so a test can
    // embed Connect from an origin the client never allowed.
    const html = (host.startsWith("localhost:") && req.url === "/") || req.url === "/unlisted" ? body : EVIL_PAGE;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  const port = (pages.address() as { port: number }).port;
  const pageUrl = `http://localhost:${port}/`;
  const thirdOriginUrl = `http://127.0.0.1:${port}/third`;
  const client = await service.createClient({ name: "E2E Health", origins: [`http://localhost:${port}`] });
  body = customerPage(serviceUrl, client.client_id);
  const browser = await launchBrowser();
  const contexts = new Set<BrowserContext>();

  return {
    serviceUrl,
    pageUrl,
    thirdOriginUrl,
    unlistedPageUrl: `http://127.0.0.1:${port}/unlisted`,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    clock: opts.clock,
    browser,
    store: service.store,
    sessionToken: (userId = `user-${randomUUID()}`) => service.sessionToken(client.client_id, client.client_secret, userId, `${userId}@example.com`),
    async newPage({ viewport, context } = {}) {
      const ctx = context ?? (await browser.newContext({ viewport: viewport ?? { width: 1024, height: 768 } }));
      contexts.add(ctx);
      const page = await ctx.newPage();
      // Fail fast on a missing element, well inside the test's own timeout.
      page.setDefaultTimeout(8_000);
      await page.goto(pageUrl);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      await new Promise<void>((resolve) => {
        pages.close(() => resolve());
        pages.closeAllConnections();
      });
      await service.close();
    },
  };
}

/** The Connect app's frame inside the page, once it has loaded. */
export async function appFrame(page: Page, serviceUrl: string): Promise<Frame> {
  for (let i = 0; i < 100; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(`${serviceUrl}/connect`));
    if (frame) return frame;
    await page.waitForTimeout(50);
  }
  throw new Error("the Connect app's frame did not appear");
}

/** Locators inside the Connect iframe. */
export const app = (page: Page) => page.frameLocator('iframe[title="Connect your health data"]');

/** The callbacks the page has recorded so far. */
export const calls = (page: Page): Promise<Call[]> => page.evaluate(() => (window as unknown as { calls: Call[] }).calls);

/** Waits until the page has recorded a callback with this name, and returns its argument. */
export async function waitForCall<N extends Call[0]>(page: Page, name: N, nth = 0): Promise<Extract<Call, [N, unknown]>[1]> {
  await page.waitForFunction(
    ([n, k]) => (window as unknown as { calls: [string, unknown][] }).calls.filter((c) => c[0] === n).length > k,
    [name, nth] as const,
    { timeout: 15_000 },
  );
  const all = await calls(page);
  return all.filter((c) => c[0] === name)[nth]![1] as Extract<Call, [N, unknown]>[1];
}

/** Callbacks other than onEvent, in order: what an integrator's main callbacks saw. */
export const mainCalls = async (page: Page) => (await calls(page)).filter((c) => c[0] !== "onEvent");

const axeSource = readFileSync(fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url)), "utf8");

/** Runs axe-core inside the Connect app's frame and returns the violations (id, impact, targets). */
export async function axeViolations(frame: Frame): Promise<{ id: string; impact: string | null; help: string; targets: string[] }[]> {
  // Evaluated through the DevTools protocol, so the app's CSP does not stop it.
  await frame.evaluate(axeSource);
  return frame.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n: { target: string[] }) => n.target.join(" ")),
    }));
  });
}

/** Opens Connect on the page with a fresh token and waits until the app is ready. */
export async function openConnect(page: Page, token: string, extra: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(([t, e]) => (window as unknown as { openConnect(t: string, e: object): void }).openConnect(t, e), [token, extra] as const);
  await waitForCall(page, "onReady");
}

/** From the search screen: searches for a source by name and opens it. */
export async function chooseSource(page: Page, name: string): Promise<void> {
  const a = app(page);
  await a.getByRole("searchbox", { name: /Search/ }).fill(name);
  await a.getByRole("option", { name, exact: true }).click();
}

/** From the source screen: Connect, then username and password, then Connect. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  const a = app(page);
  await a.getByRole("button", { name: "Connect", exact: true }).click();
  await a.getByLabel("Username").fill(username);
  await a.getByLabel("Password").fill(password);
  await a.getByRole("button", { name: "Connect", exact: true }).click();
}

/** Presses the app's Close button and returns the onClose payload that follows. */
export async function closeFromApp(page: Page): Promise<CloseResponse> {
  const before = (await calls(page)).filter((c) => c[0] === "onClose").length;
  // The click removes the very frame it happens in, which can leave Playwright's click waiting: the callback is
  // what counts, so the click is not awaited.
  const click = app(page).getByRole("button", { name: "Close", exact: true }).first().click();
  click.catch(() => {});
  return waitForCall(page, "onClose", before);
}
