import { useEffect, useState } from "preact/hooks";
import { call, type TemplateView } from "../api.ts";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";

const LIFETIMES = [
  { value: "1d", label: "1 day" },
  { value: "3d", label: "3 days" },
  { value: "7d", label: "7 days" },
];

/** Parses "name=value" lines into data values for `{{name}}` placeholders. */
function parseData(text: string): Record<string, string> | string {
  const data: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return `"${line.trim().slice(0, 40)}" is not name=value`;
    data[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return data;
}

/** Create an invite link, or send an invitation email from a template. */
export function InviteScreen(props: { mailTransport: "smtp" | "outbox" | null }) {
  return (
    <>
      <LinkForm />
      <EmailForm mailTransport={props.mailTransport} />
    </>
  );
}

function LinkForm() {
  const [userId, setUserId] = useState("");
  const [email, setEmail] = useState("");
  const [expiresIn, setExpiresIn] = useState("3d");
  const [link, setLink] = useState<{ url: string; expires_at: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  async function submit(e: Event) {
    e.preventDefault();
    setOutcome({ kind: "idle" });
    try {
      const made = await call<{ url: string; expires_at: string }>("POST", "/connect/invite-links", {
        client_user_id: userId.trim(),
        email: email.trim(),
        expires_in: expiresIn,
      });
      setLink(made);
      setOutcome({ kind: "ok", text: `Link created; it works until ${new Date(made.expires_at).toLocaleString()}.` });
    } catch (err) {
      setLink(null);
      setOutcome(errorOutcome(err));
    }
  }

  return (
    <section aria-labelledby="link-heading">
      <h2 id="link-heading">Create an invite link</h2>
      <form onSubmit={submit}>
        <label for="link-user">Client user id</label>
        <input id="link-user" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <label for="link-email">Email</label>
        <input id="link-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="link-expiry">Expires in</label>
        <select id="link-expiry" value={expiresIn} onChange={(e) => setExpiresIn(e.currentTarget.value)}>
          {LIFETIMES.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
        <button type="submit">Create invite link</button>
      </form>
      <Notice outcome={outcome}>
        {link && (
          <>
            <label for="link-url">Invite link</label>
            <input id="link-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
          </>
        )}
      </Notice>
      <p class="hint">Links cannot be revoked one by one: rotating the client secret invalidates every link.</p>
    </section>
  );
}

function EmailForm(props: { mailTransport: "smtp" | "outbox" | null }) {
  const [userId, setUserId] = useState("");
  const [email, setEmail] = useState("");
  const [alias, setAlias] = useState("default");
  const [dataText, setDataText] = useState("");
  const [aliases, setAliases] = useState<string[]>(["default"]);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  useEffect(() => {
    call<{ templates: TemplateView[] }>("GET", "/email-templates").then(
      (r) => setAliases(r.templates.map((t) => t.alias)),
      () => undefined,
    );
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    const data = parseData(dataText);
    if (typeof data === "string") {
      setOutcome({ kind: "error", text: data });
      return;
    }
    try {
      const sent = await call<{ email: string; transport: string }>("POST", "/connect/invitations", {
        client_user_id: userId.trim(),
        email: email.trim(),
        template_alias: alias,
        data,
      });
      setOutcome({
        kind: "ok",
        text: sent.transport === "outbox" ? `Invitation to ${sent.email} written to the mail outbox.` : `Invitation sent to ${sent.email}.`,
      });
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  return (
    <section aria-labelledby="email-heading">
      <h2 id="email-heading">Send an invitation email</h2>
      {props.mailTransport === "outbox" && <p class="hint">No mail server is configured: emails go to the service's mail outbox folder.</p>}
      <form onSubmit={submit}>
        <label for="mail-user">Client user id</label>
        <input id="mail-user" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <label for="mail-email">Email</label>
        <input id="mail-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="mail-template">Template</label>
        <select id="mail-template" value={alias} onChange={(e) => setAlias(e.currentTarget.value)}>
          {aliases.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <label for="mail-data">Template values (one name=value per line)</label>
        <textarea id="mail-data" rows={3} value={dataText} onInput={(e) => setDataText(e.currentTarget.value)} />
        <button type="submit">Send invitation</button>
      </form>
      <Notice outcome={outcome} />
    </section>
  );
}
