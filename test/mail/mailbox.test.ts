// The demo site's mailbox: an invitation sent with no SMTP_URL shows up at /mailbox, and its link is the invite link.
import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { startDemoServer, type RunningDemoServer } from "../../demo/server.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api } from "../server/support.ts";

let svc: TestService;
let demo: RunningDemoServer;
let client: { client_id: string; client_secret: string };

beforeAll(async () => {
  svc = await startTestService({ catalogSize: 2000, smtpUrl: null });
  client = await svc.createClient({ name: "Mailbox <Health>", origins: ["http://localhost:3000"] });
  demo = await startDemoServer({
    port: 0,
    connectUrl: svc.url,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    mailOutboxDir: join(svc.dataDir, "mail-outbox"),
  });
});
afterAll(async () => {
  await demo.close();
  await svc.close();
});

test("an invitation appears in the mailbox, its body sandboxed, its link the invite link", async () => {
  const empty = await fetch(`${demo.url}/mailbox`);
  expect(empty.status).toBe(200);
  expect(await empty.text()).toContain("No messages yet");

  const basic = { Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") };
  const sent = await api<{ invite_url: string }>(svc.url, "POST", "/v1/connect/invitations", null, { client_user_id: "mb-1", email: "mb@example.test" }, basic);
  expect(sent.status).toBe(201);

  const list = await fetch(`${demo.url}/mailbox`);
  expect(list.headers.get("content-security-policy")).toContain("default-src 'none'");
  const listHtml = await list.text();
  expect(listHtml).toContain("mb@example.test");
  expect(listHtml).toContain("Mailbox &lt;Health&gt; invites you to connect your health data");
  const href = /href="(\/mailbox\/[^"]+)"/.exec(listHtml)![1]!;

  const message = await fetch(`${demo.url}${href}`);
  expect(message.status).toBe(200);
  const messageHtml = await message.text();
  expect(messageHtml).toMatch(/<iframe title="Message body" sandbox="[^"]*" srcdoc="/);
  expect(messageHtml).not.toMatch(/sandbox="[^"]*allow-scripts/);
  // The invite link survives two rounds of escaping (email HTML, then the srcdoc attribute).
  const inviteUrlTwiceEscaped = sent.body.invite_url.replace(/&/g, "&amp;").replace(/&/g, "&amp;");
  expect(messageHtml).toContain(inviteUrlTwiceEscaped);

  for (const bad of ["/mailbox/nope", "/mailbox/..%2F..%2Fconnect.sqlite", "/mailbox/0000000000000-000000000000"]) {
    expect((await fetch(`${demo.url}${bad}`)).status, bad).toBe(404);
  }
});
