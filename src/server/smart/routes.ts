// The company's backend reads a SMART connection's records: a read-only FHIR GET forwarded to the EHR.
import { Hono, type Context } from "hono";
import { requireClientAuth } from "../client-auth.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { requireClientUser, requireSource } from "../routes/lookups.ts";
import { clientUserId as clientUserIdField } from "../schemas/fields.ts";
import { parseOrFail } from "../validation.ts";
import { SmartError } from "./errors.ts";
import { fhirPathOf, fhirQueryOf } from "./fhir-path.ts";

/** The route's path; `{path}` is a FHIR path relative to the source's FHIR base. */
export const FHIR_READ_ROUTE = "/v1/users/:client_user_id/connections/:source_id/fhir/:path{.+}";

const clientUserIdParam = clientUserIdField();

/** The FHIR read-through under client auth. */
export function smartRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(FHIR_READ_ROUTE, requireClientAuth(deps), async (c) => {
    const client = c.get("client");
    const clientUserId = parseOrFail(clientUserIdParam, c.req.param("client_user_id"));
    const sourceId = c.req.param("source_id") ?? "";
    const { path, query } = requestedFhir(c);
    const human = await requireClientUser(deps, client.clientId, clientUserId);
    const source = await requireSource(deps, sourceId);
    if (source.auth !== "smart") throw new ApiFailure(400, "FHIR_NOT_SUPPORTED", `${source.name} is not a SMART on FHIR source.`);
    if (!(await deps.store.connections.get(human.humanId, source.id))) throw new ApiFailure(404, "NOT_CONNECTED", `${source.name} is not connected.`);
    try {
      const answer = await deps.services.smart.read(human.humanId, source, path, query);
      c.header("Cache-Control", "no-store");
      // 204 and 304 carry no body, whatever bytes came with them.
      if (answer.status === 204 || answer.status === 304) return c.body(null, answer.status);
      return c.body(answer.body, answer.status as 200, { "Content-Type": "application/fhir+json; charset=utf-8" });
    } catch (err) {
      if (!(err instanceof SmartError)) throw err;
      if (err.code === "CONNECTION_NEEDS_REAUTH") throw new ApiFailure(409, "CONNECTION_NEEDS_REAUTH", err.message);
      (c.get("logger") ?? deps.logger)?.warn({ sourceId: source.id, errorCode: err.code, reason: err.message }, "FHIR read failed");
      throw new ApiFailure(502, "EHR_UNAVAILABLE", `${source.name} could not be read: ${err.message}`);
    }
  });

  return app;
}

/** The FHIR path and query of the request, from its raw URL; 400 FHIR_PATH_INVALID when they are not allowed. */
function requestedFhir(c: Context): { path: string; query: string } {
  const url = new URL(c.req.url);
  // /v1/users/{user}/connections/{source}/fhir/...: the user id's own slashes arrive encoded, so segment 7 on is FHIR.
  const segments = url.pathname.split("/").slice(7);
  const path = fhirPathOf(segments);
  const query = fhirQueryOf(url.search.replace(/^\?/, ""));
  if (path === null || query === null) {
    throw new ApiFailure(400, "FHIR_PATH_INVALID", "The FHIR path must be a relative FHIR path such as Patient/{id} or Observation?patient={id}, with a query of at most 4096 characters.");
  }
  return { path, query };
}
