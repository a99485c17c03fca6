import { t } from "../i18n.ts";
import { useEffect, useState } from "preact/hooks";
import { call, type TemplateView } from "../api.ts";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";

/** Edit invitation email templates: `{{sign_in_url}}` is the link, `{{client_name}}` your name, `{{x}}` a `data_x` value. */
export function TemplatesScreen() {
  const [templates, setTemplates] = useState<TemplateView[]>([]);
  const [alias, setAlias] = useState("default");
  const [newAlias, setNewAlias] = useState("");
  const [subject, setSubject] = useState("");
  const [html, setHtml] = useState("");
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  async function load(select?: string) {
    try {
      const list = (await call<{ templates: TemplateView[] }>("GET", "/email-templates")).templates;
      setTemplates(list);
      const current = list.find((tpl) => tpl.alias === (select ?? alias)) ?? list[0];
      if (current) choose(current);
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  function choose(tpl: TemplateView) {
    setAlias(tpl.alias);
    setSubject(tpl.subject);
    setHtml(tpl.html);
    setText(tpl.text ?? "");
  }

  useEffect(() => {
    void load();
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    try {
      await call("PUT", `/email-templates/${encodeURIComponent(alias)}`, { subject, html, text });
      setOutcome({ kind: "ok", text: t.templateSaved(alias) });
      await load(alias);
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  async function remove() {
    try {
      await call("DELETE", `/email-templates/${encodeURIComponent(alias)}`);
      setOutcome({ kind: "ok", text: alias === "default" ? t.templateReset : t.templateDeleted(alias) });
      await load("default");
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  function startNew(e: Event) {
    e.preventDefault();
    const name = newAlias.trim();
    if (!name) return;
    setAlias(name);
    setNewAlias("");
    setOutcome({ kind: "idle" });
  }

  const current = templates.find((tpl) => tpl.alias === alias);
  return (
    <>
      <section aria-labelledby="choose-heading">
        <h2 id="choose-heading">{t.templatesHeading}</h2>
        <div class="toolbar">
          <label for="template-alias">{t.template}</label>
          <select
            id="template-alias"
            value={current ? alias : ""}
            onChange={(e) => {
              const chosen = templates.find((x) => x.alias === e.currentTarget.value);
              if (chosen) choose(chosen);
            }}
          >
            {!current && <option value="">{alias}{t.newSuffix}</option>}
            {templates.map((tpl) => (
              <option key={tpl.alias} value={tpl.alias}>
                {tpl.alias}
                {tpl.built_in ? t.builtInSuffix : ""}
              </option>
            ))}
          </select>
        </div>
        <form class="inline" onSubmit={startNew}>
          <label for="new-alias">{t.newAlias}</label>
          <input id="new-alias" pattern="[a-z0-9][a-z0-9_\-]{0,63}" value={newAlias} onInput={(e) => setNewAlias(e.currentTarget.value)} />
          <button type="submit" class="secondary">
            {t.newTemplate}
          </button>
        </form>
      </section>
      <section aria-labelledby="edit-heading">
        <h2 id="edit-heading">{t.editHeading(alias)}</h2>
        <p class="hint">
          {t.placeholdersLead} <code>{"{{sign_in_url}}"}</code> {t.placeholdersRequired}, <code>{"{{client_name}}"}</code>, <code>{"{{name}}"}</code>{" "}
          {t.placeholdersEach} <code>data_name</code> {t.placeholdersTail}
        </p>
        <form onSubmit={save}>
          <label for="template-subject">{t.subject}</label>
          <input id="template-subject" required value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
          <label for="template-html">{t.htmlBody}</label>
          <textarea id="template-html" rows={12} required value={html} onInput={(e) => setHtml(e.currentTarget.value)} />
          <label for="template-text">{t.textBody}</label>
          <textarea id="template-text" rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="actions">
            <button type="submit">{t.saveTemplate}</button>
            {current && !current.built_in && (
              <button type="button" class="secondary" onClick={remove}>
                {alias === "default" ? t.resetToBuiltIn : t.deleteTemplate}
              </button>
            )}
          </div>
        </form>
        <Notice outcome={outcome} />
      </section>
    </>
  );
}
