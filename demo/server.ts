/**
 * "Demo Health": a customer's site on its own origin. Its backend holds the client secret and asks the Connect
 * service for tokens (seed 001); its pages embed Connect with the script tag (/), the npm import (/npm.html), inline
 * in the page (/inline.html) and with the React hook (/react.html).
 *
 * Configuration (environment): DEMO_PORT (default 3000), CONNECT_URL (default http://localhost:8080),
 * DEMO_CLIENT_ID, DEMO_CLIENT_SECRET.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as v from "valibot";
import { MAILBOX_CSP, renderMailboxList, renderMailboxMessage } from "../src/server/mail/mailbox-page.ts";

/** Options of `startDemoServer`. */
export interface DemoServerOptions {
  port?: number;
  host?: string;
  /** Base URL of the Connect service, e.g. http://localhost:8080. */
  connectUrl: string;
  clientId: string;
  clientSecret: string;
  /** The Connect service's mail outbox folder, shown at /mailbox; default `$HC_DATA_DIR/mail-outbox` (./.data). */
  mailOutboxDir?: string;
}

/** A running demo site. */
export interface RunningDemoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What `POST /api/token` returns to the page: the token and whether it is a session token (new user) or an id token. */
export interface DemoTokenResponse {
  token: string;
  kind: "session" | "id";
}

const MAX_BODY = 16 * 1024;

const TokenRequest = v.object({
  userId: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255)),
  // The token endpoint needs the user's email for a session token (seed 001).
  email: v.pipe(v.string(), v.trim(), v.maxLength(254), v.email()),
});

// The repository root: this file runs from demo/ (sources) or dist/node/demo/ (build).
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "demo", "index.html"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("demo: cannot find demo/index.html above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STATIC: Record<string, [file: string, type: string]> = {
  "/demo.js": ["demo/public/demo.js", "text/javascript"],
  "/script-tag.js": ["demo/public/script-tag.js", "text/javascript"],
  "/npm.js": ["demo/public/npm.js", "text/javascript"],
  "/inline.js": ["demo/public/inline.js", "text/javascript"],
  "/react-app.js": ["dist/demo/react-app.js", "text/javascript"],
  "/demo.css": ["demo/public/demo.css", "text/css"],
  "/vendor/human-connect.js": ["dist/index.js", "text/javascript"],
};
const PAGES: Record<string, string> = {
  "/": "demo/index.html",
  "/index.html": "demo/index.html",
  "/npm.html": "demo/npm.html",
  "/inline.html": "demo/inline.html",
  "/react.html": "demo/react.html",
};

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": type + "; charset=utf-8", "x-content-type-options": "nosniff", ...extra });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, JSON.stringify(body), "application/json", { "cache-control": "no-store" });
const sendError = (res: ServerResponse, status: number, errorCode: string, message: string) =>
  sendJson(res, status, { errorCode, message });

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Asks the Connect service for a session token, or an id token for a user who already connected a source (seed 001). */
export async function createConnectToken(
  opts: Pick<DemoServerOptions, "connectUrl" | "clientId" | "clientSecret">,
  userId: string,
  email: string,
): Promise<{ status: number; body: DemoTokenResponse | { errorCode: string; message: string } }> {
  const post = async (body: Record<string, string>) => {
    const res = await fetch(`${opts.connectUrl}/v1/connect/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: opts.clientId, client_secret: opts.clientSecret, client_user_id: userId, ...body }),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const session = await post({ type: "session", client_user_email: email });
  if (session.status === 200 && typeof session.json.session_token === "string") {
    return { status: 200, body: { token: session.json.session_token, kind: "session" } };
  }
  // A returning user (one who connected a source) is no longer given session tokens: ask for an id token instead.
  if (session.status === 403 && session.json.errorCode === "SESSION_TOKEN_GENERATION_NOT_ALLOWED") {
    const id = await post({ type: "id" });
    if (id.status === 200 && typeof id.json.id_token === "string") return { status: 200, body: { token: id.json.id_token, kind: "id" } };
    return { status: id.status, body: errorBody(id.json) };
  }
  return { status: session.status, body: errorBody(session.json) };
}

function errorBody(json: Record<string, unknown>) {
  return {
    errorCode: typeof json.errorCode === "string" ? json.errorCode : "CONNECT_SERVICE_ERROR",
    message: typeof json.message === "string" ? json.message : "The Connect service answered with an unexpected response.",
  };
}

/** Starts the demo site; the client secret stays in this process and never reaches a page. */
export async function startDemoServer(opts: DemoServerOptions): Promise<RunningDemoServer> {
  const root = findRoot();
  const connectUrl = opts.connectUrl.replace(/\/+$/, "");
  const connectOrigin = new URL(connectUrl).origin;
  const outboxDir = opts.mailOutboxDir ?? join(process.env.HC_DATA_DIR ?? join(root, ".data"), "mail-outbox");
  // What an integrator's CSP needs: the service's origin for connect.js and the iframe; nothing inline (the loader
  // styles its dialog with a constructed style sheet, which the policy does not govern).
  const csp = [
    `default-src 'self' ${connectOrigin}`,
    `script-src 'self' ${connectOrigin}`,
    `style-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
  ].join("; ");

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://demo").pathname;
      if (req.method === "POST" && path === "/api/token") return await handleToken(req, res);
      if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "METHOD_NOT_ALLOWED", "Use GET, or POST /api/token.");
      if (path === "/favicon.ico") return void res.writeHead(204).end();
      if (path === "/mailbox" || path.startsWith("/mailbox/")) {
        const mailbox = path === "/mailbox" ? await renderMailboxList(outboxDir) : await renderMailboxMessage(outboxDir, path.slice("/mailbox/".length));
        if (mailbox === null) return sendError(res, 404, "NOT_FOUND", "No such message.");
        return send(res, 200, mailbox, "text/html", { "content-security-policy": MAILBOX_CSP, "cache-control": "no-store", "referrer-policy": "no-referrer" });
      }
      const page = PAGES[path];
      if (page) {
        const html = (await readFile(join(root, page), "utf8"))
          .replaceAll("%CONNECT_URL%", escapeHtml(connectUrl))
          .replaceAll("%CLIENT_ID%", escapeHtml(opts.clientId));
        return send(res, 200, html, "text/html", { "content-security-policy": csp, "cache-control": "no-store" });
      }
      const file = STATIC[path];
      if (file) {
        const full = join(root, file[0]);
        if (!existsSync(full)) return sendError(res, 404, "NOT_BUILT", `${file[0]} is missing: run npm run build.`);
        return send(res, 200, await readFile(full, "utf8"), file[1], { "cache-control": "no-cache" });
      }
      sendError(res, 404, "NOT_FOUND", "No such page.");
    } catch (err) {
      console.error("demo:", err);
      if (!res.headersSent) sendError(res, 500, "INTERNAL_ERROR", "The demo site failed; see its log.");
      else res.end();
    }
  });

  async function handleToken(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    if (raw === null) return sendError(res, 413, "BODY_TOO_LARGE", `The body is over ${MAX_BODY} bytes.`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return sendError(res, 400, "INVALID_JSON", "The body is not valid JSON.");
    }
    const parsed = v.safeParse(TokenRequest, json);
    if (!parsed.success) {
      return sendError(res, 400, "INVALID_REQUEST", "Send {\"userId\": 1 to 255 characters, \"email\": an email address}.");
    }
    try {
      const { status, body } = await createConnectToken(opts, parsed.output.userId, parsed.output.email);
      sendJson(res, status, body);
    } catch {
      sendError(res, 502, "CONNECT_SERVICE_UNREACHABLE", `The Connect service at ${connectUrl} did not answer.`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 3000, opts.host ?? "localhost", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (opts.port ?? 3000);
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } = process.env;
  if (!DEMO_CLIENT_ID || !DEMO_CLIENT_SECRET) {
    console.error(
      "demo: set DEMO_CLIENT_ID and DEMO_CLIENT_SECRET (create a client with: npx human-connect clients create --name \"Demo Health\" --origin http://localhost:3000 --json), or run npm start.",
    );
    process.exit(1);
  }
  const demo = await startDemoServer({
    port: Number(process.env.DEMO_PORT ?? 3000),
    connectUrl: process.env.CONNECT_URL ?? "http://localhost:8080",
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
  });
  console.log(`demo: Demo Health is on ${demo.url}`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
