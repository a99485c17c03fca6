/**
 * Every request the service sends to an EHR: the address policy of webhooks (no loopback, private or metadata
 * addresses unless local development allows them), a time limit from name resolution to last byte, a size limit on
 * the answer, no redirects followed, and the connection pinned to the address that was checked (DNS rebinding).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ALLOW_PRIVATE_HINT } from "../webhooks/address-policy.ts";
import { checkedAddress, pinnedLookup, RefusedAddress, type OutboundPolicy, type ResolvedAddress } from "../webhooks/checked-address.ts";

/** How the service may reach EHRs: the webhooks' policy; its local opt-in also allows plain http. */
export type EhrNetworkPolicy = OutboundPolicy;

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
export async function checkEhrAddress(url: URL, policy: EhrNetworkPolicy, signal?: AbortSignal): Promise<ResolvedAddress> {
  const refused = (why: string) => new OutboundFailure("refused", `refused: ${why}; ${ALLOW_PRIVATE_HINT}`);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new OutboundFailure("refused", `refused: ${url.protocol} is not http or https`);
  if (url.protocol === "http:" && !policy.allowPrivate) throw refused(`${url.origin} is plain http; an EHR is reached over https`);
  if (url.username || url.password) throw new OutboundFailure("refused", "refused: the URL carries credentials");
  try {
    return await checkedAddress(url, policy, signal);
  } catch (err) {
    if (err instanceof RefusedAddress) throw new OutboundFailure("refused", err.message);
    if ((err as Error).message === "aborted") throw err;
    const e = err as NodeJS.ErrnoException;
    throw new OutboundFailure("network", e.code === "ENOTFOUND" && /has no addresses$/.test(e.message) ? e.message : `${url.hostname} could not be resolved (${e.code ?? "error"})`);
  }
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
    const target = await checkEhrAddress(url, policy, controller.signal);
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

function send(url: URL, target: ResolvedAddress, req: OutboundRequest, signal: AbortSignal): Promise<Response> {
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
    const outgoing = request(url, { method: req.method, headers, agent: false, lookup: pinnedLookup(target), signal }, (res) => {
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
