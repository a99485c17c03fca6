import type { Context } from "hono";
import { randomBytes } from "node:crypto";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** An HTML fragment that is already escaped; only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template that escapes every interpolated value unless it is already SafeHtml (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

function renderValue(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** JSON that is safe inside a `<script type="application/json">` element. */
export function jsonForScript(value: unknown): SafeHtml {
  return new SafeHtml(
    JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
      .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029"),
  );
}

const PAGE_STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1d21; }
  main { max-width: 360px; margin: 48px auto; background: #fff; border-radius: 12px; padding: 24px 28px;
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.25rem; margin: 0 0 4px; }
  p.note { color: #555; font-size: .875rem; }
  label { display: block; margin-top: 12px; font-weight: 600; font-size: .875rem; }
  input { width: 100%; box-sizing: border-box; padding: 8px 10px; margin-top: 4px; border: 1px solid #b8bcc4;
          border-radius: 6px; font: inherit; }
  .actions { display: flex; gap: 8px; margin-top: 20px; }
  button { flex: 1; padding: 10px; font: inherit; border-radius: 6px; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: #fff; color: #1d4ed8; }
  .error { color: #b42318; background: #fef3f2; border-radius: 6px; padding: 8px 10px; }
`;

/**
 * Sends a small HTML page with a strict CSP: nothing loads from anywhere, the inline style and script run only with
 * this response's nonce, forms post only to this origin, and no page may frame it. The sandbox EHR's pages use it
 * too, with their own style and banner.
 */
export function sendPage(
  c: Context,
  opts: {
    title: string;
    body: SafeHtml;
    status?: 200 | 400 | 404;
    script?: string;
    /** Origins a form on the page may end up at through redirects (CSP checks every hop of a submission); "anywhere"
     * for an authorization server, whose form ends at whichever redirect URI the request named. */
    formAction?: readonly string[] | "anywhere";
    style?: string;
    /** Shown above the page's main content. */
    banner?: SafeHtml;
  },
): Response {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    opts.script ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "img-src 'self'",
    opts.formAction === "anywhere" ? undefined : ["form-action 'self'", ...(opts.formAction ?? [])].join(" "),
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ]
    .filter(Boolean)
    .join("; ");
  c.header("Content-Security-Policy", csp);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title}</title>
<style nonce="${nonce}">${new SafeHtml(opts.style ?? PAGE_STYLE)}</style>
</head>
<body>
${opts.banner ?? ""}
<main>
${opts.body}
</main>
${opts.script ? html`<script nonce="${nonce}">${new SafeHtml(opts.script)}</script>` : ""}
</body>
</html>`;
  return c.html(page.value, opts.status ?? 200);
}
