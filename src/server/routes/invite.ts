import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { hostedConnectPage, inviteErrorPage } from "../invites/hosted-page.ts";
import { describeInviteError, verifyInviteToken } from "../invites/invite-token.ts";
import { SOURCE_ID_PATTERN } from "../schemas/fields.ts";
import { clientIp } from "../proxy.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { TOKEN_TTL_SECONDS } from "./token.ts";

/**
 * `GET /invite?token=<jwt>`: the hosted Connect page of an invite link (seed 000). A good link gets (or creates) the
 * user and opens Connect full-page with a fresh session token, or an id token when the user already has connections.
 * Fetching the page does not engage the user (mail scanners and link previews fetch it too): the token is marked as
 * issued by an invite link, and the user becomes Engaged when Connect loads its session with it. A refused link gets
 * a page that says only "expired" or "not valid" and changes nothing.
 */
export function inviteRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, services, clock } = deps;
  const app = new Hono<AppEnv>();

  app.get("/invite", async (c) => {
    // Link checkers send HEAD: answer without verifying, so that they mint no token.
    if (c.req.method === "HEAD") {
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      return c.body(null, 200, { "Content-Type": "text/html; charset=utf-8" });
    }
    if (deps.rateLimits) {
      const ip = clientIp(c, deps.trustProxyHops ?? 0);
      await enforceRateLimit(store, clock.now(), `invite:ip:${ip}`, deps.rateLimits.tokenPerIp, deps.rateLimits.windowMs);
    }
    const verification = await verifyInviteToken(c.req.query("token"), {
      now: clock.now(),
      async lookupSecret(clientId) {
        const client = await store.clients.get(clientId);
        // A disabled client's links read as invalid, like any unknown client's.
        if (!client || client.disabled) return null;
        return (await services.clients.secretOf(clientId)) ?? null;
      },
    });
    if (!verification.ok) {
      return inviteErrorPage(c, verification.code === "INVITE_EXPIRED" ? 410 : 400, describeInviteError(verification.code));
    }
    const { cid, cuid, email } = verification.claims;
    const client = await store.clients.get(cid);
    if (!client) return inviteErrorPage(c, 400, describeInviteError("INVITE_UNKNOWN_CLIENT"));

    const human = await services.users.upsert(cid, cuid, email);
    // As at the token endpoint: a user with connections comes back with an id token (when the client allows them).
    const returning = client.permissions.idTokens && human.connectedAt !== null;
    const { token } = await services.tokens.issue({
      kind: returning ? "id" : "session",
      clientId: cid,
      humanId: human.humanId,
      ttlMs: (returning ? TOKEN_TTL_SECONDS.id : TOKEN_TTL_SECONDS.session) * 1000,
      issuedVia: "invite_link",
    });
    // A repair link names a source; anything that is not a source id is ignored (it only chose the first screen).
    const sourceId = c.req.query("source_id") ?? "";
    return hostedConnectPage(c, {
      token,
      clientName: client.name,
      redirectUrl: client.redirectUrl,
      sourceId: SOURCE_ID_PATTERN.test(sourceId) ? sourceId : null,
    });
  });

  return app;
}
