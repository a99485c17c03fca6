import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "./deps.ts";
import { authenticateClient } from "./clients/credentials.ts";
import { ApiFailure } from "./errors.ts";
import type { ClientRecord } from "./store/types.ts";

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{16,200}$/;

function unauthorized(errorCode: string, message: string): ApiFailure {
  return new ApiFailure(401, errorCode, message, { "WWW-Authenticate": 'Basic realm="human-connect", Bearer realm="human-connect"' });
}

function decodeBasic(value: string): { id: string; secret: string } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length > 1024) return null;
  const text = Buffer.from(value, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  return { id: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/**
 * Authorises a server-to-server request by a client token (`type: "client"` from the token endpoint) as
 * `Authorization: Bearer <token>`, or by the client's credentials as `Authorization: Basic base64(id:secret)`.
 */
export function requireClientAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization")?.trim() ?? "";
    let client: ClientRecord | undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (bearer) {
      const token = bearer[1]!;
      const record = TOKEN_SHAPE.test(token) ? await deps.services.tokens.find(token) : undefined;
      if (!record || record.kind !== "client" || record.expiresAt <= deps.clock.now()) {
        throw unauthorized("CLIENT_TOKEN_INVALID", "The client token is unknown or expired; request a new one with type \"client\".");
      }
      client = await deps.services.clients.get(record.clientId);
    } else if (basic) {
      const creds = decodeBasic(basic[1]!);
      if (!creds) throw unauthorized("INVALID_CLIENT_ID_OR_SECRET", "Invalid client_id or client_secret.");
      try {
        client = await authenticateClient(deps, c, creds.id, creds.secret, "token");
      } catch (err) {
        // Basic auth answers its own challenge header with the same code and message.
        if (err instanceof ApiFailure && err.status === 401) throw unauthorized(err.errorCode, err.message);
        throw err;
      }
    } else {
      throw unauthorized(
        "CLIENT_AUTH_REQUIRED",
        "Authorise with `Authorization: Bearer <client_token>` or `Authorization: Basic base64(client_id:client_secret)`.",
      );
    }
    if (!client) throw unauthorized("CLIENT_TOKEN_INVALID", "The client token is not valid.");
    if (client.disabled) throw new ApiFailure(403, "NOT_AUTHORIZED", "Not authorized to perform this action: the client is disabled.");
    c.set("client", client);
    c.header("Cache-Control", "no-store");
    await next();
  };
}
