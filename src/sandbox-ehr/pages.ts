// The sandbox EHR's own pages: its patient portal sign-in, and the page of a refused request.
import type { Context } from "hono";
import { html, sendPage, type SafeHtml } from "../server/html.ts";
import { TEST_PATIENTS } from "./fixtures.ts";

/** Name the sandbox EHR shows on its pages. */
export const SANDBOX_EHR_NAME = "Sandbox EHR";

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #eef2f0; color: #16201c; }
  header { background: #0f5132; color: #fff; padding: 12px 16px; font-weight: 700; }
  main { max-width: 380px; margin: 24px auto; background: #fff; border-radius: 10px; padding: 20px 22px; box-sizing: border-box; }
  @media (max-width: 420px) { main { margin: 0; border-radius: 0; max-width: none; } }
  h1 { font-size: 1.25rem; margin: 0 0 8px; }
  p, li { overflow-wrap: anywhere; }
  .note { color: #3f4a45; font-size: .9rem; }
  label { display: block; margin-top: 12px; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 10px; margin-top: 4px; border: 1px solid #6b7772; border-radius: 6px; font: inherit; }
  input:focus, button:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .actions { display: flex; gap: 8px; margin-top: 20px; flex-wrap: wrap; }
  button { flex: 1 1 120px; padding: 10px; font: inherit; border-radius: 6px; border: 1px solid #0f5132; cursor: pointer; }
  button.allow { background: #0f5132; color: #fff; }
  button.deny { background: #fff; color: #0f5132; }
  .error { color: #8a1c12; background: #fdecea; border-radius: 6px; padding: 8px 10px; }
  code { font-size: .85rem; }
`;

/** One page of the EHR, in its own colours: forms may end wherever the app's redirect URI leads, as on a real EHR. */
function page(c: Context, title: string, body: SafeHtml, status: 200 | 400): Response {
  return sendPage(c, { title, body, status, style: STYLE, banner: html`<header>${SANDBOX_EHR_NAME} · patient portal</header>`, formAction: "anywhere" });
}

/** The authorize page: sign in as a test patient, then Allow or Deny the app's access. */
export function signInPage(c: Context, params: Record<string, string>, scope: string, error?: string): Response {
  const hidden = Object.entries(params).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const accounts = TEST_PATIENTS.map((p) => html`<li><code>${p.username}</code> / <code>${p.password}</code></li>`);
  const body = html`<h1>Sign in to share your records</h1>
<p>An app asks to read your health records: <code>${scope}</code>.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/oauth/authorize">
${hidden}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button class="allow" type="submit" name="decision" value="allow">Allow</button>
<button class="deny" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>
<h2 class="note">Test patients</h2>
<ul class="note">${accounts}</ul>`;
  return page(c, `Sign in · ${SANDBOX_EHR_NAME}`, body, error ? 400 : 200);
}

/** A request the EHR refuses before any sign-in (bad client, redirect URI, audience or PKCE). */
export function refusedPage(c: Context, message: string): Response {
  return page(c, `Request refused · ${SANDBOX_EHR_NAME}`, html`<h1>Request refused</h1><p class="error" role="alert">${message}</p>`, 400);
}
