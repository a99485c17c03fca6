import { t } from "../i18n.ts";
import { useEffect, useState } from "preact/hooks";
import { call, type TemplateView } from "../api.ts";
import { LifetimeSelect } from "../LifetimeSelect.tsx";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";

/** Parses "name=value" lines into data values for `{{name}}` placeholders. */
function parseData(text: string): Record<string, string> | string {
  const data: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return t.notNameValue(line.trim().slice(0, 40));
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
      setOutcome({ kind: "ok", text: t.linkCreated(new Date(made.expires_at).toLocaleString()) });
    } catch (err) {
      setLink(null);
      setOutcome(errorOutcome(err));
    }
  }

  return (
    <section aria-labelledby="link-heading">
      <h2 id="link-heading">{t.createLinkHeading}</h2>
      <form onSubmit={submit}>
        <label for="link-user">{t.clientUserId}</label>
        <input id="link-user" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <label for="link-email">{t.email}</label>
        <input id="link-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <LifetimeSelect id="link-expiry" value={expiresIn} onChange={setExpiresIn} />
        <button type="submit">{t.createLink}</button>
      </form>
      <Notice outcome={outcome}>
        {link && (
          <>
            <label for="link-url">{t.inviteLink}</label>
            <input id="link-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
          </>
        )}
      </Notice>
      <p class="hint">{t.linksHint}</p>
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
        text: sent.transport === "outbox" ? t.writtenToOutbox(sent.email) : t.sentTo(sent.email),
      });
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  return (
    <section aria-labelledby="email-heading">
      <h2 id="email-heading">{t.sendEmailHeading}</h2>
      {props.mailTransport === "outbox" && <p class="hint">{t.outboxHint}</p>}
      <form onSubmit={submit}>
        <label for="mail-user">{t.clientUserId}</label>
        <input id="mail-user" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <label for="mail-email">{t.email}</label>
        <input id="mail-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="mail-template">{t.template}</label>
        <select id="mail-template" value={alias} onChange={(e) => setAlias(e.currentTarget.value)}>
          {aliases.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <label for="mail-data">{t.templateValues}</label>
        <textarea id="mail-data" rows={3} value={dataText} onInput={(e) => setDataText(e.currentTarget.value)} />
        <button type="submit">{t.sendInvitation}</button>
      </form>
      <Notice outcome={outcome} />
    </section>
  );
}
