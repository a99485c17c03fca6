// A read-only mailbox over the mail outbox folder, for local development: the demo site shows it so that invitation
// emails can be read without a mail server. Message bodies render in a sandboxed iframe (srcdoc) with no scripts.
import { escapeHtml } from "../html.ts";
import { listOutbox, readOutboxMessage } from "./mailer.ts";

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}
main{max-width:960px;margin:24px auto;padding:0 16px}table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e4e6ea}iframe{width:100%;height:560px;border:1px solid #d9dce1;background:#fff}
pre{white-space:pre-wrap;background:#fff;padding:12px;border:1px solid #d9dce1}`;

/** Content-Security-Policy for the mailbox pages: no scripts at all; the message iframe is sandboxed too. */
export const MAILBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The mailbox's list page: newest message first, each linking to `${basePath}/<id>`. */
export async function renderMailboxList(outboxDir: string, basePath = "/mailbox"): Promise<string> {
  const entries = await listOutbox(outboxDir);
  const rows = entries
    .map(
      (e) => `<tr><td>${escapeHtml(new Date(e.created_at).toLocaleString("en-US", { timeZone: "UTC" }))} UTC</td><td>${escapeHtml(e.to)}</td>` +
        `<td><a href="${escapeHtml(`${basePath}/${e.id}`)}">${escapeHtml(e.subject)}</a></td></tr>`,
    )
    .join("");
  const body = entries.length
    ? `<table><caption>${entries.length} message${entries.length === 1 ? "" : "s"}</caption><thead><tr><th scope="col">Sent</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<p>No messages yet. Send an invitation from the Portal or with <code>POST /v1/connect/invitations</code>.</p>";
  return page("Mailbox", `<h1>Mailbox</h1><p>Emails the Connect service wrote to its outbox folder (no SMTP_URL set).</p>${body}`);
}

/** One message's page, or null when there is no message with this id. */
export async function renderMailboxMessage(outboxDir: string, id: string, basePath = "/mailbox"): Promise<string | null> {
  const message = await readOutboxMessage(outboxDir, id);
  if (!message) return null;
  // The message HTML goes into srcdoc (attribute-escaped) of an iframe sandboxed without scripts or same-origin;
  // its links open in a new tab, since the invite page refuses to be framed.
  const body =
    `<p><a href="${escapeHtml(basePath)}">Back to the mailbox</a></p><h1>${escapeHtml(message.subject)}</h1>` +
    `<p>From ${escapeHtml(message.from)} to ${escapeHtml(message.to)}</p>` +
    `<iframe title="Message body" sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" srcdoc="${escapeHtml('<base target="_blank">' + message.html)}"></iframe>` +
    (message.text ? `<h2>Plain text</h2><pre>${escapeHtml(message.text)}</pre>` : "");
  return page(message.subject, body);
}
