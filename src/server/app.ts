import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppDeps, AppEnv } from "./deps.ts";
import { ApiFailure, errorResponse } from "./errors.ts";
import { requireClientAuth } from "./client-auth.ts";
import { clientApiRoutes } from "./routes/client-api.ts";
import { sandboxRoutes } from "./sandbox/routes.ts";
import { connectApiRoutes } from "./routes/connect-api.ts";
import { inviteRoutes } from "./routes/invite.ts";
import { portalRoutes } from "./routes/portal.ts";
import { oauthRoutes } from "./routes/oauth.ts";
import { smartRoutes } from "./smart/routes.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { staticRoutes } from "./routes/static.ts";
import { tokenRoutes } from "./routes/token.ts";
import { createServiceMetrics } from "./operations/metrics.ts";
import { closeConnectionsWhenDraining, Readiness } from "./operations/readiness.ts";
import { requestIdentity, withRequestId } from "./operations/request-id.ts";
import { observeRequests } from "./operations/request-log.ts";
import { operationsRoutes } from "./operations/routes.ts";

export type { AppDeps, AppEnv } from "./deps.ts";

/** Builds the Connect service's HTTP app (no listening; see `startServer`). */
export function createApp(given: AppDeps): Hono<AppEnv> {
  const metrics = given.metrics ?? createServiceMetrics({ outboxBacklog: () => given.store.webhooks.pendingCount() });
  const readiness = given.readiness ?? new Readiness(given.store, () => given.catalog.index !== undefined);
  const deps: AppDeps = { ...given, metrics, readiness };
  const app = new Hono<AppEnv>();

  app.use(requestIdentity(deps.trustProxyHops ?? 0, deps.logger));
  app.use(observeRequests(metrics));
  app.use(closeConnectionsWhenDraining(readiness));

  app.route("/", operationsRoutes({ readiness, metrics, metricsToken: deps.metricsToken }));

  app.route("/", openApiRoutes());
  app.route("/", tokenRoutes(deps));
  app.route("/", connectApiRoutes(deps));
  app.route("/", oauthRoutes(deps));
  app.route("/", clientApiRoutes(deps, "/v1", requireClientAuth(deps)));
  app.route("/", smartRoutes(deps));
  if (deps.sandbox !== false) app.route("/", sandboxRoutes(deps, requireClientAuth(deps)));
  app.route("/", inviteRoutes(deps));
  app.route("/", portalRoutes(deps));
  app.route("/", staticRoutes(deps));

  app.notFound((c) => errorResponse(c, new ApiFailure(404, "NOT_FOUND", "Nothing here.")));

  app.onError((err, c) => {
    // A 5xx message names the request, so that the caller's report leads to its log lines.
    const requestId = c.get("requestId") as string | undefined;
    const named = (message: string) => (requestId ? withRequestId(message, requestId) : message);
    if (err instanceof ApiFailure) {
      return errorResponse(c, err.status < 500 ? err : new ApiFailure(err.status, err.errorCode, named(err.message), err.headers));
    }
    if (err instanceof HTTPException && err.status < 500) {
      return errorResponse(c, new ApiFailure(err.status as 400, "INVALID_REQUEST", err.message || "Bad request."));
    }
    (c.get("logger") ?? deps.logger)?.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return errorResponse(c, new ApiFailure(500, "INTERNAL_ERROR", named("Something went wrong on our side.")));
  });

  return app;
}
