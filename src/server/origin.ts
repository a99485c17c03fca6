import type { Context } from "hono";
import type { AppDeps } from "./deps.ts";

/** The origin the service is reached at: the configured public URL's, else the request's own. */
export function serviceOrigin(deps: AppDeps, c: Context): string {
  return deps.publicUrl ? new URL(deps.publicUrl).origin : new URL(c.req.url).origin;
}
