import { Hono, type MiddlewareHandler } from "hono";
import { readJsonObject } from "../body.ts";
import { toConnectionView } from "../connect/views.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { requireClientUser } from "../routes/lookups.ts";
import { breakConnectionBody } from "../schemas/client-api.ts";
import { parseOrFail } from "../validation.ts";

/**
 * The sandbox's own server-to-server routes, for integrators to test against: `POST /v1/sandbox/connections/break`
 * makes a connection need re-authorisation, as a changed password or a revoked consent would, and queues the same
 * `connect.connection_status_changed` webhook.
 */
export function sandboxRoutes(deps: AppDeps, auth: MiddlewareHandler<AppEnv>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/v1/sandbox/connections/break", auth, async (c) => {
    const client = c.get("client");
    const input = parseOrFail(breakConnectionBody, await readJsonObject(c));
    const human = await requireClientUser(deps, client.clientId, input.client_user_id);
    const record = await deps.services.connect.setHealth(human.humanId, input.source_id, "needs_reauth", input.reason);
    if (!record) throw new ApiFailure(404, "NOT_CONNECTED", "This user has no connection to this source.");
    return c.json({ connection: toConnectionView(record) });
  });

  return app;
}
