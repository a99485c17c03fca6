import { Hono, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { readJsonOrFormObject } from "../body.ts";
import { authenticateClient } from "../clients/credentials.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import type { ServiceMetrics } from "../operations/metrics.ts";
import type { Services } from "../services.ts";
import type { ClientRecord } from "../store/types.ts";
import { TOKEN_TYPES, tokenRequestSchemas as schemas } from "../schemas/token.ts";
import { parseOrFail } from "../validation.ts";

/** Lifetimes of the tokens the endpoint issues, in seconds. */
export const TOKEN_TTL_SECONDS = {
  session: 3600,
  id: 86_400,
  refresh: 30 * 86_400,
  client: 3600,
} as const;

/** Prefix of id refresh tokens, as in the vendor's example. */
export const ID_REFRESH_TOKEN_PREFIX = "idrt-";

type TokenType = (typeof TOKEN_TYPES)[number];

/** Issues a fresh id token and refresh token for a human. */
async function issueIdTokens(services: Services, clientId: string, humanId: string, metrics: ServiceMetrics | undefined) {
  const id = await services.tokens.issue({ kind: "id", clientId, humanId, ttlMs: TOKEN_TTL_SECONDS.id * 1000 });
  const refresh = await services.tokens.issue({
    kind: "refresh",
    clientId,
    humanId,
    ttlMs: TOKEN_TTL_SECONDS.refresh * 1000,
    prefix: ID_REFRESH_TOKEN_PREFIX,
  });
  metrics?.tokenIssued("id");
  metrics?.tokenIssued("refresh");
  return {
    token_type: "Bearer",
    id_token: id.token,
    id_refresh_token: refresh.token,
    id_token_expires_in: TOKEN_TTL_SECONDS.id,
  };
}

const unknownUser = () =>
  new ApiFailure(
    404,
    "UNKNOWN_CLIENT_USER_ID",
    "Unknown client_user_id: start a session for this user first; id tokens exist once the user connected a source.",
  );

/** Counts the endpoint's refusals by error code, whichever step refused. */
function countRefusals(metrics: ServiceMetrics | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.res.status < 400) return;
    const fallback = c.res.status >= 500 ? "INTERNAL_ERROR" : "INVALID_REQUEST";
    metrics?.tokenRefused(c.error instanceof ApiFailure ? c.error.errorCode : fallback);
  };
}

/**
 * `POST /v1/connect/token`: session, id, client and refresh tokens for the customer's backend.
 * Deliberately sends no CORS headers, so that no browser page can call it with a client secret.
 */
export function tokenRoutes(deps: AppDeps): Hono<AppEnv> {
  const { store, services, clock } = deps;
  const app = new Hono<AppEnv>();

  app.post("/v1/connect/token", countRefusals(deps.metrics), async (c) => {
    const body = await readJsonOrFormObject(c);
    const type = body.type;
    if (typeof type !== "string" || !(TOKEN_TYPES as readonly string[]).includes(type)) {
      throw new ApiFailure(
        400,
        "INVALID_TOKEN_TYPE",
        'The "type" parameter must be "session", "id", "client" or "refresh".',
      );
    }
    const tokenType = type as TokenType;
    const input = parseOrFail(schemas[tokenType], body);

    const client = await authenticateClient(deps, c, input.client_id, input.client_secret, "token");
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");

    switch (tokenType) {
      case "session": {
        const { client_user_id, client_user_email } = input as v.InferOutput<typeof schemas.session>;
        const started = await services.users.startSession(client.clientId, client_user_id, client_user_email, TOKEN_TTL_SECONDS.session * 1000);
        // Seed 001: once a user has connected a source, the session window is over for good; id tokens take over.
        if (!started) {
          throw new ApiFailure(
            403,
            "SESSION_TOKEN_GENERATION_NOT_ALLOWED",
            'Session token time window expired: the user already connected a source; request type "id".',
          );
        }
        const { human, token } = started;
        deps.metrics?.tokenIssued("session");
        return c.json({ session_token: token, human_id: human.humanId, expires_in: TOKEN_TTL_SECONDS.session });
      }
      case "id": {
        requireIdTokens(client);
        const { client_user_id } = input as v.InferOutput<typeof schemas.id>;
        const human = await store.humans.find(client.clientId, client_user_id);
        if (!human || human.connectedAt === null) throw unknownUser();
        return c.json(await issueIdTokens(services, client.clientId, human.humanId, deps.metrics));
      }
      case "refresh": {
        requireIdTokens(client);
        const { id_refresh_token } = input as v.InferOutput<typeof schemas.refresh>;
        const record = await services.tokens.find(id_refresh_token);
        const invalid = new ApiFailure(
          400,
          "INVALID_REFRESH_TOKEN",
          "The id_refresh_token is unknown, expired or already used.",
        );
        if (!record || record.kind !== "refresh" || record.clientId !== client.clientId || !record.humanId) {
          throw invalid;
        }
        if (record.usedAt !== null || record.expiresAt <= clock.now()) throw invalid;
        if (!(await services.tokens.consume(id_refresh_token))) throw invalid;
        return c.json(await issueIdTokens(services, client.clientId, record.humanId, deps.metrics));
      }
      case "client": {
        if (!client.permissions.clientTokens) {
          throw new ApiFailure(
            403,
            "CLIENT_TOKEN_GENERATION_NOT_ALLOWED",
            "This client_id is not allowed to generate client tokens.",
          );
        }
        const { token } = await services.tokens.issue({
          kind: "client",
          clientId: client.clientId,
          humanId: null,
          ttlMs: TOKEN_TTL_SECONDS.client * 1000,
        });
        deps.metrics?.tokenIssued("client");
        return c.json({ token_type: "Bearer", client_token: token, expires_in: TOKEN_TTL_SECONDS.client });
      }
    }
  });

  return app;
}

function requireIdTokens(client: ClientRecord): void {
  if (!client.permissions.idTokens) {
    throw new ApiFailure(403, "ID_TOKEN_GENERATION_NOT_ALLOWED", "This client's users are not allowed to generate id tokens.");
  }
}
