/**
 * Which network addresses a webhook may be sent to. By default only public unicast addresses: a client's endpoint
 * URL must not make the service POST to itself, its private network or a cloud metadata service (SSRF).
 */
import { isIP } from "node:net";
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

// The ranges come from a maintained list, not a hand-kept one: ipaddr.js keeps the IANA special-purpose address
// registries for IPv4 and IPv6, and any address it does not call "unicast" (globally routable) is refused. These are
// its names for the ranges a client would recognise; every other special-purpose range (benchmarking 198.18/15,
// documentation, 192.0.0/24, 192.88.99/24, 240/4, broadcast, Teredo, discard-only 100::/64, NAT64 local use
// 64:ff9b:1::/48, ORCHID, AS112, ...) is reported as "reserved".
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

// What ipaddr.js 2.5.0 lacks, derived from the IANA IPv6 Address Space registry: only 2000::/3 is allocated for global
// unicast, the rest is reserved by the IETF and never routed. The library calls such addresses "unicast", among them
// the dummy prefix 100:0:0:1::/64 of the special-purpose registry, which its list does not hold, and the deprecated
// IPv4-compatible ::/96 (RFC 4291). The forms that reach a public IPv4 address are judged by it before this rule.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

const NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/**
 * The IPv4 address an IPv6 address carries, with whether the IPv6 address reaches it: IPv4-mapped (::ffff:0:0/96)
 * is that address, NAT64 (64:ff9b::/96) and 6to4 (2002::/16, bits 16-47) are translated or tunnelled to it;
 * IPv4-compatible (::/96 but :: and ::1) carries one but is deprecated and routed nowhere.
 */
function carriedIpv4(address: ipaddr.IPv6): { ipv4: ipaddr.IPv4; reachesIt: boolean } | null {
  const bytes = address.toByteArray();
  const range = address.range();
  if (range === "ipv4Mapped") return { ipv4: address.toIPv4Address(), reachesIt: true };
  if (address.match(NAT64)) return { ipv4: ipaddr.fromByteArray(bytes.slice(12)) as ipaddr.IPv4, reachesIt: true };
  if (range === "6to4") return { ipv4: ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4, reachesIt: true };
  if (address.match(IPV4_COMPATIBLE) && range !== "unspecified" && range !== "loopback") {
    return { ipv4: ipaddr.fromByteArray(bytes.slice(12)) as ipaddr.IPv4, reachesIt: false };
  }
  return null;
}

function rangeName(range: string): ForbiddenRange | null {
  return range === "unicast" ? null : (NAMED[range] ?? "reserved");
}

/**
 * The forbidden range an IP address is in, or null for a globally routable one. IPv6 addresses that carry an IPv4
 * address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96 and 6to4 2002::/16) are refused with the range of a
 * non-public IPv4 address they carry; with a public one, only the mapped, NAT64 and 6to4 forms are allowed. Anything
 * that is not a plain IPv4 or IPv6 address is "reserved".
 */
export function forbiddenRangeOf(input: string): ForbiddenRange | null {
  const text = input.replace(/%.*$/, "");
  const family = isIP(text);
  if (family === 4) return rangeName(ipaddr.IPv4.parse(text).range());
  if (family !== 6) return "reserved";
  let v6: ipaddr.IPv6;
  try {
    // The URL parser's canonical form is all hex: ipaddr.js would read "::a.b.c.d" as ::ffff:a.b.c.d, another address.
    v6 = ipaddr.IPv6.parse(new URL(`http://[${text}]/`).hostname.slice(1, -1));
  } catch {
    return "reserved";
  }
  const carried = carriedIpv4(v6);
  if (carried) {
    const range = rangeName(carried.ipv4.range());
    if (range !== null || carried.reachesIt) return range;
  }
  return rangeName(v6.range()) ?? (v6.match(GLOBAL_UNICAST_V6) ? null : "reserved");
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
