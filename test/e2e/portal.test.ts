// The Portal in real Chromium, in English and Spanish: every screen, with data on it, has no axe-core violation and
// does not scroll sideways at 1024x768 or 375x667; the client secret is rotated by keyboard alone, revoking every
// token, and every Portal session of the client ends with it.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEFAULT_RATE_LIMITS } from "../../src/server/rate-limit.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { axeViolations, describeE2E, launchBrowser } from "./support.ts";

type Lang = "en" | "es";

const WORDS = {
  en: {
    clientId: "Client id",
    secret: "Client secret",
    signIn: "Sign in",
    screens: { overview: "Overview", users: "Users", invite: "Invite", templates: "Email templates", deliveries: "Webhook deliveries", settings: "Settings" },
    ready: { overview: "Users by status", users: "long-user-id-0001", invite: "Create an invite link", templates: 'Edit "default"', deliveries: "user.invited", settings: "Client secret" },
  },
  es: {
    clientId: "Id de cliente",
    secret: "Secreto de cliente",
    signIn: "Iniciar sesión",
    screens: { overview: "Resumen", users: "Usuarios", invite: "Invitar", templates: "Plantillas de correo", deliveries: "Entregas de webhooks", settings: "Ajustes" },
    ready: { overview: "Usuarios por estado", users: "long-user-id-0001", invite: "Crear un enlace de invitación", templates: 'Editar "default"', deliveries: "user.invited", settings: "Secreto de cliente" },
  },
} as const;

describeE2E("the Portal", () => {
  let svc: TestService;
  let receiver: TestReceiver;
  let browser: Browser;
  let client: { client_id: string; client_secret: string };

  const basic = () => ({ Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") });

  beforeAll(async () => {
    // The endpoint answers 500, so the delivery log shows attempts with an error and a next attempt.
    receiver = await startReceiver(500);
    svc = await startTestService({ webhooks: { intervalMs: 100 }, rateLimits: { ...DEFAULT_RATE_LIMITS, portalSignInPerIp: 100 } });
    client = await svc.createClient({ name: "Portal Health", origins: ["http://localhost:3000"], permissions: { clientTokens: true } });
    const hook = await fetch(`${svc.url}/v1/webhook-endpoint`, {
      method: "PUT",
      headers: { ...basic(), "Content-Type": "application/json" },
      body: JSON.stringify({ url: `${receiver.url}/webhooks` }),
    });
    expect(hook.ok).toBe(true);
    for (const n of ["0001", "0002"]) {
      const made = await fetch(`${svc.url}/v1/connect/invite-links`, {
        method: "POST",
        headers: { ...basic(), "Content-Type": "application/json" },
        body: JSON.stringify({ client_user_id: `long-user-id-${n}`, email: `someone.with.a.long.address.${n}@example.com`, expires_in: "3d" }),
      });
      expect(made.status).toBe(201);
    }
    browser = await launchBrowser();
    // Wait until the log has a failed attempt to show.
    for (let i = 0; i < 100 && !receiver.requests.length; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await receiver?.close();
  });

  async function signedIn(lang: Lang, viewport: { width: number; height: number }, check?: (page: Page) => Promise<void>): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: lang === "es" ? "es-ES" : "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(`${svc.url}/portal`);
    await page.getByLabel(WORDS[lang].clientId).waitFor();
    await check?.(page);
    await page.getByLabel(WORDS[lang].clientId).fill(client.client_id);
    await page.getByLabel(WORDS[lang].secret).fill(client.client_secret);
    await page.getByRole("button", { name: WORDS[lang].signIn }).click();
    await page.getByRole("navigation").waitFor();
    return page;
  }

  async function checkScreen(page: Page, what: string): Promise<void> {
    expect(await axeViolations(page.mainFrame()), what).toStrictEqual([]);
    const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
    expect(overflow, `${what} scrolls sideways`).toBeLessThanOrEqual(0);
    if (what.startsWith("es ")) {
      // No English left in the Portal's own words (data such as event types and payloads stays as it is).
      const text = await page.evaluate(() => document.body.innerText);
      expect(text, what).not.toMatch(/\b(Sign|Save|Refresh|Delete|Status|Attempts|Outcome|Invited|Pending|Client|Template|Email|Users?|Invite|Loading)\b/);
    }
  }

  for (const lang of ["en", "es"] as const) {
    for (const viewport of [{ width: 1024, height: 768 }, { width: 375, height: 667 }]) {
      test(`every screen in ${lang} at ${viewport.width}x${viewport.height}: no axe violation, no sideways scrolling`, async () => {
        const page = await signedIn(lang, viewport, (p) => checkScreen(p, `${lang} sign-in at ${viewport.width}`));
        try {
          expect(await page.evaluate(() => [document.documentElement.lang, document.title])).toStrictEqual([
            lang,
            lang === "es" ? "Portal de Human Connect" : "Human Connect Portal",
          ]);
          const words = WORDS[lang];
          for (const id of ["overview", "users", "invite", "templates", "deliveries", "settings"] as const) {
            const name = words.screens[id];
            await page.getByRole("navigation").getByRole("button", { name, exact: true }).click();
            await page.getByRole("heading", { level: 1, name }).waitFor();
            await page.getByText(words.ready[id], { exact: true }).first().waitFor();
            // A message opened shows its attempts and payload, the widest content of the log.
            if (id === "deliveries") await page.locator("summary").first().click();
            await checkScreen(page, `${lang} ${id} at ${viewport.width}`);
          }
        } finally {
          await page.context().close();
        }
      });
    }
  }

  test("rotating the secret and revoking every token, by keyboard alone; every Portal session ends", async () => {
    const token = await svc.sessionToken(client.client_id, client.client_secret, "portal-rotation-user");
    const other = await signedIn("en", { width: 1024, height: 768 });
    const page = await signedIn("en", { width: 375, height: 667 });
    const focused = () => page.evaluate(() => ({ id: document.activeElement?.id ?? "", text: document.activeElement?.textContent ?? "" }));
    // Focus moves after the render, so the check waits for it.
    const focusOn = (text: string) =>
      page.waitForFunction((want) => document.activeElement?.textContent === want, text, { timeout: 2_000 }).then(() => undefined);
    const tabTo = async (want: (f: { id: string; text: string }) => boolean) => {
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        if (want(await focused())) return;
      }
      throw new Error(`Tab never reached the element; focus is on ${JSON.stringify(await focused())}`);
    };
    try {
      await tabTo((f) => f.text === "Settings");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 2, name: "Client secret" }).waitFor();

      await tabTo((f) => f.id === "revoke-tokens");
      await page.keyboard.press("Space");
      expect(await page.getByLabel(/Also revoke every token/).isChecked()).toBe(true);
      await page.keyboard.press("Tab");
      await focusOn("Rotate the client secret");

      // The confirmation takes the focus; Escape cancels it and gives the focus back.
      await page.keyboard.press("Enter");
      await page.getByText(/Rotate the secret and revoke every token now\?/).waitFor();
      await focusOn("Yes, rotate");
      expect(await axeViolations(page.mainFrame())).toStrictEqual([]);
      await page.keyboard.press("Escape");
      await focusOn("Rotate the client secret");
      await page.keyboard.press("Space");
      await focusOn("Yes, rotate");
      await page.keyboard.press("Enter");

      // The new secret takes the focus, selected, and is described by the once-only note.
      await page.waitForFunction(() => document.activeElement?.id === "new-secret", undefined, { timeout: 2_000 });
      const shown = await page.evaluate(() => {
        const input = document.activeElement as HTMLInputElement;
        return { id: input.id, value: input.value, selected: input.value.slice(input.selectionStart!, input.selectionEnd!), readOnly: input.readOnly };
      });
      expect(shown).toMatchObject({ id: "new-secret", readOnly: true });
      expect(shown.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(shown.selected).toBe(shown.value);
      await page.getByText(/It is shown only once/).waitFor();
      await checkScreen(page, "the new secret");
      const secret = shown.value;

      // The old secret is refused, the new one accepted; the session token issued before is revoked.
      const signIn = (s: string) =>
        fetch(`${svc.url}/portal/api/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: svc.url },
          body: JSON.stringify({ client_id: client.client_id, client_secret: s }),
        });
      expect((await signIn(client.client_secret)).status).toBe(401);
      expect((await signIn(secret)).status).toBe(200);
      const clientToken = (s: string) =>
        fetch(`${svc.url}/v1/connect/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "client", client_id: client.client_id, client_secret: s }),
        });
      expect((await clientToken(client.client_secret)).status).toBe(401);
      expect((await clientToken(secret)).status).toBe(200);
      expect((await fetch(`${svc.url}/v1/connect/session`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      client = { ...client, client_secret: secret };

      // Another Portal session of the client ended too: its next call answers 401 and it shows the sign-in screen.
      await other.getByRole("navigation").getByRole("button", { name: "Email templates", exact: true }).click();
      await other.getByText("Your Portal session has ended. Sign in again.").waitFor();
      await other.getByLabel("Client id").waitFor();

      // Continuing leads to the sign-in screen, client id kept and the focus on the secret: sign in with the new one.
      await tabTo((f) => f.text === "Sign in again");
      await page.keyboard.press("Enter");
      await page.getByText("Sign in with the new client secret.").waitFor();
      expect(await page.getByLabel("Client id").inputValue()).toBe(client.client_id);
      await page.waitForFunction(() => document.activeElement?.id === "client-secret", undefined, { timeout: 2_000 });
      await checkScreen(page, "sign-in after rotation");
      await page.keyboard.type(secret);
      await page.keyboard.press("Enter");
      await page.getByRole("navigation").waitFor();
    } finally {
      await other.context().close();
      await page.context().close();
    }
  });
});
