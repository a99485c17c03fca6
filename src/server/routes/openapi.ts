import { Hono } from "hono";
import type { AppEnv } from "../deps.ts";
import { openApiJson } from "../openapi/document.ts";

/** `GET /openapi.json`: the OpenAPI 3.1 document of the service's APIs. */
export function openApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/openapi.json", (c) => {
    c.header("Cache-Control", "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    // Code generators and API explorers on other origins may read it: it holds nothing secret.
    c.header("Access-Control-Allow-Origin", "*");
    return c.body(openApiJson(), 200, { "Content-Type": "application/json; charset=utf-8" });
  });
  return app;
}
