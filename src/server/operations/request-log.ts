// One log line and one duration sample per answered request.
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../deps.ts";
import { UNMATCHED_ROUTE, type ServiceMetrics } from "./metrics.ts";

/**
 * The route pattern that answered, e.g. `/v1/connect/sources/:id`: the last matched route registered for a method.
 * App-wide middleware is registered for every method ("ALL") and matches any path, so it says nothing of the route.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== "ALL") return route.path;
  }
  return UNMATCHED_ROUTE;
}

/** Times every request into `metrics` and logs it with the request's logger (method, path, status, ms). */
export function observeRequests(metrics: ServiceMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const elapsedMs = performance.now() - started;
    metrics.observeRequest(routePattern(c), c.req.method, c.res.status, elapsedMs / 1000);
    // Only method, path and status: query strings can hold OAuth codes and states.
    c.get("logger")?.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(elapsedMs) }, "request");
  };
}
