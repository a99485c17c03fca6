// Probes and metrics for the people who run the service: `/healthz` (the process runs), `/readyz` (send traffic
// here) and, when a metrics token is set, `/metrics` in the Prometheus text format.
import { Hono } from "hono";
import type { AppEnv } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { constantTimeEqual } from "../security/crypto.ts";
import type { ServiceMetrics } from "./metrics.ts";
import type { Readiness } from "./readiness.ts";

/** What the operations routes need. */
export interface OperationsDeps {
  readiness: Readiness;
  metrics: ServiceMetrics;
  /** Bearer token that `/metrics` requires; without one the route does not exist. */
  metricsToken?: string | undefined;
}

function metricsAuthFailure(): ApiFailure {
  return new ApiFailure(401, "METRICS_TOKEN_INVALID", "Send the metrics token as `Authorization: Bearer <token>`.", {
    "WWW-Authenticate": 'Bearer realm="human-connect-metrics"',
  });
}

/** The bearer token of an Authorization header, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/** `/healthz`, `/readyz` and (with a token) `/metrics`. */
export function operationsRoutes(deps: OperationsDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    c.header("Cache-Control", "no-store");
    const state = await deps.readiness.check();
    if (state.ready) return c.json({ status: "ready" });
    return c.json({ status: "not_ready", reason: state.reason }, 503);
  });

  const token = deps.metricsToken;
  if (token) {
    app.get("/metrics", async (c) => {
      const given = bearerToken(c.req.header("authorization"));
      if (given === undefined || !constantTimeEqual(given, token)) throw metricsAuthFailure();
      const { contentType, body } = await deps.metrics.scrape();
      c.header("Cache-Control", "no-store");
      return c.body(body, 200, { "Content-Type": contentType });
    });
  }

  return app;
}
