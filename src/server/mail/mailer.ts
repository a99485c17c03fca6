/**
 * Sends invitation emails with nodemailer: over SMTP when an SMTP URL is configured (SMTP_URL), otherwise into an
 * outbox folder (`<id>.eml` + `<id>.json`) so that `npm start` works with no mail server and the demo site can show
 * the folder as a mailbox.
 */
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import nodemailer from "nodemailer";
import * as v from "valibot";
import { isEmailAddress } from "../validation.ts";

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text?: string | null;
}

/** Where mail goes: an SMTP server, or the outbox folder. */
export type EmailTransport = "smtp" | "outbox";

export interface SentEmail {
  /** The Message-ID header of the sent message. */
  messageId: string;
  transport: EmailTransport;
  /** Id of the outbox entry when written to the outbox folder. */
  outboxId: string | null;
}

export interface Mailer {
  readonly transport: "smtp" | "outbox";
  send(message: OutgoingEmail): Promise<SentEmail>;
  /** Closes pooled SMTP connections. */
  close(): void;
}

export interface CreateMailerOptions {
  /** smtp:// or smtps:// URL, with credentials if needed; when absent mail goes to `outboxDir`. */
  smtpUrl?: string | null | undefined;
  outboxDir: string;
  /** Sender, e.g. "Human Connect <no-reply@example.com>". */
  from: string;
  /** Current time in ms since epoch, for outbox entries. */
  now?: () => number;
  /** Hears of each message sent (true) or not sent (false). */
  onSend?: (transport: EmailTransport, sent: boolean) => void;
}

/** One message in the outbox folder, as listed by the demo mailbox. */
export interface OutboxEntry {
  id: string;
  to: string;
  from: string;
  subject: string;
  /** ISO 8601 */
  created_at: string;
  message_id: string;
}

/** A whole outbox message: its index entry, bodies and raw RFC 5322 source. */
export interface OutboxMessage extends OutboxEntry {
  html: string;
  text: string | null;
  raw: string;
}

/** Thrown for a message or configuration the mailer refuses before any sending. */
export class MailerInputError extends Error {
  readonly code = "MAIL_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "MailerInputError";
  }
}

const OUTBOX_ID = /^\d{13}-[0-9a-f]{12}$/;
const StoredEntrySchema = v.object({
  id: v.pipe(v.string(), v.regex(OUTBOX_ID)),
  to: v.string(),
  from: v.string(),
  subject: v.string(),
  created_at: v.string(),
  message_id: v.string(),
  html: v.string(),
  text: v.nullable(v.string()),
});

function checkMessage(message: OutgoingEmail): void {
  if (!isEmailAddress(message.to)) throw new MailerInputError("The recipient is not a valid email address");
  if (typeof message.subject !== "string" || message.subject.trim() === "" || /[\r\n]/.test(message.subject)) {
    throw new MailerInputError("The subject must be one non-empty line");
  }
  if (typeof message.html !== "string" || message.html.length === 0) throw new MailerInputError("The html body is empty");
}

/** Checks a message and gives the fields nodemailer sends for it, the same over SMTP and into the outbox. */
function mailFields(from: string, message: OutgoingEmail) {
  checkMessage(message);
  return {
    from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    ...(message.text ? { text: message.text } : {}),
  };
}

/** Creates the mailer: SMTP when `smtpUrl` is set, otherwise the outbox folder. */
export function createMailer(options: CreateMailerOptions): Mailer {
  if (typeof options.from !== "string" || options.from.trim() === "" || /[\r\n]/.test(options.from)) {
    throw new MailerInputError("The sender address must be one non-empty line");
  }
  const smtpUrl = options.smtpUrl?.trim();
  const mailer = smtpUrl ? createSmtpMailer(smtpUrl, options.from) : createOutboxMailer(options.outboxDir, options.from, options.now ?? Date.now);
  return options.onSend ? observedMailer(mailer, options.onSend) : mailer;
}

function observedMailer(mailer: Mailer, onSend: (transport: EmailTransport, sent: boolean) => void): Mailer {
  return {
    transport: mailer.transport,
    async send(message) {
      try {
        const sent = await mailer.send(message);
        onSend(mailer.transport, true);
        return sent;
      } catch (err) {
        onSend(mailer.transport, false);
        throw err;
      }
    },
    close: () => mailer.close(),
  };
}

function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  let parsed: URL;
  try {
    parsed = new URL(smtpUrl);
  } catch {
    throw new MailerInputError("SMTP_URL is not a URL");
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new MailerInputError("SMTP_URL must start with smtp:// or smtps://");
  }
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    transport: "smtp",
    async send(message) {
      const info = await transport.sendMail(mailFields(from, message));
      return { messageId: String(info.messageId), transport: "smtp", outboxId: null };
    },
    close() {
      transport.close();
    },
  };
}

function createOutboxMailer(outboxDir: string, from: string, now: () => number): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    transport: "outbox",
    async send(message) {
      const info = await transport.sendMail(mailFields(from, message));
      const createdAt = now();
      const id = `${String(createdAt).padStart(13, "0")}-${randomBytes(6).toString("hex")}`;
      const raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
      const entry = {
        id,
        to: message.to,
        from,
        subject: message.subject,
        created_at: new Date(createdAt).toISOString(),
        message_id: String(info.messageId),
        html: message.html,
        text: message.text ?? null,
      };
      await mkdir(outboxDir, { recursive: true });
      await writeFile(join(outboxDir, `${id}.eml`), raw);
      // The index file appears last and whole, so a listing never sees half a message.
      const temporary = join(outboxDir, `.${id}.json.tmp`);
      await writeFile(temporary, JSON.stringify(entry, null, 2));
      await rename(temporary, join(outboxDir, `${id}.json`));
      return { messageId: entry.message_id, transport: "outbox", outboxId: id };
    },
    close() {
      transport.close();
    },
  };
}

/** Lists the outbox folder, newest first; an absent folder is an empty mailbox. */
export async function listOutbox(outboxDir: string): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(outboxDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: OutboxEntry[] = [];
  for (const name of names) {
    const match = /^(\d{13}-[0-9a-f]{12})\.json$/.exec(name);
    if (!match) continue;
    const stored = await readEntry(outboxDir, match[1]!);
    if (stored) {
      const { html: _html, text: _text, ...summary } = stored;
      entries.push(summary);
    }
  }
  return entries.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Reads one outbox message by id, or null when there is none (ids are checked, so no path can escape the folder). */
export async function readOutboxMessage(outboxDir: string, id: string): Promise<OutboxMessage | null> {
  if (typeof id !== "string" || !OUTBOX_ID.test(id)) return null;
  const entry = await readEntry(outboxDir, id);
  if (!entry) return null;
  try {
    const raw = await readFile(join(outboxDir, `${id}.eml`), "utf8");
    return { ...entry, raw };
  } catch {
    return null;
  }
}

async function readEntry(outboxDir: string, id: string): Promise<(OutboxEntry & { html: string; text: string | null }) | null> {
  try {
    const parsed = v.safeParse(StoredEntrySchema, JSON.parse(await readFile(join(outboxDir, `${id}.json`), "utf8")));
    return parsed.success && parsed.output.id === id ? parsed.output : null;
  } catch {
    return null;
  }
}
