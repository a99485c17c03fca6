// The one check of a client's credentials, for every entry that takes them: the token endpoint, Basic auth on the
// server-to-server API, and the Portal's sign-in. The client id is public (it is in the iframe URL and invite links),
// so nothing an outsider can send without the secret may spend what the client's own backend relies on: wrong
// secrets are budgeted per address and, separately, per client id, and only proven requests spend the client's budget.
import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { clientIp } from "../proxy.ts";
import { DEFAULT_RATE_LIMITS, enforceRateLimits, refuseIfSpent } from "../rate-limit.ts";
import type { ClientRecord } from "../store/types.ts";

/** Longest client id looked up. */
const MAX_CLIENT_ID_LENGTH = 128;

/** Which budget a proven request spends: the token endpoint's (per IP and per client), or none. */
export type CredentialSpend = "token" | "none";

/**
 * Returns the client when `secret` is its current secret and it is enabled. Otherwise throws 401 INVALID_CLIENT_ID
 * (no such client) or INVALID_CLIENT_ID_OR_SECRET, 403 NOT_AUTHORIZED (disabled), or 429 RATE_LIMITED.
 */
export async function authenticateClient(
  deps: AppDeps,
  c: Context,
  clientId: string,
  secret: string,
  spend: CredentialSpend,
): Promise<ClientRecord> {
  const { store, services, clock } = deps;
  const limits = deps.rateLimits;
  const ip = clientIp(c, deps.trustProxyHops ?? 0);
  const failuresByIp = { key: `credentials:failed:ip:${ip}`, limit: limits ? (limits.credentialFailuresPerIp ?? DEFAULT_RATE_LIMITS.credentialFailuresPerIp!) : 0 };
  if (limits) await refuseIfSpent(store, clock.now(), failuresByIp, limits.windowMs);

  const client = clientId.length <= MAX_CLIENT_ID_LENGTH ? await services.clients.get(clientId) : undefined;
  if (!client || !(await services.clients.verifySecret(client.clientId, secret))) {
    if (limits) {
      const failuresByClient = {
        key: `credentials:failed:client:${clientId.slice(0, MAX_CLIENT_ID_LENGTH)}`,
        limit: limits.credentialFailuresPerClient ?? DEFAULT_RATE_LIMITS.credentialFailuresPerClient!,
      };
      await enforceRateLimits(store, clock.now(), [failuresByIp, failuresByClient], limits.windowMs);
    }
    throw client
      ? new ApiFailure(401, "INVALID_CLIENT_ID_OR_SECRET", "Invalid client_id or client_secret.")
      : new ApiFailure(401, "INVALID_CLIENT_ID", "Invalid client_id.");
  }
  if (client.disabled) {
    throw new ApiFailure(403, "NOT_AUTHORIZED", "Not authorized to perform this action: the client is disabled.");
  }
  if (limits && spend === "token") {
    await enforceRateLimits(
      store,
      clock.now(),
      [
        { key: `token:ip:${ip}`, limit: limits.tokenPerIp },
        { key: `token:client:${client.clientId}`, limit: limits.tokenPerClient },
      ],
      limits.windowMs,
    );
  }
  return client;
}
