// The Portal's Overview in real Chromium, in English and Spanish, at 375x667: after users are invited, launch Connect
// and connect sources through the real API, the funnel's figures are those of `GET /v1/users`, each chart has an
// accessible name and a table reached by keyboard, the period control works by keyboard, and axe finds nothing.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEFAULT_RATE_LIMITS } from "../../src/server/rate-limit.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, CLEVELAND, STARFLEET } from "../server/support.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { axeViolations, describeE2E, launchBrowser } from "./support.ts";

const WORDS = {
  en: {
    clientId: "Client id",
    secret: "Client secret",
    signIn: "Sign in",
    overview: "Overview",
    funnel: (period: string) => `Users by status, ${period}`,
    connections: "Connections by source type, Last 30 days",
    webhooks: "Webhook delivery health, Last 30 days",
    show: "Show as a table",
    period: "Period",
    last7: "Last 7 days",
    last30: "Last 30 days",
  },
  es: {
    clientId: "Id de cliente",
    secret: "Secreto de cliente",
    signIn: "Iniciar sesión",
    overview: "Resumen",
    funnel: (period: string) => `Usuarios por estado, ${period}`,
    connections: "Conexiones por tipo de fuente, Últimos 30 días",
    webhooks: "Estado de las entregas de webhooks, Últimos 30 días",
    show: "Mostrar como tabla",
    period: "Periodo",
    last7: "Últimos 7 días",
    last30: "Últimos 30 días",
  },
} as const;

describeE2E("the Portal's Overview", () => {
  let svc: TestService;
  let receiver: TestReceiver;
  let browser: Browser;
  let client: { client_id: string; client_secret: string };
  const basic = () => ({ Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") });

  beforeAll(async () => {
    receiver = await startReceiver(200);
    svc = await startTestService({ webhooks: { intervalMs: 100 }, rateLimits: { ...DEFAULT_RATE_LIMITS, portalSignInPerIp: 100 } });
    client = await svc.createClient({ name: "Acme Salud", origins: ["http://localhost:3000"] });
    const server = (method: string, path: string, body?: unknown) => api(svc.url, method, path, null, body, basic());
    expect((await server("PUT", "/v1/webhook-endpoint", { url: `${receiver.url}/webhooks` })).status).toBe(201);
    // Invited only; invited then engaged; engaged and connected by embedded Connect; created only; two connections.
    for (const id of ["ov-invited", "ov-engaged"]) {
      expect((await server("POST", "/v1/connect/invite-links", { client_user_id: id, email: `${id}@example.com` })).status).toBe(201);
    }
    const launch = async (id: string, connect: string[]) => {
      const token = await svc.sessionToken(client.client_id, client.client_secret, id, `${id}@example.com`);
      expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
      for (const source of connect) {
        const made = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: source, username: "demo", password: "demo" });
        expect(made.status).toBe(201);
      }
    };
    await launch("ov-engaged", []);
    await launch("ov-connected", [STARFLEET]);
    await launch("ov-two-sources", [STARFLEET, CLEVELAND]);
    await svc.sessionToken(client.client_id, client.client_secret, "ov-created");
    browser = await launchBrowser();
    for (let i = 0; i < 100 && receiver.requests.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await receiver?.close();
  });

  /** Users by status now, as `GET /v1/users` lists them. */
  async function statusesFromApi(): Promise<Record<string, number>> {
    const listed = await api<{ total: number; users: { status: string }[] }>(svc.url, "GET", "/v1/users?per_page=100", null, undefined, basic());
    expect(listed.body.users).toHaveLength(listed.body.total);
    const counts: Record<string, number> = { created: 0, invited: 0, engaged: 0, connected: 0 };
    for (const u of listed.body.users) counts[u.status]! += 1;
    for (const status of ["invited", "engaged", "connected"]) {
      const filtered = await api<{ total: number }>(svc.url, "GET", `/v1/users?status=${status}`, null, undefined, basic());
      expect(filtered.body.total, status).toBe(counts[status]);
    }
    return counts;
  }

  async function signedIn(lang: "en" | "es"): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, locale: lang === "es" ? "es-ES" : "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(`${svc.url}/portal`);
    await page.getByLabel(WORDS[lang].clientId).fill(client.client_id);
    await page.getByLabel(WORDS[lang].secret).fill(client.client_secret);
    await page.getByRole("button", { name: WORDS[lang].signIn }).click();
    await page.getByRole("navigation").waitFor();
    return page;
  }

  /** Presses Tab until the focused element satisfies `want`. */
  async function tabTo(page: Page, want: () => boolean): Promise<void> {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(want)) return;
    }
    throw new Error("Tab never reached the element");
  }

  for (const lang of ["en", "es"] as const) {
    test(`in ${lang} at 375x667: the API's numbers, named charts with tables by keyboard, no axe violation`, async () => {
      const words = WORDS[lang];
      const expected = await statusesFromApi();
      expect(expected).toStrictEqual({ created: 1, invited: 1, engaged: 1, connected: 2 });
      const page = await signedIn(lang);
      try {
        await page.getByRole("heading", { level: 1, name: words.overview }).waitFor();
        await page.getByRole("img", { name: words.funnel(words.last30) }).waitFor();
        await page.getByRole("img", { name: words.connections }).waitFor();
        await page.getByRole("img", { name: words.webhooks }).waitFor();

        // The funnel's table, opened by keyboard alone.
        const toggleName = `${words.show}: ${words.funnel(words.last30)}`;
        await tabTo(page, () => document.activeElement?.getAttribute("aria-controls") === "funnel-table");
        expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(toggleName);
        await page.keyboard.press("Enter");
        await page.locator("#funnel-table table").waitFor();
        const shown = await page.evaluate(() =>
          Object.fromEntries(Array.from(document.querySelectorAll("[data-now]")).map((cell) => [cell.getAttribute("data-now"), Number(cell.textContent)])),
        );
        expect(shown).toStrictEqual(expected);
        const byType = await page.evaluate(() =>
          Object.fromEntries(Array.from(document.querySelectorAll("[data-connections]")).map((c) => [c.getAttribute("data-connections"), Number(c.textContent)])),
        );
        expect(byType).toStrictEqual({ pharmacy: 2, hospital: 1 });

        expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
        const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
        expect(overflow, "scrolls sideways").toBeLessThanOrEqual(0);
        if (lang === "es") {
          const text = await page.evaluate(() => document.body.innerText);
          expect(text).not.toMatch(/\b(Users?|Status|Invited|Connected|Created|Delivered|Retrying|Failed|Show|Period|Overview)\b/);
        }

        // The period, chosen by keyboard: every user was made just now, so 7 days shows the same users.
        await page.getByLabel(words.period).focus();
        await page.keyboard.press("ArrowUp");
        await page.getByRole("img", { name: words.funnel(words.last7) }).waitFor();
        expect(await page.evaluate(() => Number(document.querySelector('[data-now="connected"]')?.textContent))).toBe(expected.connected);
        expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
      } finally {
        await page.context().close();
      }
    });
  }
});
