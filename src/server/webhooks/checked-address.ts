// The one check of where the service may send a request of its own (a webhook, a call to an EHR): the host's
// addresses are resolved and judged by the address policy before any connection, and the connection then goes to
// the address that was judged, whatever a second DNS answer would say (DNS rebinding).
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { ALLOW_PRIVATE_HINT, bareHostname, forbiddenRangeOf, isLocalhostName } from "./address-policy.ts";

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (the system resolver by default). */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver, as `getaddrinfo` answers (hosts file included). */
export const systemResolveHost: ResolveHost = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Where outbound requests may go. */
export interface OutboundPolicy {
  /** Reach loopback, private, link-local and other non-public addresses too (local development). */
  allowPrivate: boolean;
  /** Host name resolution; default the system resolver. */
  resolveHost?: ResolveHost | undefined;
}

/** The policy refused the destination; nothing was sent. The message says why and how to allow it. */
export class RefusedAddress extends Error {}

/**
 * The address to connect to for `url`, or a RefusedAddress before any connection is made. A host that does not
 * resolve rejects with the resolver's error (code ENOTFOUND when it has no addresses); `signal` abandons the wait.
 */
export async function checkedAddress(url: URL, policy: OutboundPolicy, signal?: AbortSignal): Promise<ResolvedAddress> {
  const host = bareHostname(url);
  const literal = isIP(host);
  if (literal !== 0) {
    const range = policy.allowPrivate ? null : forbiddenRangeOf(host);
    if (range) throw new RefusedAddress(`refused: ${host} is a non-public address (${range}); ${ALLOW_PRIVATE_HINT}`);
    return { address: host, family: literal === 6 ? 6 : 4 };
  }
  if (!policy.allowPrivate && isLocalhostName(host)) {
    throw new RefusedAddress(`refused: ${host} is this machine (loopback); ${ALLOW_PRIVATE_HINT}`);
  }
  const resolving = (policy.resolveHost ?? systemResolveHost)(host);
  const addresses = await (signal ? abortable(resolving, signal) : resolving);
  const first = addresses[0];
  if (!first) throw Object.assign(new Error(`${host} has no addresses`), { code: "ENOTFOUND" });
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const range = forbiddenRangeOf(a.address);
      if (range) throw new RefusedAddress(`refused: ${host} resolves to ${a.address}, a non-public address (${range}); ${ALLOW_PRIVATE_HINT}`);
    }
  }
  return first;
}

/** A `lookup` for node:http(s) that answers every name with `target`: the connection goes where the check said. */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
