// `POST /v1/connect/invitations` through the real service: a real SMTP exchange with an in-process smtp-server, and
// the outbox folder when no SMTP_URL is set. The link in the mail opens the hosted page for that user.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { listOutbox, readOutboxMessage } from "../../src/server/mail/mailer.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf } from "../server/support.ts";
import { decodeHeader, parseMail, startSmtpSink, type SmtpSink } from "./smtp-sink.ts";

const basicOf = (c: { client_id: string; client_secret: string }) => ({
  Authorization: "Basic " + Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64"),
});

describe("over SMTP", () => {
  let sink: SmtpSink;
  let svc: TestService;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    sink = await startSmtpSink();
    svc = await startTestService({ catalogSize: 2000, smtpUrl: sink.url, mailFrom: "Acme Care <care@acme.example>" });
    client = await svc.createClient({ name: "Acme Care", origins: ["http://localhost:3000"] });
  });
  afterAll(async () => {
    await svc.close();
    await sink.close();
  });

  test("a client template with data_ values, HTML-escaped; the link opens the hosted page for that user", async () => {
    const basic = basicOf(client);
    const put = await api(svc.url, "PUT", "/v1/email-templates/user-invitation", null, {
      subject: "{{inviter_name}} invites you",
      html: '<p>Hi, {{inviter_name}} would like to invite you.</p><a href="{{sign_in_url}}">Sign in here</a>',
      text: "{{inviter_name}} invites you: {{sign_in_url}}",
    }, basic);
    expect(put.status).toBe(200);

    const res = await api<{ invite_url: string; transport: string; email: string }>(svc.url, "POST", "/v1/connect/invitations", null, {
      client_user_id: "mail-user-1",
      email: "new_user@example.test",
      template_alias: "user-invitation",
      data_inviter_name: "Sarah <b>&</b>",
    }, basic);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ transport: "smtp", email: "new_user@example.test", client_user_id: "mail-user-1", template_alias: "user-invitation" });

    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.to).toStrictEqual(["new_user@example.test"]);
    expect(mail.from).toBe("care@acme.example");
    const parsed = parseMail(mail.raw);
    expect(decodeHeader(parsed.headers.get("subject")!)).toBe("Sarah <b>&</b> invites you");
    const html = parsed.parts.get("text/html")!;
    expect(html).toContain("Hi, Sarah &lt;b&gt;&amp;&lt;/b&gt; would like to invite you.");
    const href = /href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&");
    expect(href).toBe(res.body.invite_url);
    expect(parsed.parts.get("text/plain")).toContain(res.body.invite_url);

    const human = await svc.store.humans.find(client.client_id, "mail-user-1");
    expect(human?.invitedAt).not.toBeNull();
    expect(human?.engagedAt).toBeNull();
    const page = await fetch(href);
    expect(page.status).toBe(200);
    expect((await svc.store.humans.find(client.client_id, "mail-user-1"))?.engagedAt).toBeNull();
    // Engaged once Connect loads its session with the page's token.
    const token = /"token":"([^"]+)"/.exec(await page.text())![1]!;
    expect((await fetch(`${svc.url}/v1/connect/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await svc.store.humans.find(client.client_id, "mail-user-1"))?.engagedAt).not.toBeNull();
  });

  test("the default template, and a second invitation to the same address is fine", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await api(svc.url, "POST", "/v1/connect/invitations", null, { client_user_id: "mail-user-2", email: "twice@example.test" }, basicOf(client));
      expect(res.status).toBe(201);
    }
    const mine = sink.messages.filter((m) => m.to.includes("twice@example.test"));
    expect(mine).toHaveLength(2);
    expect(decodeHeader(parseMail(mine[0]!.raw).headers.get("subject")!)).toBe("Acme Care invites you to connect your health data");
    const links = mine.map((m) => /href="([^"]+)"/.exec(parseMail(m.raw).parts.get("text/html")!)![1]);
    // The payload is exactly the seed's five claims, so two links made in the same second are the same link.
    for (const link of links) expect((await fetch(link!.replace(/&amp;/g, "&"))).status).toBe(200);
  });

  test("bad input and unknown templates change nothing and send nothing", async () => {
    const sent = sink.messages.length;
    const humans = await svc.store.humans.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ client_user_id: "bad-1", email: "nope" }, "INVALID_REQUEST"],
      [{ client_user_id: "bad-1", email: "a@example.test", template_alias: "missing" }, "TEMPLATE_NOT_FOUND"],
      [{ client_user_id: "bad-1", email: "a@example.test", data_sign_in_url: "https://evil.example" }, "TEMPLATE_DATA_INVALID"],
      [{ client_user_id: "bad-1", email: "a@example.test", data_x: { nested: true } }, "TEMPLATE_DATA_INVALID"],
      [{ client_user_id: "bad-1", email: "a@example.test", template_alias: "../etc" }, "TEMPLATE_ALIAS_INVALID"],
    ];
    for (const [body, code] of cases) {
      const res = await api(svc.url, "POST", "/v1/connect/invitations", null, body, basicOf(client));
      expect(errorCodeOf(res), JSON.stringify(body)).toBe(code);
    }
    expect(sink.messages.length).toBe(sent);
    expect(await svc.store.humans.count()).toBe(humans);
  });
});

test("an SMTP server that is down -> 502 MAIL_SEND_FAILED, and the user is not marked Invited", async () => {
  const sink = await startSmtpSink();
  const url = sink.url;
  await sink.close();
  const svc = await startTestService({ catalogSize: 2000, smtpUrl: url });
  try {
    const client = await svc.createClient({ name: "Down", origins: ["http://localhost:3000"] });
    const res = await api(svc.url, "POST", "/v1/connect/invitations", null, { client_user_id: "u", email: "u@example.test" }, basicOf(client));
    expect(res.status).toBe(502);
    expect(errorCodeOf(res)).toBe("MAIL_SEND_FAILED");
    expect(await svc.store.humans.find(client.client_id, "u")).toBeUndefined();
  } finally {
    await svc.close();
  }
});

test("without SMTP_URL the mail lands in <dataDir>/mail-outbox, readable as the mailbox", async () => {
  const svc = await startTestService({ catalogSize: 2000, smtpUrl: null });
  try {
    const client = await svc.createClient({ name: "Outbox Health", origins: ["http://localhost:3000"] });
    const res = await api<{ transport: string; invite_url: string }>(svc.url, "POST", "/v1/connect/invitations", null, {
      client_user_id: "box-1",
      email: "box@example.test",
    }, basicOf(client));
    expect(res.status).toBe(201);
    expect(res.body.transport).toBe("outbox");
    const outbox = join(svc.dataDir, "mail-outbox");
    const entries = await listOutbox(outbox);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ to: "box@example.test", subject: "Outbox Health invites you to connect your health data" });
    const message = await readOutboxMessage(outbox, entries[0]!.id);
    expect(message?.html).toContain(res.body.invite_url.replace(/&/g, "&amp;"));
  } finally {
    await svc.close();
  }
});
