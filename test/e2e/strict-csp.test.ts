// A customer page served with the README's minimal Content-Security-Policy, which has no 'unsafe-inline' anywhere:
// connect.js loads, the modal is styled, a source is connected, and the browser reports no violation at all.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { startTestService, type TestService } from "../helpers/service.ts";
import { chooseSource, closeFromApp, describeE2E, launchBrowser, signIn, waitForCall } from "./support.ts";

const starfleet = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };

/** The README's minimal policy for a page that loads connect.js from the Connect service. */
const strictCsp = (connectOrigin: string) =>
  `default-src 'self'; script-src 'self' ${connectOrigin}; frame-src ${connectOrigin}; object-src 'none'; base-uri 'none'`;

// The page's own script is a file of its own origin ('self'): the policy allows no inline script either.
const PAGE_SCRIPT = `
window.calls = [];
window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.violatedDirective + " " + e.blockedURI));
const record = (name) => (arg) => window.calls.push([name, arg === undefined ? null : arg]);
document.getElementById("opener").addEventListener("click", () => {
  HumanConnect.open({
    token: window.nextToken,
    onClose: record("onClose"),
    onConnectSource: record("onConnectSource"),
    onReady: record("onReady"),
  });
});`;

describeE2E("a customer page with a strict Content-Security-Policy", () => {
  let service: TestService;
  let site: Server;
  let browser: Browser;
  let page: Page;
  let token: () => Promise<string>;

  beforeAll(async () => {
    service = await startTestService({ catalogSize: 2_000 });
    const connectOrigin = service.url.replace("://localhost:", "://127.0.0.1:");
    let html = "";
    // The customer's server: its page and its script, each with the policy as a header.
    site = createServer((req, res) => {
      const [type, body] = req.url === "/page.js" ? ["text/javascript", PAGE_SCRIPT] : ["text/html; charset=utf-8", html];
      res.writeHead(200, { "content-type": type, "content-security-policy": strictCsp(connectOrigin), "cache-control": "no-store" });
      res.end(body);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const siteUrl = `http://localhost:${(site.address() as { port: number }).port}/`;
    const client = await service.createClient({ name: "Strict Health", origins: [siteUrl.slice(0, -1)] });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict customer page</title>
<script src="${connectOrigin}/connect.js" data-client-id="${client.client_id}"></script></head>
<body><main><h1>Strict customer page</h1><button id="opener" type="button">Open Connect</button></main>
<script src="/page.js"></script></body></html>`;
    token = () => service.sessionToken(client.client_id, client.client_secret, `user-${randomUUID()}`);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(8_000);
    const response = await page.goto(siteUrl);
    expect(response!.headers()["content-security-policy"]).not.toContain("unsafe-inline");
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

  test("the policy is enforced: an inline style sheet is refused", async () => {
    const refused = await page.evaluate(() => {
      const probe = document.createElement("style");
      probe.textContent = "h1{color:rgb(1, 2, 3)}";
      document.head.append(probe);
      const color = getComputedStyle(document.querySelector("h1")!).color;
      probe.remove();
      return color !== "rgb(1, 2, 3)";
    });
    expect(refused).toBe(true);
    await page.evaluate(() => ((window as unknown as { violations: string[] }).violations.length = 0));
  });

  test("Connect opens styled, connects Starfleet Pharmacy, closes, and nothing was refused", async () => {
    await page.evaluate((t) => ((window as unknown as { nextToken: string }).nextToken = t), await token());
    await page.getByRole("button", { name: "Open Connect" }).click();
    await waitForCall(page, "onReady");
    const dialog = await page.evaluate(() => {
      const d = document.querySelector("dialog")!;
      const s = getComputedStyle(d);
      const frame = d.querySelector("iframe")!.getBoundingClientRect();
      return { modal: d.matches(":modal"), width: s.width, height: s.height, border: s.borderTopWidth, frame: [frame.width, frame.height] };
    });
    expect(dialog).toStrictEqual({ modal: true, width: "440px", height: "680px", border: "0px", frame: [440, 680] });

    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    expect(await waitForCall(page, "onConnectSource")).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    expect((await closeFromApp(page)).status).toBe("SUCCESS");
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toStrictEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll("dialog, iframe").length + document.adoptedStyleSheets.length)).toBe(0);
  });
});
