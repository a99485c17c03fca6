// The hosted Connect page an invite link opens, and the page a refused link gets. Both are pages of the service's
// own origin with a strict CSP; the hosted page carries its token only inside its nonce'd inline script.
import type { Context } from "hono";
import { randomBytes } from "node:crypto";
import { SafeHtml, html, jsonForScript } from "../html.ts";
import { DIALOG_CLASS } from "../../loader/styles.ts";

const STYLE = `
  html, body { height: 100%; }
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1d21; }
  main { max-width: 420px; margin: 64px auto; background: #fff; border-radius: 12px; padding: 24px 28px;
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.25rem; margin: 0 0 8px; }
  p { margin: 8px 0; }
  /* The done message's heading takes focus from script only, to be read out; it is not a control. */
  h1[tabindex="-1"]:focus { outline: none; }
  /* Hosted Connect fills the page at every width (the doubled class outranks the loader's own rule). */
  .${DIALOG_CLASS}.${DIALOG_CLASS} { width: 100vw; height: 100vh; height: 100dvh; max-width: none; max-height: none;
    border-radius: 0; box-shadow: none; }
`;

/** What the hosted page's script needs: the token, where to send the user after closing, and the client's name. */
export interface HostedConnectData {
  token: string;
  clientName: string;
  redirectUrl: string | null;
  /** A source to open on (a repair link), already checked to be a source id. */
  sourceId: string | null;
}

function securityHeaders(c: Context, nonce: string, withConnect: boolean): void {
  // Scripts and the page's one style sheet run only with this response's nonce; the loader styles itself without
  // inline styles, so nothing needs 'unsafe-inline'.
  const csp = [
    "default-src 'none'",
    withConnect ? `script-src 'self' 'nonce-${nonce}'` : "script-src 'none'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self'",
    withConnect ? "frame-src 'self'" : "",
    withConnect ? "connect-src 'self'" : "",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].filter(Boolean).join("; ");
  c.header("Content-Security-Policy", csp);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
}

function page(title: string, nonce: string, body: SafeHtml, scripts: SafeHtml | string = ""): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style nonce="${nonce}">${new SafeHtml(STYLE)}</style>
</head>
<body>
${body}
${scripts}
</body>
</html>`.value;
}

// Runs in the browser. Opens Connect full-page (the app itself reports the close to the service); on close it
// either redirects to the client's redirect URL with the result or shows the done message. OAuth sign-ins always
// leave this page by redirect (a popup over a full-page Connect helps nobody, and mail apps' browsers block them);
// the provider's callback returns here, the link mints a fresh token for the same user, and the loader hands the
// returned sign-in to the new Connect, which resumes on its outcome.
const HOSTED_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("invite-data").textContent);
  document.getElementById("invite-data").remove();
  var root = document.getElementById("invite-root");
  function show(title, text) {
    root.replaceChildren();
    var h = document.createElement("h1");
    h.textContent = title;
    var p = document.createElement("p");
    p.textContent = text;
    root.append(h, p);
    h.tabIndex = -1;
    h.focus();
  }
  function closed(res) {
    var connected = res && res.sessionResults ? res.sessionResults.connectedSources.length : 0;
    var disconnected = res && res.sessionResults ? res.sessionResults.disconnectedSources.length : 0;
    var status = res && res.status ? res.status : "SUCCESS";
    if (data.redirectUrl) {
      var url = new URL(data.redirectUrl);
      url.searchParams.set("status", status);
      url.searchParams.set("connected", String(connected));
      url.searchParams.set("disconnected", String(disconnected));
      location.assign(url.href);
      return;
    }
    if (status !== "SUCCESS") {
      show("Connect could not finish", "Open your link again, or ask " + data.clientName + " for a new one.");
    } else if (connected > 0) {
      show("You are done", "Thank you. " + data.clientName + " can now receive the records you shared (" + connected +
        (connected === 1 ? " source" : " sources") + "). You can close this page.");
    } else {
      show("You are done", "You can close this page, and open your link again later to connect a source.");
    }
  }
  if (!window.HumanConnect) {
    show("Connect could not load", "Check your connection and open your link again.");
    return;
  }
  var options = { token: data.token, onClose: closed, oauthRedirect: true };
  if (data.sourceId) options.sourceId = data.sourceId;
  window.HumanConnect.open(options);
})();
`;

/** The hosted Connect page: loads /connect.js and opens Connect with the embedded token. */
export function hostedConnectPage(c: Context, data: HostedConnectData): Response {
  const nonce = randomBytes(16).toString("base64");
  securityHeaders(c, nonce, true);
  const body = html`<main id="invite-root" aria-live="polite">
<h1>Connect your health data</h1>
<p>${data.clientName} invites you to share your health records. Connect is opening…</p>
<noscript><p>Connect needs JavaScript. Turn it on and open your link again.</p></noscript>
</main>`;
  // The data element is JSON, escaped for a <script> context, and read by the nonce'd script; it is never in a URL.
  const scripts = html`<script type="application/json" id="invite-data">${jsonForScript(data)}</script>
<script src="/connect.js" nonce="${nonce}"></script>
<script nonce="${nonce}">${new SafeHtml(HOSTED_SCRIPT)}</script>`;
  return c.html(page("Connect your health data", nonce, body, scripts), 200);
}

/** The page of a refused link: says "expired" or "not valid" and nothing more. */
export function inviteErrorPage(c: Context, status: 400 | 410, text: { title: string; message: string }): Response {
  const nonce = randomBytes(16).toString("base64");
  securityHeaders(c, nonce, false);
  const body = html`<main>
<h1>${text.title}</h1>
<p>${text.message}</p>
</main>`;
  return c.html(page(text.title, nonce, body), status);
}
