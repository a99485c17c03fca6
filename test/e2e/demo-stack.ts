// The Demo Health site against a real service, for the e2e files that drive a demo page: a service, a client whose
// allowed origin is the demo's, the demo server on a free port, and Chromium.
import { createServer } from "node:net";
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { startDemoServer, type RunningDemoServer } from "../../demo/server.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "./support.ts";

/** A free TCP port on localhost (the demo's origin must be known before its client is made). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "localhost", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running demo with its service and browser; `close` stops all three. */
export interface DemoStack {
  service: TestService;
  demo: RunningDemoServer;
  browser: Browser;
  clientSecret: string;
  close(): Promise<void>;
}

/** Starts the service (2,000 sandbox sources), a "Demo Health" client, the demo server and Chromium. */
export async function startDemoStack(): Promise<DemoStack> {
  const service = await startTestService({ catalogSize: 2_000 });
  const port = await freePort();
  const client = await service.createClient({ name: "Demo Health", origins: [`http://localhost:${port}`] });
  const demo = await startDemoServer({ port, connectUrl: service.url, clientId: client.client_id, clientSecret: client.client_secret });
  const browser = await launchBrowser();
  return {
    service,
    demo,
    browser,
    clientSecret: client.client_secret,
    async close() {
      await browser.close();
      await demo.close();
      await service.close();
    },
  };
}

/**
 * A phone-sized page of the demo at `path`, signed in as a new user: `errors` collects the page's uncaught errors.
 * Each step waits at most 8 s.
 */
export async function signedInDemoPage(stack: DemoStack, path: string, userPrefix: string): Promise<{ page: Page; errors: string[] }> {
  const page = await stack.browser.newPage({ viewport: { width: 375, height: 667 } });
  page.setDefaultTimeout(8_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(stack.demo.url + path);
  await page.getByLabel("User id").fill(`${userPrefix}-${randomUUID()}`);
  await page.getByRole("button", { name: "Sign in" }).click();
  return { page, errors };
}
