/**
 * Which network addresses a webhook may be sent to. By default only public unicast addresses: a client's endpoint
 * URL must not make the service POST to itself, its private network or a cloud metadata service (SSRF).
 */
import ipaddr from "ipaddr.js";

/** Names of the address ranges a webhook is never sent to unless private addresses are allowed. */
export type ForbiddenRange =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared (CGNAT)"
  | "multicast"
  | "reserved";

// The ranges come from ipaddr.js, which keeps the IANA special-purpose address registries for IPv4 and IPv6: any
// address it does not call "unicast" (globally routable) is refused. These are its names for the ranges a client
// would recognise; every other special-purpose range (documentation, benchmarking, 240/4, Teredo, discard-only,
// ORCHID, AS112, ...) is reported as "reserved".
const NAMED: Record<string, ForbiddenRange> = {
  unspecified: "unspecified",
  loopback: "loopback",
  private: "private",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  linkLocal: "link-local",
  carrierGradeNat: "shared (CGNAT)",
  multicast: "multicast",
};

// Ranges of the registries that the library's list does not hold yet.
const MISSING: readonly [ipaddr.IPv6, number][] = [
  ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"), // NAT64 local use (RFC 8215)
];

const NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/** The IPv4 address an IPv6 address carries, for the forms that route to it: mapped, compatible, NAT64 and 6to4. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (address.match(NAT64) || (address.match(IPV4_COMPATIBLE) && address.range() !== "unspecified" && address.range() !== "loopback")) {
    return ipaddr.fromByteArray(bytes.slice(12)) as ipaddr.IPv4;
  }
  if (address.range() === "6to4") return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4;
  return null;
}

function rangeOfIpv4(address: ipaddr.IPv4): ForbiddenRange | null {
  const range = address.range();
  return range === "unicast" ? null : (NAMED[range] ?? "reserved");
}

/**
 * The forbidden range an IP address is in, or null for a globally routable one. IPv6 addresses that carry an IPv4
 * address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96 and 6to4 2002::/16) are judged by that IPv4 address.
 */
export function forbiddenRangeOf(input: string): ForbiddenRange | null {
  const text = input.replace(/%.*$/, "");
  if (!ipaddr.isValid(text) || (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text))) return "reserved";
  const address = ipaddr.parse(text);
  if (address.kind() === "ipv4") return rangeOfIpv4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  if (MISSING.some((cidr) => v6.match(cidr))) return "reserved";
  const carried = embeddedIpv4(v6);
  if (carried) return rangeOfIpv4(carried);
  const range = v6.range();
  return range === "unicast" ? null : (NAMED[range] ?? "reserved");
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
