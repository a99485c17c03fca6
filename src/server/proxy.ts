// What the service believes about a request that came through proxies it runs (HC_TRUST_PROXY=N: N proxies in front).
// Each proxy appends the address it saw to X-Forwarded-For, so only the last N entries were written by trusted hands;
// everything to their left is whatever the client sent.
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";

/** Hops of trusted proxies from a setting: `true`/"true" is 1, a count is itself, anything else 0 (trust none). */
export function trustedProxyHops(setting: boolean | number | string | undefined): number {
  if (setting === true || setting === "true") return 1;
  const n = typeof setting === "number" ? setting : typeof setting === "string" && /^\d{1,2}$/.test(setting) ? Number(setting) : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The entry a trusted proxy wrote in a comma-separated forwarding header: the `hops`-th from the right. */
export function forwardedEntry(header: string | undefined, hops: number): string | undefined {
  if (!header || hops < 1) return undefined;
  const entries = header.split(",").map((e) => e.trim());
  const entry = entries[entries.length - hops];
  return entry === undefined || entry === "" ? undefined : entry;
}

function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

/** The caller's address: the one the outermost trusted proxy saw, else the socket's peer. */
export function clientIp(c: Context, hops: number): string {
  const forwarded = forwardedEntry(c.req.header("x-forwarded-for"), hops);
  return (forwarded ?? socketAddress(c)).slice(0, 64);
}

/** The protocol the caller used: the trusted proxy's X-Forwarded-Proto, else the request's own. */
export function requestProtocol(c: Context, hops: number): "http:" | "https:" {
  return protocolOf(c.req.header("x-forwarded-proto"), new URL(c.req.url).protocol, hops);
}

/** `requestProtocol` from the raw values: the forwarding header and the protocol the connection itself used. */
export function protocolOf(forwardedProto: string | undefined, own: string, hops: number): "http:" | "https:" {
  const forwarded = forwardedEntry(forwardedProto, hops)?.toLowerCase();
  if (forwarded === "https" || forwarded === "http") return `${forwarded}:`;
  return own === "https:" ? "https:" : "http:";
}
