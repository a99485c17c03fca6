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
      const current = list.find((t) => t.alias === (select ?? alias)) ?? list[0];
      if (current) choose(current);
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  function choose(t: TemplateView) {
    setAlias(t.alias);
    setSubject(t.subject);
    setHtml(t.html);
    setText(t.text ?? "");
  }

  useEffect(() => {
    void load();
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    try {
      await call("PUT", `/email-templates/${encodeURIComponent(alias)}`, { subject, html, text });
      setOutcome({ kind: "ok", text: `Template "${alias}" saved.` });
      await load(alias);
    } catch (err) {
      setOutcome(errorOutcome(err));
    }
  }

  async function remove() {
    try {
      await call("DELETE", `/email-templates/${encodeURIComponent(alias)}`);
      setOutcome({ kind: "ok", text: alias === "default" ? 'Template "default" reset to the built-in one.' : `Template "${alias}" deleted.` });
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

  const current = templates.find((t) => t.alias === alias);
  return (
    <>
      <section aria-labelledby="choose-heading">
        <h2 id="choose-heading">Templates</h2>
        <div class="toolbar">
          <label for="template-alias">Template</label>
          <select
            id="template-alias"
            value={current ? alias : ""}
            onChange={(e) => {
              const t = templates.find((x) => x.alias === e.currentTarget.value);
              if (t) choose(t);
            }}
          >
            {!current && <option value="">{alias} (new)</option>}
            {templates.map((t) => (
              <option key={t.alias} value={t.alias}>
                {t.alias}
                {t.built_in ? " (built-in)" : ""}
              </option>
            ))}
          </select>
        </div>
        <form class="inline" onSubmit={startNew}>
          <label for="new-alias">New template alias</label>
          <input id="new-alias" pattern="[a-z0-9][a-z0-9_\-]{0,63}" value={newAlias} onInput={(e) => setNewAlias(e.currentTarget.value)} />
          <button type="submit" class="secondary">
            New template
          </button>
        </form>
      </section>
      <section aria-labelledby="edit-heading">
        <h2 id="edit-heading">Edit "{alias}"</h2>
        <p class="hint">
          Placeholders: <code>{"{{sign_in_url}}"}</code> (required), <code>{"{{client_name}}"}</code>, and <code>{"{{name}}"}</code> for each{" "}
          <code>data_name</code> value sent with an invitation. Values are HTML-escaped.
        </p>
        <form onSubmit={save}>
          <label for="template-subject">Subject</label>
          <input id="template-subject" required value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
          <label for="template-html">HTML body</label>
          <textarea id="template-html" rows={12} required value={html} onInput={(e) => setHtml(e.currentTarget.value)} />
          <label for="template-text">Plain-text body (optional)</label>
          <textarea id="template-text" rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="actions">
            <button type="submit">Save template</button>
            {current && !current.built_in && (
              <button type="button" class="secondary" onClick={remove}>
                {alias === "default" ? "Reset to built-in" : "Delete template"}
              </button>
            )}
          </div>
        </form>
        <Notice outcome={outcome} />
      </section>
    </>
  );
}
