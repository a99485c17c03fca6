// The Portal in real Chromium, in English and Spanish: every screen has no axe-core violation and fits 375x667, and
// the client secret can be rotated, revoking every token, by keyboard alone.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestService, type TestService } from "../helpers/service.ts";
import { axeViolations, describeE2E, launchBrowser } from "./support.ts";

const SCREENS = {
  en: ["Users", "Invite", "Email templates", "Webhook and redirect", "Webhook deliveries"],
  es: ["Usuarios", "Invitar", "Plantillas de correo", "Webhook y redirección", "Entregas de webhooks"],
} as const;
const WORDS = {
  en: { clientId: "Client id", secret: "Client secret", signIn: "Sign in" },
  es: { clientId: "Id de cliente", secret: "Secreto de cliente", signIn: "Iniciar sesión" },
} as const;

describeE2E("the Portal", () => {
  let svc: TestService;
  let browser: Browser;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    svc = await startTestService({ catalogSize: 2000 });
    client = await svc.createClient({ origins: ["http://localhost:3000"] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  async function signedIn(lang: "en" | "es", viewport: { width: number; height: number }, secret = client.client_secret): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: lang === "es" ? "es-ES" : "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(`${svc.url}/portal`);
    await page.getByLabel(WORDS[lang].clientId).fill(client.client_id);
    await page.getByLabel(WORDS[lang].secret).fill(secret);
    await page.getByRole("button", { name: WORDS[lang].signIn }).click();
    await page.getByRole("navigation").waitFor();
    return page;
  }

  for (const lang of ["en", "es"] as const) {
    for (const viewport of [{ width: 1024, height: 768 }, { width: 375, height: 667 }]) {
      test(`every screen in ${lang} at ${viewport.width}x${viewport.height}: no axe violation, no sideways scrolling`, async () => {
        const page = await signedIn(lang, viewport);
        try {
          expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
          for (const name of SCREENS[lang]) {
            await page.getByRole("navigation").getByRole("button", { name, exact: true }).click();
            await page.getByRole("heading", { level: 1, name }).waitFor();
            expect(await axeViolations(page.mainFrame()), `${lang} ${name}`).toStrictEqual([]);
            const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
            expect(overflow, `${lang} ${name} scrolls sideways`).toBeLessThanOrEqual(0);
          }
        } finally {
          await page.context().close();
        }
      });
    }
  }

  test("rotating the secret and revoking every token, by keyboard alone", async () => {
    const token = await svc.sessionToken(client.client_id, client.client_secret, "portal-rotation-user");
    const page = await signedIn("en", { width: 375, height: 667 });
    try {
      await page.getByRole("navigation").getByRole("button", { name: "Webhook and redirect" }).click();
      await page.getByRole("heading", { name: "Client secret" }).waitFor();
      await page.getByLabel(/Also revoke every token/).focus();
      await page.keyboard.press("Space");
      expect(await page.getByLabel(/Also revoke every token/).isChecked()).toBe(true);
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.getByText(/Rotate the secret and revoke every token now\?/).waitFor();
      // The confirmation takes the focus, so Enter confirms.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Yes, rotate");
      await page.keyboard.press("Enter");
      const secret = await page.getByLabel("New client secret").inputValue();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(await axeViolations(page.mainFrame())).toStrictEqual([]);

      expect((await fetch(`${svc.url}/v1/connect/session`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      const signIn = (s: string) =>
        fetch(`${svc.url}/portal/api/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: svc.url },
          body: JSON.stringify({ client_id: client.client_id, client_secret: s }),
        });
      expect((await signIn(client.client_secret)).status).toBe(401);
      expect((await signIn(secret)).status).toBe(200);
      client = { ...client, client_secret: secret };

      await page.getByRole("button", { name: "Sign in again" }).focus();
      await page.keyboard.press("Enter");
      await page.getByLabel("Client id").waitFor();
    } finally {
      await page.context().close();
    }
  });
});
