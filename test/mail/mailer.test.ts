import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MailerInputError, createMailer, listOutbox, readOutboxMessage, type Mailer } from "../../src/server/mail/mailer.ts";
import { DEFAULT_TEMPLATE, renderTemplate } from "../../src/server/mail/templates.ts";
import { decodeHeader, parseMail, startSmtpSink, type SmtpSink } from "./smtp-sink.ts";

const LINK = "https://connect.example.com/invite?token=eyJhbGciOiJIUzI1NiJ9.eyJtdGQiOiJjb25uZWN0In0.c2ln&x=1";
const FROM = "Human Connect <no-reply@connect.example.com>";

let dir: string;
let mailer: Mailer | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hc-mail-"));
});
afterEach(() => {
  mailer?.close();
  mailer = null;
  rmSync(dir, { recursive: true, force: true });
});

function invitation() {
  return renderTemplate(
    {
      subject: "{{inviter_name}} invites you to {{client_name}}",
      html: '<p>Hi, {{inviter_name}} invites you.</p><a href="{{sign_in_url}}">Connect</a>',
      text: "{{inviter_name}} invites you: {{sign_in_url}}",
    },
    { signInUrl: LINK, clientName: "Acme Health", data: { inviter_name: `<script>alert("Sarah")</script>` } },
  );
}

describe("SMTP mailer", () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
  });

  it("sends a real SMTP message whose html has the escaped values and the link", async () => {
    mailer = createMailer({ smtpUrl: sink.url, outboxDir: dir, from: FROM });
    expect(mailer.transport).toBe("smtp");
    const rendered = invitation();
    const sent = await mailer.send({ to: "ada@example.com", ...rendered });
    expect(sent.transport).toBe("smtp");
    expect(sent.outboxId).toBeNull();

    expect(sink.messages).toHaveLength(1);
    const received = sink.messages[0]!;
    expect(received.from).toBe("no-reply@connect.example.com");
    expect(received.to).toEqual(["ada@example.com"]);
    const mail = parseMail(received.raw);
    expect(mail.headers.get("message-id")).toBe(sent.messageId);
    expect(mail.headers.get("to")).toBe("ada@example.com");
    expect(decodeHeader(mail.headers.get("subject")!)).toBe(`<script>alert("Sarah")</script> invites you to Acme Health`);
    const html = mail.parts.get("text/html")!;
    expect(html).toContain(`<a href="${LINK.replace("&", "&amp;")}">Connect</a>`);
    expect(html).toContain("&lt;script&gt;alert(&quot;Sarah&quot;)&lt;/script&gt; invites you.");
    expect(html).not.toContain("<script>");
    expect(mail.parts.get("text/plain")).toBe(`<script>alert("Sarah")</script> invites you: ${LINK}`);
    // Nothing is written to the outbox folder when SMTP is configured.
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sends the default template and a second invitation to the same address", async () => {
    mailer = createMailer({ smtpUrl: sink.url, outboxDir: dir, from: FROM });
    for (let i = 0; i < 2; i++) {
      await mailer.send({ to: "ada@example.com", ...renderTemplate(DEFAULT_TEMPLATE, { signInUrl: `${LINK}${i}`, clientName: "Acme" }) });
    }
    expect(sink.messages).toHaveLength(2);
    const second = parseMail(sink.messages[1]!.raw);
    expect(decodeHeader(second.headers.get("subject")!)).toBe("Acme invites you to connect your health data");
    expect(second.parts.get("text/html")).toContain(`href="${LINK.replace("&", "&amp;")}1"`);
    expect(second.parts.get("text/plain")).toContain(`${LINK}1`);
  });

  it("reports an SMTP server that is not there", async () => {
    await sink.close();
    mailer = createMailer({ smtpUrl: sink.url, outboxDir: dir, from: FROM });
    await expect(mailer.send({ to: "ada@example.com", ...invitation() })).rejects.toThrow(/ECONNREFUSED|connect/i);
    sink = await startSmtpSink();
  });
});

describe("outbox folder mailer", () => {
  it("writes .eml and .json entries that list newest first and read back", async () => {
    let now = Date.UTC(2025, 0, 15, 12, 0, 0);
    mailer = createMailer({ outboxDir: join(dir, "outbox"), from: FROM, now: () => now });
    expect(mailer.transport).toBe("outbox");
    expect(await listOutbox(join(dir, "outbox"))).toEqual([]);

    const first = await mailer.send({ to: "ada@example.com", ...invitation() });
    now += 1000;
    const second = await mailer.send({ to: "bob@example.com", subject: "Plain", html: "<p>hi</p>" });
    expect(first.transport).toBe("outbox");

    const entries = await listOutbox(join(dir, "outbox"));
    expect(entries).toEqual([
      {
        id: second.outboxId,
        to: "bob@example.com",
        from: FROM,
        subject: "Plain",
        created_at: "2025-01-15T12:00:01.000Z",
        message_id: second.messageId,
      },
      {
        id: first.outboxId,
        to: "ada@example.com",
        from: FROM,
        subject: `<script>alert("Sarah")</script> invites you to Acme Health`,
        created_at: "2025-01-15T12:00:00.000Z",
        message_id: first.messageId,
      },
    ]);
    expect(readdirSync(join(dir, "outbox")).sort()).toEqual(
      [`${first.outboxId}.eml`, `${first.outboxId}.json`, `${second.outboxId}.eml`, `${second.outboxId}.json`].sort(),
    );

    const message = await readOutboxMessage(join(dir, "outbox"), first.outboxId!);
    expect(message?.html).toContain("&lt;script&gt;");
    expect(message?.text).toContain(LINK);
    const parsed = parseMail(message!.raw);
    expect(parsed.headers.get("message-id")).toBe(first.messageId);
    expect(parsed.parts.get("text/html")).toContain(`href="${LINK.replace("&", "&amp;")}"`);
    expect((await readOutboxMessage(join(dir, "outbox"), second.outboxId!))?.text).toBeNull();
  });

  it("refuses ids that could leave the folder, and skips foreign or broken files", async () => {
    const outbox = join(dir, "outbox");
    mailer = createMailer({ outboxDir: outbox, from: FROM });
    const sent = await mailer.send({ to: "ada@example.com", subject: "S", html: "<p>x</p>" });
    writeFileSync(join(outbox, "0000000000001-aaaaaaaaaaaa.json"), "{not json");
    writeFileSync(join(outbox, "notes.json"), JSON.stringify({ id: "notes" }));
    expect((await listOutbox(outbox)).map((entry) => entry.id)).toEqual([sent.outboxId]);
    for (const id of ["../x", `${sent.outboxId}/../../etc/passwd`, "", "0000000000001-aaaaaaaaaaaa"]) {
      expect(await readOutboxMessage(outbox, id)).toBeNull();
    }
  });

  it("refuses a bad recipient, a multi-line subject and a bad configuration before sending", async () => {
    mailer = createMailer({ outboxDir: dir, from: FROM });
    await expect(mailer.send({ to: "not-an-address", subject: "S", html: "x" })).rejects.toThrow(MailerInputError);
    await expect(mailer.send({ to: "a@b.co", subject: "S\r\nBcc: x@y.z", html: "x" })).rejects.toThrow(MailerInputError);
    await expect(mailer.send({ to: "a@b.co", subject: "S", html: "" })).rejects.toThrow(MailerInputError);
    expect(readdirSync(dir)).toEqual([]);
    expect(() => createMailer({ smtpUrl: "http://mail.example.com", outboxDir: dir, from: FROM })).toThrow(MailerInputError);
    expect(() => createMailer({ outboxDir: dir, from: "a\nb" })).toThrow(MailerInputError);
  });
});
