import type { Context } from "hono";
import type { AppDeps } from "./deps.ts";
import { requestProtocol } from "./proxy.ts";

/** The origin the service is reached at: the configured public URL's, else the request's own (as a trusted proxy saw it). */
export function serviceOrigin(deps: AppDeps, c: Context): string {
  if (deps.publicUrl) return new URL(deps.publicUrl).origin;
  const url = new URL(c.req.url);
  url.protocol = requestProtocol(c, deps.trustProxyHops ?? 0);
  return url.origin;
}
