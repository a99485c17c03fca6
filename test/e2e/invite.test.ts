// An invite link end to end in real Chromium: the CLI makes the link, the hosted page opens Connect full-page on the
// service's origin, the user connects "Starfleet Pharmacy" with demo/demo and closes, sees the done page, turns
// Connected (API and Portal), and a signed webhook reaches a real receiver.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { runCli } from "../../src/server/cli/run.ts";
import { parseWebhookEvent, verifyWebhook } from "../../src/server/index.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { app, axeViolations, chooseSource, describeE2E, launchBrowser, signIn } from "./support.ts";

const STARFLEET = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };

describeE2E("invite link -> hosted Connect -> Connected + signed webhook", () => {
  let svc: TestService;
  let receiver: TestReceiver;
  let browser: Browser;
  let serviceUrl: string;
  let client: { client_id: string; client_secret: string };
  let basic: Record<string, string>;
  let whsec: string;

  beforeAll(async () => {
    receiver = await startReceiver(200);
    svc = await startTestService({ webhooks: { intervalMs: 100 } });
    serviceUrl = svc.url;
    client = await svc.createClient({ name: "Invite Health", origins: ["http://localhost:3999"] });
    basic = { Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") };
    const hook = await fetch(`${serviceUrl}/v1/webhook-endpoint`, {
      method: "PUT",
      headers: { ...basic, "Content-Type": "application/json" },
      body: JSON.stringify({ url: `${receiver.url}/webhooks` }),
    });
    whsec = ((await hook.json()) as { secret: string }).secret;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await svc?.close();
    await receiver?.close();
  });

  async function inviteLink(userId: string): Promise<string> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      ["invite", "--client-id", client.client_id, "--client-user-id", userId, "--email", `${userId}@example.com`, "--expires-in", "3d", "--base-url", serviceUrl, "--data-dir", svc.dataDir],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return stdout.trim();
  }

  test("connect Starfleet Pharmacy from the link, close, done page, Connected, signed webhook", async () => {
    const url = await inviteLink("invitee-1");
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The hosted page's policy has no 'unsafe-inline': its own style sheet carries the nonce, the loader none.
    const refused: string[] = [];
    page.on("console", (m) => m.text().includes("Content Security Policy") && refused.push(m.text()));
    await page.goto(url);

    // Connect opens full-page on the service's own origin; the token is in no URL.
    await page.getByRole("dialog", { name: "Connect your health data" }).waitFor();
    const src = await page.evaluate(() => document.querySelector("iframe")!.src);
    expect(new URL(src).origin).toBe(new URL(serviceUrl).origin);
    expect(src).not.toContain("token");

    await chooseSource(page, STARFLEET.name);
    await signIn(page, "demo", "demo");
    await app(page).getByRole("heading", { name: "Starfleet Pharmacy is connected" }).waitFor();
    // Closing removes the frame the click happens in, so the click is not awaited; what follows waits for the result.
    app(page).getByRole("button", { name: "Close", exact: true }).first().click().catch(() => {});
    await page.getByRole("heading", { name: "You are done" }).waitFor();
    expect(await page.getByText("(1 source)").count()).toBe(1);
    expect(refused).toStrictEqual([]);

    // The user is Connected in the server-to-server API.
    const users = await fetch(`${serviceUrl}/v1/users?status=connected`, { headers: basic });
    const listed = ((await users.json()) as { users: { client_user_id: string; status: string; connections: number }[] }).users;
    expect(listed.find((u) => u.client_user_id === "invitee-1")).toMatchObject({ status: "connected", connections: 1 });

    // ... and in the Portal.
    const portal = await context.newPage();
    await portal.goto(`${serviceUrl}/portal`);
    await portal.getByRole("heading", { name: "Human Connect Portal" }).waitFor();
    expect(await axeViolations(portal.mainFrame())).toStrictEqual([]);
    await portal.getByLabel("Client id").fill(client.client_id);
    await portal.getByLabel("Client secret").fill(client.client_secret);
    await portal.getByRole("button", { name: "Sign in" }).click();
    await portal.getByRole("button", { name: "Users", exact: true }).click();
    const row = portal.getByRole("row").filter({ has: portal.getByRole("rowheader", { name: "invitee-1" }) });
    await row.getByText("Connected", { exact: true }).waitFor();
    expect(await axeViolations(portal.mainFrame())).toStrictEqual([]);

    // Template editing in the Portal saves through the CSRF-protected API.
    await portal.getByRole("button", { name: "Email templates" }).click();
    await portal.getByRole("heading", { name: 'Edit "default"' }).waitFor();
    await portal.getByLabel("Subject").fill("{{client_name}} asks you to connect");
    await portal.getByRole("button", { name: "Save template" }).click();
    await portal.getByText('Template "default" saved.').waitFor();
    expect((await svc.store.templates.get(client.client_id, "default"))?.subject).toBe("{{client_name}} asks you to connect");
    expect(await axeViolations(portal.mainFrame())).toStrictEqual([]);

    // The signed webhooks arrived: source connected, then the session closed from the hosted page.
    const find = async (type: string) => {
      for (let i = 0; i < 200; i++) {
        const hit = receiver.requests.find((r) => r.body.includes(`"${type}"`) && r.body.includes("invitee-1"));
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${type} webhook`);
    };
    const connected = await find("connect.source_connected");
    const event = parseWebhookEvent(verifyWebhook({ headers: connected.headers, body: connected.body, secret: whsec }).payload);
    expect(event).toMatchObject({ type: "connect.source_connected", data: { client_user_id: "invitee-1", source: STARFLEET, current_connections: [STARFLEET] } });
    const closed = await find("connect.session_closed");
    const closedEvent = parseWebhookEvent(verifyWebhook({ headers: closed.headers, body: closed.body, secret: whsec }).payload);
    expect(closedEvent).toMatchObject({
      type: "connect.session_closed",
      data: { status: "SUCCESS", session_results: { connectedSources: [STARFLEET], disconnectedSources: [] } },
    });
    const engaged = await find("user.engaged");
    expect(JSON.parse(engaged.body).data).toMatchObject({ via: "invite_link" });
    await context.close();
  });

  test("with a redirect URL, closing sends the user there with the result", async () => {
    await fetch(`${serviceUrl}/v1/client-settings`, {
      method: "PUT",
      headers: { ...basic, "Content-Type": "application/json" },
      body: JSON.stringify({ redirect_url: `${receiver.url}/done` }),
    });
    const url = await inviteLink("invitee-2");
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(url);
    // Closing removes the frame the click happens in, so the click is not awaited; what follows waits for the result.
    app(page).getByRole("button", { name: "Close", exact: true }).first().click().catch(() => {});
    await page.waitForURL((u) => u.pathname === "/done");
    const landed = new URL(page.url());
    expect(Object.fromEntries(landed.searchParams)).toStrictEqual({ status: "SUCCESS", connected: "0", disconnected: "0" });
    // No Referer leaks the link's token to the client's site.
    const visit = receiver.requests.find((r) => r.method === "GET" && r.path.startsWith("/done"));
    expect(visit?.headers.referer).toBeUndefined();
    await context.close();
  });
});
