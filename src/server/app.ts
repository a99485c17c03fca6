import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppDeps, AppEnv } from "./deps.ts";
import { ApiFailure, errorResponse } from "./errors.ts";
import { requireClientAuth } from "./client-auth.ts";
import { clientApiRoutes } from "./routes/client-api.ts";
import { connectApiRoutes } from "./routes/connect-api.ts";
import { inviteRoutes } from "./routes/invite.ts";
import { portalRoutes } from "./routes/portal.ts";
import { oauthRoutes } from "./routes/oauth.ts";
import { staticRoutes } from "./routes/static.ts";
import { tokenRoutes } from "./routes/token.ts";

export type { AppDeps, AppEnv } from "./deps.ts";

/** Builds the Connect service's HTTP app (no listening; see `startServer`). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  if (deps.logger) {
    const logger = deps.logger;
    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      // Only method, path and status: query strings can hold OAuth codes and states.
      logger.info(
        { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
        "request",
      );
    });
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.route("/", tokenRoutes(deps));
  app.route("/", connectApiRoutes(deps));
  app.route("/", oauthRoutes(deps));
  app.route("/", clientApiRoutes(deps, "/v1", requireClientAuth(deps)));
  app.route("/", inviteRoutes(deps));
  app.route("/", portalRoutes(deps));
  app.route("/", staticRoutes(deps));

  app.notFound((c) => errorResponse(c, new ApiFailure(404, "NOT_FOUND", "Nothing here.")));

  app.onError((err, c) => {
    if (err instanceof ApiFailure) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      return errorResponse(c, new ApiFailure(err.status as 400, "INVALID_REQUEST", err.message || "Bad request."));
    }
    deps.logger?.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return errorResponse(c, new ApiFailure(500, "INTERNAL_ERROR", "Something went wrong on our side."));
  });

  return app;
}
