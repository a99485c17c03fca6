import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readJsonObject } from "../body.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { clientIp, requestProtocol } from "../proxy.ts";
import { authenticateClient } from "../clients/credentials.ts";
import { ApiFailure } from "../errors.ts";
import { serviceOrigin } from "../origin.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { constantTimeEqual } from "../security/crypto.ts";
import { portalOverview } from "../portal/overview.ts";
import { overviewQuery, rotateBody, signInBody } from "../schemas/portal.ts";
import { parseOrFail } from "../validation.ts";
import { clientApiRoutes } from "./client-api.ts";

/** Name of the Portal's session cookie. */
export const PORTAL_COOKIE = "hc_portal";
/** Header that must carry the session's CSRF token on every state-changing Portal request. */
export const CSRF_HEADER = "X-CSRF-Token";
/** How long a Portal sign-in lasts. */
export const PORTAL_SESSION_TTL_MS = 8 * 3600_000;
const COOKIE_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isHttps(deps: AppDeps, c: Context): boolean {
  return (deps.publicUrl ? new URL(deps.publicUrl).protocol : requestProtocol(c, deps.trustProxyHops ?? 0)) === "https:";
}

/** Refuses a state-changing request whose Origin is not this service's (browsers always send it on such requests). */
function requireSameOrigin(deps: AppDeps, c: Context): void {
  if (c.req.header("origin") !== serviceOrigin(deps, c)) {
    throw new ApiFailure(403, "CSRF_ORIGIN_MISMATCH", "This request must come from the Portal's own page.");
  }
}

/** Authorises a Portal request by its session cookie; state-changing requests also need the Origin and CSRF token. */
export function requirePortalSession(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, PORTAL_COOKIE);
    const session = cookie && COOKIE_SHAPE.test(cookie) ? await deps.services.portalSessions.get(cookie) : undefined;
    if (!session || session.expiresAt <= deps.clock.now()) {
      throw new ApiFailure(401, "PORTAL_SIGN_IN_REQUIRED", "Sign in to the Portal with your client id and secret.");
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      requireSameOrigin(deps, c);
      const presented = c.req.header(CSRF_HEADER) ?? "";
      if (!constantTimeEqual(presented, session.csrfToken)) {
        throw new ApiFailure(403, "CSRF_TOKEN_INVALID", `Send the session's CSRF token in the ${CSRF_HEADER} header.`);
      }
    }
    const client = await deps.store.clients.get(session.clientId);
    if (!client || client.disabled) throw new ApiFailure(401, "PORTAL_SIGN_IN_REQUIRED", "Sign in to the Portal again.");
    c.set("client", client);
    c.header("Cache-Control", "no-store");
    await next();
  };
}

/** Content-Security-Policy of the Portal page: own scripts and styles only, never framed. */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The Portal: its page (`/portal`), sign-in/out, and the client API under `/portal/api`. */
export function portalRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, services, clock } = deps;
  const app = new Hono<AppEnv>();
  const session = requirePortalSession(deps);

  app.get("/portal", async (c) => {
    let page: Buffer;
    try {
      page = await readFile(join(deps.distDir, "app", "portal.html"));
    } catch {
      throw new ApiFailure(503, "PORTAL_NOT_BUILT", "The Portal is not built: run `npm run build`.");
    }
    c.header("Content-Security-Policy", PORTAL_CSP);
    c.header("Cache-Control", "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Content-Type", "text/html; charset=utf-8");
    return c.body(new Uint8Array(page));
  });

  app.post("/portal/api/sign-in", async (c) => {
    requireSameOrigin(deps, c);
    if (deps.rateLimits) {
      const ip = clientIp(c, deps.trustProxyHops ?? 0);
      await enforceRateLimit(store, clock.now(), `portal:ip:${ip}`, deps.rateLimits.portalSignInPerIp ?? 10, deps.rateLimits.windowMs);
    }
    const input = parseOrFail(signInBody, await readJsonObject(c));
    const client = await authenticateClient(deps, c, input.client_id, input.client_secret, "none");
    const created = await services.portalSessions.create(client.clientId, PORTAL_SESSION_TTL_MS);
    setCookie(c, PORTAL_COOKIE, created.sessionId, {
      path: "/portal",
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(deps, c),
      maxAge: Math.floor(PORTAL_SESSION_TTL_MS / 1000),
    });
    c.header("Cache-Control", "no-store");
    return c.json({ client: { client_id: client.clientId, name: client.name }, csrf_token: created.csrfToken });
  });

  app.get("/portal/api/session", session, async (c) => {
    const cookie = getCookie(c, PORTAL_COOKIE)!;
    const record = await services.portalSessions.get(cookie);
    const client = c.get("client");
    return c.json({ client: { client_id: client.clientId, name: client.name }, csrf_token: record!.csrfToken, mail_transport: deps.mailer?.transport ?? null });
  });

  app.post("/portal/api/sign-out", session, async (c) => {
    await services.portalSessions.delete(getCookie(c, PORTAL_COOKIE)!);
    deleteCookie(c, PORTAL_COOKIE, { path: "/portal", httpOnly: true, sameSite: "Strict", secure: isHttps(deps, c) });
    return c.body(null, 204);
  });

  // Rotation ends every Portal session of the client, this one included: the answer shows the new secret once.
  app.post("/portal/api/client-secret/rotate", session, async (c) => {
    const input = parseOrFail(rotateBody, await readJsonObject(c));
    const revokeTokens = input.revoke_tokens === true;
    const creds = await services.clients.rotateSecret(c.get("client").clientId, { revokeTokens });
    if (!creds) throw new ApiFailure(404, "CLIENT_NOT_FOUND", "No client has this id.");
    deleteCookie(c, PORTAL_COOKIE, { path: "/portal", httpOnly: true, sameSite: "Strict", secure: isHttps(deps, c) });
    return c.json({ ...creds, revoked_tokens: revokeTokens });
  });

  // The overview's figures for the signed-in client (see src/protocol/portal-overview.ts for what each one counts).
  app.get("/portal/api/overview", session, async (c) => {
    const { days } = parseOrFail(overviewQuery, c.req.query());
    return c.json(await portalOverview(store.overview, c.get("client").clientId, days, clock.now()));
  });

  app.route("/", clientApiRoutes(deps, "/portal/api", session));
  return app;
}
