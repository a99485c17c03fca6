/**
 * Invitation email templates (seed 004's pattern): `{{sign_in_url}}` is the invite link, `{{client_name}}` the
 * client's display name, and each `data_x` value sent with the invitation fills `{{x}}`.
 *
 * Every value is HTML-escaped in the HTML body; there is no raw-insertion syntax. Placeholders with no value render
 * empty. Placeholder names are lowercase letters, digits and underscores.
 */
import * as v from "valibot";
import { escapeHtml } from "../html.ts";

/** A client's email template as stored and edited. `text` is optional; without it the mail is HTML only. */
export interface EmailTemplate {
  subject: string;
  html: string;
  text?: string | undefined;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string | null;
}

export interface TemplateContext {
  /** The invite link. */
  signInUrl: string;
  /** The client's display name, for `{{client_name}}`. */
  clientName?: string;
  /** Values by placeholder name, without the `data_` prefix (see `collectTemplateData`). */
  data?: Record<string, string>;
}

export const MAX_SUBJECT_LENGTH = 200;
export const MAX_HTML_LENGTH = 100_000;
export const MAX_TEXT_LENGTH = 50_000;
export const MAX_DATA_VALUES = 50;
export const MAX_DATA_VALUE_LENGTH = 1_000;
/** Alias of the built-in template used when an invitation names none. */
export const DEFAULT_TEMPLATE_ALIAS = "default";
/** Names filled by the service itself; `data_` values cannot replace them. */
export const RESERVED_PLACEHOLDERS = ["sign_in_url", "client_name"] as const;

const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;
const ANY_BRACES = /\{\{([^{}]*)\}\}/g;
const NAME = /^[a-z0-9_]+$/;
const ALIAS = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The built-in invitation: a short note and a button to the invite link. */
export const DEFAULT_TEMPLATE: EmailTemplate & { alias: string } = {
  alias: DEFAULT_TEMPLATE_ALIAS,
  subject: "{{client_name}} invites you to connect your health data",
  html: `<!doctype html>
<html lang="en">
  <body style="margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px">
      <tr>
        <td style="padding:32px">
          <h1 style="margin:0 0 16px;font-size:22px">Connect your health data</h1>
          <p style="margin:0 0 16px;font-size:16px;line-height:1.5">{{client_name}} invites you to share your health records securely. Choose your providers, sign in with them, and you are done.</p>
          <p style="margin:0 0 24px">
            <a href="{{sign_in_url}}" style="display:inline-block;padding:12px 24px;background:#1a56db;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold">Connect your health data</a>
          </p>
          <p style="margin:0;font-size:13px;line-height:1.5;color:#52606d">If the button does not work, copy this link into your browser:<br><a href="{{sign_in_url}}" style="color:#1a56db;word-break:break-all">{{sign_in_url}}</a></p>
          <p style="margin:16px 0 0;font-size:13px;color:#52606d">If you did not expect this invitation, you can ignore this email.</p>
        </td>
      </tr>
    </table>
  </body>
</html>
`,
  text: `{{client_name}} invites you to connect your health data.

Open this link to choose your providers and share your health records securely:
{{sign_in_url}}

If you did not expect this invitation, you can ignore this email.
`,
};

/** Fills a template. HTML values are escaped; the subject is kept on one line. */
export function renderTemplate(template: EmailTemplate, context: TemplateContext): RenderedEmail {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(context.data ?? {})) values.set(name, value);
  values.set("sign_in_url", context.signInUrl);
  if (context.clientName !== undefined) values.set("client_name", context.clientName);
  else values.delete("client_name");

  const fill = (source: string, encode: (value: string) => string) =>
    source.replace(PLACEHOLDER, (_match, name: string) => encode(values.get(name) ?? ""));

  return {
    // Header injection is impossible once line breaks are gone.
    subject: fill(template.subject, (value) => value.replace(/[\r\n]+/g, " ")).replace(/[\r\n]+/g, " ").trim(),
    html: fill(template.html, escapeHtml),
    text: template.text === undefined ? null : fill(template.text, (value) => value),
  };
}

/** Closed list of reasons a template or its data is refused. */
export const TEMPLATE_ERROR_CODES = [
  "TEMPLATE_INVALID",
  "TEMPLATE_ALIAS_INVALID",
  "TEMPLATE_TOO_LARGE",
  "TEMPLATE_PLACEHOLDER_INVALID",
  "TEMPLATE_LINK_MISSING",
  "TEMPLATE_DATA_INVALID",
] as const;

export type TemplateErrorCode = (typeof TEMPLATE_ERROR_CODES)[number];

export type TemplateCheck<T> = { ok: true; value: T } | { ok: false; code: TemplateErrorCode; message: string };

const TemplateShape = v.object({
  subject: v.string(),
  html: v.string(),
  text: v.optional(v.string()),
});

/** Validates a template from outside (API or Portal): sizes, placeholder names, and a `{{sign_in_url}}` somewhere. */
export function validateTemplate(input: unknown): TemplateCheck<EmailTemplate> {
  const shape = v.safeParse(TemplateShape, input);
  if (!shape.success) {
    return { ok: false, code: "TEMPLATE_INVALID", message: "A template needs a string subject and html, and an optional string text" };
  }
  const { subject, html, text } = shape.output;
  if (subject.trim().length === 0 || /[\r\n]/.test(subject)) {
    return { ok: false, code: "TEMPLATE_INVALID", message: "The subject must be one non-empty line" };
  }
  if (html.trim().length === 0) return { ok: false, code: "TEMPLATE_INVALID", message: "The html body must not be empty" };
  if (subject.length > MAX_SUBJECT_LENGTH || html.length > MAX_HTML_LENGTH || (text?.length ?? 0) > MAX_TEXT_LENGTH) {
    return {
      ok: false,
      code: "TEMPLATE_TOO_LARGE",
      message: `Limits: subject ${MAX_SUBJECT_LENGTH}, html ${MAX_HTML_LENGTH}, text ${MAX_TEXT_LENGTH} characters`,
    };
  }
  for (const part of [subject, html, text ?? ""]) {
    for (const match of part.matchAll(ANY_BRACES)) {
      const name = (match[1] ?? "").trim();
      if (!NAME.test(name)) {
        return {
          ok: false,
          code: "TEMPLATE_PLACEHOLDER_INVALID",
          message: `Placeholder "${match[0].slice(0, 40)}" must be a name of lowercase letters, digits and underscores`,
        };
      }
    }
  }
  if (!usesSignInUrl(html) && !usesSignInUrl(text ?? "")) {
    return { ok: false, code: "TEMPLATE_LINK_MISSING", message: "The template must contain {{sign_in_url}}" };
  }
  return { ok: true, value: text === undefined ? { subject, html } : { subject, html, text } };
}

function usesSignInUrl(source: string): boolean {
  for (const match of source.matchAll(PLACEHOLDER)) if (match[1] === "sign_in_url") return true;
  return false;
}

/** Validates a template alias ("default", "user-invitation", ...). */
export function isValidTemplateAlias(alias: unknown): alias is string {
  return typeof alias === "string" && ALIAS.test(alias);
}

/**
 * Picks the `data_*` fields of a request body into `{x: value}` for `{{x}}`. Values must be strings (numbers and
 * booleans are turned into strings); names follow the placeholder rule and may not replace reserved placeholders.
 */
export function collectTemplateData(body: Record<string, unknown>): TemplateCheck<Record<string, string>> {
  const data: Record<string, string> = {};
  let count = 0;
  for (const [key, raw] of Object.entries(body)) {
    if (!key.startsWith("data_")) continue;
    const name = key.slice("data_".length);
    if (!NAME.test(name)) {
      return { ok: false, code: "TEMPLATE_DATA_INVALID", message: `"${key.slice(0, 60)}" is not a valid data_ name` };
    }
    if ((RESERVED_PLACEHOLDERS as readonly string[]).includes(name)) {
      return { ok: false, code: "TEMPLATE_DATA_INVALID", message: `"${key}" is filled by the service and cannot be sent` };
    }
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
      return { ok: false, code: "TEMPLATE_DATA_INVALID", message: `"${key}" must be a string` };
    }
    const value = String(raw);
    if (value.length > MAX_DATA_VALUE_LENGTH) {
      return { ok: false, code: "TEMPLATE_DATA_INVALID", message: `"${key}" is longer than ${MAX_DATA_VALUE_LENGTH} characters` };
    }
    count += 1;
    if (count > MAX_DATA_VALUES) {
      return { ok: false, code: "TEMPLATE_DATA_INVALID", message: `At most ${MAX_DATA_VALUES} data_ values are accepted` };
    }
    data[name] = value;
  }
  return { ok: true, value: data };
}
