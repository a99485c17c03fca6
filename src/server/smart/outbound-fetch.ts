/**
 * Every request the service sends to an EHR: the address policy of webhooks (no loopback, private or metadata
 * addresses unless local development allows them), a time limit from name resolution to last byte, a size limit on
 * the answer, no redirects followed, and the connection pinned to the address that was checked (DNS rebinding).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { ALLOW_PRIVATE_HINT, bareHostname, forbiddenRangeOf, isLocalhostName } from "../webhooks/address-policy.ts";
import { systemResolveHost, type ResolveHost, type ResolvedAddress } from "../webhooks/delivery.ts";

/** How the service may reach EHRs. */
export interface EhrNetworkPolicy {
  /** Reach loopback, private and other non-public addresses, and plain http (local development; the webhooks' opt-in). */
  allowPrivate: boolean;
  /** Host name resolution; default the system resolver. */
  resolveHost?: ResolveHost;
}

/** Why a request to an EHR was not answered. */
export type OutboundFailureKind = "refused" | "timeout" | "too_large" | "network";

/** A request to an EHR that got no usable answer; `kind` says why. */
export class OutboundFailure extends Error {
  constructor(
    readonly kind: OutboundFailureKind,
    message: string,
  ) {
    super(message);
    this.name = "OutboundFailure";
  }
}

/** One request to an EHR. */
export interface OutboundRequest {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Largest answer body accepted, in bytes. */
  maxBytes: number;
  /** Aborts the request early (the caller's own signal, e.g. oauth4webapi's). */
  signal?: AbortSignal | undefined;
}

/**
 * The address to connect to for `url`, or an OutboundFailure("refused") before any connection is made. Exported so
 * that the policy is tested on its own, without sending anything anywhere.
 */
export async function checkEhrAddress(url: URL, policy: EhrNetworkPolicy): Promise<ResolvedAddress> {
  const refused = (why: string) => new OutboundFailure("refused", `refused: ${why}; ${ALLOW_PRIVATE_HINT}`);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new OutboundFailure("refused", `refused: ${url.protocol} is not http or https`);
  if (url.protocol === "http:" && !policy.allowPrivate) throw refused(`${url.origin} is plain http; an EHR is reached over https`);
  if (url.username || url.password) throw new OutboundFailure("refused", "refused: the URL carries credentials");
  const host = bareHostname(url);
  const literal = isIP(host);
  if (literal !== 0) {
    const range = policy.allowPrivate ? null : forbiddenRangeOf(host);
    if (range) throw refused(`${host} is a non-public address (${range})`);
    return { address: host, family: literal === 6 ? 6 : 4 };
  }
  if (!policy.allowPrivate && isLocalhostName(host)) throw refused(`${host} is this machine (loopback)`);
  let addresses: ResolvedAddress[];
  try {
    addresses = await (policy.resolveHost ?? systemResolveHost)(host);
  } catch (err) {
    throw new OutboundFailure("network", `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const first = addresses[0];
  if (!first) throw new OutboundFailure("network", `${host} has no addresses`);
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const range = forbiddenRangeOf(a.address);
      if (range) throw refused(`${host} resolves to ${a.address}, a non-public address (${range})`);
    }
  }
  return first;
}

/** Sends one request under the policy; a Response (any status, redirects unfollowed) or an OutboundFailure. */
export async function fetchFromEhr(rawUrl: string, req: OutboundRequest, policy: EhrNetworkPolicy): Promise<Response> {
  const url = new URL(rawUrl);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  const onCallerAbort = () => controller.abort();
  req.signal?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    const target = await withAbort(checkEhrAddress(url, policy), controller.signal);
    return await send(url, target, req, controller.signal);
  } catch (err) {
    if (err instanceof OutboundFailure) throw err;
    if (timedOut) throw new OutboundFailure("timeout", `${url.origin} did not answer within ${req.timeoutMs} ms`);
    const code = (err as NodeJS.ErrnoException).code;
    throw new OutboundFailure("network", `${url.origin} could not be reached${code ? ` (${code})` : ""}`);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onCallerAbort);
  }
}

function withAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function send(url: URL, target: ResolvedAddress, req: OutboundRequest, signal: AbortSignal): Promise<Response> {
  // Whatever name the connection asks for, it gets the address that was checked.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // The first outcome wins: a size refusal destroys the socket, whose own error must not replace it.
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const outgoing = request(url, { method: req.method, headers, agent: false, lookup: pinned, signal }, (res) => {
      readLimited(res, req.maxBytes, (body) => {
        if (settled) return;
        settled = true;
        resolve(toResponse(res, body));
      }, fail);
    });
    outgoing.on("error", fail);
    outgoing.end(req.body);
  });
}

/** Reads the whole body, or fails with OutboundFailure("too_large") as soon as it passes `maxBytes` (announced or streamed). */
function readLimited(res: IncomingMessage, maxBytes: number, done: (body: Buffer) => void, fail: (error: unknown) => void): void {
  const tooLarge = () => {
    fail(new OutboundFailure("too_large", `the answer is larger than ${maxBytes} bytes`));
    res.destroy();
  };
  const announced = Number(res.headers["content-length"]);
  if (Number.isFinite(announced) && announced > maxBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  res.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > maxBytes) return tooLarge();
    chunks.push(chunk);
  });
  res.on("end", () => done(Buffer.concat(chunks)));
  res.on("error", fail);
  res.on("aborted", () => fail(new Error("the connection closed before the answer ended")));
}

function toResponse(res: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const status = res.statusCode ?? 502;
  const bodyless = status === 204 || status === 304 || status < 200;
  return new Response(bodyless ? null : new Uint8Array(body), { status: status < 200 ? 502 : status, headers });
}
