/**
 * Which network addresses a webhook may be sent to. By default only public unicast addresses: a client's endpoint
 * URL must not make the service POST to itself, its private network or a cloud metadata service (SSRF).
 */
import { BlockList, isIP } from "node:net";

/** Names of the address ranges a webhook is never sent to unless private addresses are allowed. */
export type ForbiddenRange =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared (CGNAT)"
  | "multicast"
  | "reserved";

const SUBNETS: readonly [ForbiddenRange, string, number, "ipv4" | "ipv6"][] = [
  ["unspecified", "0.0.0.0", 8, "ipv4"],
  ["private", "10.0.0.0", 8, "ipv4"],
  ["shared (CGNAT)", "100.64.0.0", 10, "ipv4"],
  ["loopback", "127.0.0.0", 8, "ipv4"],
  ["link-local", "169.254.0.0", 16, "ipv4"],
  ["private", "172.16.0.0", 12, "ipv4"],
  ["private", "192.168.0.0", 16, "ipv4"],
  ["multicast", "224.0.0.0", 4, "ipv4"],
  // Includes the broadcast address 255.255.255.255.
  ["reserved", "240.0.0.0", 4, "ipv4"],
  ["unspecified", "::", 128, "ipv6"],
  ["loopback", "::1", 128, "ipv6"],
  ["private", "fc00::", 7, "ipv6"],
  ["link-local", "fe80::", 10, "ipv6"],
  // Deprecated site-local addresses are private in practice.
  ["private", "fec0::", 10, "ipv6"],
  ["multicast", "ff00::", 8, "ipv6"],
];

// One list per range name, so a refusal can say which range it was. BlockList also judges IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) by the IPv4 address they carry.
const RANGES = new Map<ForbiddenRange, BlockList>();
for (const [range, network, prefix, family] of SUBNETS) {
  const list = RANGES.get(range) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  RANGES.set(range, list);
}

// IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses carry an IPv4 address in their last 32 bits.
const EMBEDDING = new BlockList();
EMBEDDING.addSubnet("::", 96, "ipv6");
EMBEDDING.addSubnet("64:ff9b::", 96, "ipv6");

/** The IPv4 address in the last 32 bits of an IPv6 address, read from its canonical form (as `URL` writes it). */
function lastIpv4(address: string): string {
  const groups = new URL(`http://[${address}]`).hostname.slice(1, -1).split(":");
  const [hi, lo] = groups.slice(-2).map((g) => parseInt(g || "0", 16));
  return [(hi ?? 0) >> 8, (hi ?? 0) & 0xff, (lo ?? 0) >> 8, (lo ?? 0) & 0xff].join(".");
}

/**
 * The forbidden range an IP address is in, or null for a public address. IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) IPv6 addresses are judged by the IPv4 address they carry.
 */
export function forbiddenRangeOf(input: string): ForbiddenRange | null {
  const address = input.replace(/%.*$/, "");
  const family = isIP(address);
  if (family === 0) return "reserved";
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const [range, list] of RANGES) if (list.check(address, type)) return range;
  if (type === "ipv6" && EMBEDDING.check(address, "ipv6")) return forbiddenRangeOf(lastIpv4(address));
  return null;
}

/** True for `localhost` and names under `.localhost` (RFC 6761), which always mean this machine. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** A URL's host without the brackets of an IPv6 literal. */
export function bareHostname(url: URL): string {
  return url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
}

/** What to tell the client when an address is refused. */
export const ALLOW_PRIVATE_HINT = "set HC_WEBHOOKS_ALLOW_PRIVATE=1 on the service to allow them for local development";
