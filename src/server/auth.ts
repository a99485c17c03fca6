import type { MiddlewareHandler } from "hono";
import { PARENT_ORIGIN_HEADER } from "../protocol/connect-api.ts";
import type { AppDeps, AppEnv, ConnectAuth } from "./deps.ts";
import { ApiFailure } from "./errors.ts";
import { serviceOrigin } from "./origin.ts";
import { hashToken } from "./security/crypto.ts";

/**
 * The id of the Connect session a token opens, as webhooks name it, from the token's stored hash: stable for
 * the token's life, and one-way so that it reveals nothing about the token.
 */
export function sessionIdOf(tokenHash: string): string {
  return "ses_" + hashToken("session-id:" + tokenHash).slice(0, 32);
}

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{16,200}$/;

function tokenFailure(errorCode: string, message: string): ApiFailure {
  return new ApiFailure(401, errorCode, message, { "WWW-Authenticate": 'Bearer realm="human-connect"' });
}

/**
 * Checks a Connect session or id token and the embedding page's origin (`parentOrigin`, from the
 * `Human-Connect-Parent-Origin` header) against the client's allowed origins plus `ownOrigin`, the service's own public
 * origin (the hosted invite page embeds Connect from there). Without a parent origin the caller is a page of this
 * service itself, which is allowed. Fails with the same errors whichever way the app reaches the service.
 */
export async function authenticateConnectToken(
  deps: AppDeps,
  token: string,
  parentOrigin: string | undefined,
  ownOrigin: () => string,
): Promise<ConnectAuth> {
  if (!TOKEN_SHAPE.test(token)) throw tokenFailure("SESSION_TOKEN_INVALID", "The session token is malformed.");
  // Hashed once: the lookup and the session id both start from the stored form.
  const tokenHash = hashToken(token);
  const record = await deps.store.tokens.find(tokenHash);
  if (!record || (record.kind !== "session" && record.kind !== "id") || record.humanId === null) {
    throw tokenFailure("SESSION_TOKEN_INVALID", "The session token is not valid.");
  }
  if (record.expiresAt <= deps.clock.now()) {
    throw tokenFailure("SESSION_TOKEN_EXPIRED", "The session token has expired; ask your server for a new one.");
  }
  const [human, client] = await Promise.all([deps.store.humans.get(record.humanId), deps.services.clients.get(record.clientId)]);
  if (!human || !client) throw tokenFailure("SESSION_TOKEN_INVALID", "The session token is not valid.");
  if (client.disabled) throw new ApiFailure(403, "NOT_AUTHORIZED", "Not authorized to perform this action.");
  if (parentOrigin !== undefined && !client.allowedOrigins.includes(parentOrigin) && parentOrigin !== ownOrigin()) {
    throw new ApiFailure(403, "ORIGIN_NOT_ALLOWED", "This page's origin is not among the client's allowed origins.");
  }
  return {
    human,
    client,
    tokenKind: record.kind,
    expiresAt: record.expiresAt,
    sessionId: sessionIdOf(tokenHash),
    issuedVia: record.issuedVia,
  };
}

/** Authorises a Connect API request by its bearer token (`authenticateConnectToken`). */
export function requireConnectToken(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined || header.trim() === "") {
      throw tokenFailure("MISSING_SESSION_TOKEN", "Send the session token as `Authorization: Bearer <token>`.");
    }
    const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
    const token = match?.[1]?.trim() ?? "";
    if (match && token === "") {
      throw tokenFailure("MISSING_SESSION_TOKEN", "Send the session token as `Authorization: Bearer <token>`.");
    }
    if (!match) throw tokenFailure("SESSION_TOKEN_INVALID", "The session token is malformed.");
    c.set("auth", await authenticateConnectToken(deps, token, c.req.header(PARENT_ORIGIN_HEADER), () => serviceOrigin(deps, c)));
    c.header("Cache-Control", "no-store");
    await next();
  };
}
