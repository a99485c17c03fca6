// Requests and answers of the token endpoint, `POST /v1/connect/token`.
import * as v from "valibot";
import { clientUserId, email, text } from "./fields.ts";

/** The token types the endpoint issues. */
export const TOKEN_TYPES = ["session", "id", "client", "refresh"] as const;

const credentials = {
  client_id: text("client_id", 1, 128),
  client_secret: text("client_secret", 1, 512),
};

/**
 * The fields each token type takes, without `type`: the endpoint checks `type` first (400 INVALID_TOKEN_TYPE), then
 * the fields of that type (400 INVALID_REQUEST).
 */
export const tokenRequestSchemas = {
  session: v.object({
    ...credentials,
    client_user_id: clientUserId(),
    client_user_email: email("client_user_email"),
  }),
  id: v.object({
    ...credentials,
    client_user_id: clientUserId(),
    client_user_email: v.optional(email("client_user_email")),
  }),
  client: v.object(credentials),
  refresh: v.object({ ...credentials, id_refresh_token: text("id_refresh_token", 1, 512) }),
};

/** A whole token request, `type` included, as the document shows it (JSON or form-encoded). */
export const tokenRequest = v.variant("type", [
  v.object({ type: v.literal("session"), ...tokenRequestSchemas.session.entries }),
  v.object({ type: v.literal("id"), ...tokenRequestSchemas.id.entries }),
  v.object({ type: v.literal("client"), ...tokenRequestSchemas.client.entries }),
  v.object({ type: v.literal("refresh"), ...tokenRequestSchemas.refresh.entries }),
]);

/** `type: "session"`: a session token for Connect. */
export const sessionTokenAnswer = v.strictObject({
  session_token: v.string(),
  human_id: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  expires_in: v.pipe(v.number(), v.integer()),
});

/** `type: "id"` and `type: "refresh"`: an id token and its single-use refresh token. */
export const idTokenAnswer = v.strictObject({
  token_type: v.literal("Bearer"),
  id_token: v.string(),
  id_refresh_token: v.string(),
  id_token_expires_in: v.pipe(v.number(), v.integer()),
});

/** `type: "client"`: a client token for the server-to-server API. */
export const clientTokenAnswer = v.strictObject({
  token_type: v.literal("Bearer"),
  client_token: v.string(),
  expires_in: v.pipe(v.number(), v.integer()),
});

/** Every answer of the token endpoint. */
export const tokenAnswer = v.union([sessionTokenAnswer, idTokenAnswer, clientTokenAnswer]);
