/**
 * Which network addresses a webhook may be sent to. By default only public unicast addresses: a client's endpoint
 * URL must not make the service POST to itself, its private network or a cloud metadata service (SSRF).
 */
import { isIP } from "node:net";

/** Names of the address ranges a webhook is never sent to unless private addresses are allowed. */
export type ForbiddenRange =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared (CGNAT)"
  | "multicast"
  | "reserved";

interface Cidr {
  bytes: number[];
  bits: number;
  range: ForbiddenRange;
}

function cidr4(address: string, bits: number, range: ForbiddenRange): Cidr {
  return { bytes: address.split(".").map(Number), bits, range };
}

function cidr6(address: string, bits: number, range: ForbiddenRange): Cidr {
  return { bytes: ipv6Bytes(address) ?? [], bits, range };
}

const IPV4_RANGES: readonly Cidr[] = [
  cidr4("0.0.0.0", 8, "unspecified"),
  cidr4("10.0.0.0", 8, "private"),
  cidr4("100.64.0.0", 10, "shared (CGNAT)"),
  cidr4("127.0.0.0", 8, "loopback"),
  cidr4("169.254.0.0", 16, "link-local"),
  cidr4("172.16.0.0", 12, "private"),
  cidr4("192.168.0.0", 16, "private"),
  cidr4("224.0.0.0", 4, "multicast"),
  // Includes the broadcast address 255.255.255.255.
  cidr4("240.0.0.0", 4, "reserved"),
];

const IPV6_RANGES: readonly Cidr[] = [
  cidr6("::", 128, "unspecified"),
  cidr6("::1", 128, "loopback"),
  cidr6("fc00::", 7, "private"),
  cidr6("fe80::", 10, "link-local"),
  // Deprecated site-local addresses are private in practice.
  cidr6("fec0::", 10, "private"),
  cidr6("ff00::", 8, "multicast"),
];

function inCidr(bytes: readonly number[], c: Cidr): boolean {
  if (bytes.length !== c.bytes.length) return false;
  let bits = c.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((c.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (zone id ignored), or null when it is not one. */
function ipv6Bytes(input: string): number[] | null {
  const address = input.replace(/%.*$/, "");
  if (isIP(address) !== 6) return null;
  let text = address;
  let tail: number[] = [];
  // A trailing dotted quad (::ffff:127.0.0.1) is the last 32 bits.
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    tail = dotted[1]!.split(".").map(Number);
    text = text.slice(0, -dotted[1]!.length) + "0:0";
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").filter((g) => g !== "").map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(rest);
  const groups = rest === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  if (groups.length !== 8) return null;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * The forbidden range an IP address is in, or null for a public address. IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) IPv6 addresses are judged by the IPv4 address they carry.
 */
export function forbiddenRangeOf(address: string): ForbiddenRange | null {
  const family = isIP(address.replace(/%.*$/, ""));
  if (family === 4) {
    const bytes = address.split(".").map(Number);
    return IPV4_RANGES.find((c) => inCidr(bytes, c))?.range ?? null;
  }
  if (family !== 6) return "reserved";
  const bytes = ipv6Bytes(address);
  if (!bytes) return "reserved";
  const direct = IPV6_RANGES.find((c) => inCidr(bytes, c))?.range;
  if (direct) return direct;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const mapped = zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff;
  const compatible = zeros(0, 12);
  const nat64 = bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12);
  if (mapped || compatible || nat64) return forbiddenRangeOf(bytes.slice(12).join("."));
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
