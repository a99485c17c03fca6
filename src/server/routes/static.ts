import { Hono, type Context } from "hono";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const CLIENT_ID_SHAPE = /^[0-9a-f]{8,128}$/;

/** Serialises origins for a CSP source list; anything that is not a plain origin is dropped. */
function cspOrigins(origins: readonly string[]): string[] {
  return origins.filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
}

async function readDistFile(path: string): Promise<Buffer | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function notFound(): ApiFailure {
  return new ApiFailure(404, "NOT_FOUND", "Nothing here.");
}

/** Content-Security-Policy of the Connect app page; `frameAncestors` null leaves framing open. */
export function connectPageCsp(frameAncestors: string[] | null): string {
  const parts = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https: http:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ];
  if (frameAncestors) parts.push(`frame-ancestors ${frameAncestors.length ? frameAncestors.join(" ") : "'none'"}`);
  return parts.join("; ");
}

/**
 * The Connect app page (`/connect`), its hashed assets (`/assets/*`, cached for a year) and the script-tag
 * loader (`/connect.js`, cached briefly because its name does not change between releases).
 */
export function staticRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const appDir = join(deps.distDir, "app");
  const assetsDir = join(appDir, "assets");

  app.get("/connect", async (c) => {
    const page = await readDistFile(join(appDir, "index.html"));
    if (!page) throw new ApiFailure(503, "CONNECT_APP_NOT_BUILT", "The Connect app is not built: run `npm run build`.");
    const clientId = c.req.query("client_id");
    let ancestors: string[] | null = null;
    if (clientId !== undefined) {
      const client = CLIENT_ID_SHAPE.test(clientId) ? await deps.store.clients.get(clientId) : undefined;
      // An unknown client may not be framed anywhere: its page could only ever fail.
      ancestors = client && !client.disabled ? cspOrigins(client.allowedOrigins) : [];
    }
    c.header("Content-Security-Policy", connectPageCsp(ancestors));
    c.header("Cache-Control", "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Content-Type", "text/html; charset=utf-8");
    return c.body(new Uint8Array(page));
  });

  app.get("/assets/*", async (c) => serveFile(c, assetsDir, c.req.path.slice("/assets/".length), "public, max-age=31536000, immutable"));

  app.get("/connect.js", async (c) => serveFile(c, deps.distDir, "connect.js", "public, max-age=300"));

  return app;
}

async function serveFile(c: Context, root: string, relative: string, cacheControl: string): Promise<Response> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    throw notFound();
  }
  if (decoded === "" || decoded.includes("\0")) throw notFound();
  const full = normalize(join(root, decoded));
  if (!full.startsWith(normalize(root) + sep)) throw notFound();
  const body = await readDistFile(full);
  if (!body) throw notFound();
  c.header("Content-Type", CONTENT_TYPES[extname(full).toLowerCase()] ?? "application/octet-stream");
  c.header("Cache-Control", cacheControl);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Access-Control-Allow-Origin", "*");
  return c.body(new Uint8Array(body));
}
