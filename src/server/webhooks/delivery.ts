/**
 * One webhook delivery attempt: a signed POST with a timeout, classified as delivered, gone, retry or refused.
 *
 * The receiver's host name is resolved here and every address is checked against the address policy; the request
 * then connects to the address that was checked (a pinned `lookup`), so that a DNS answer that changes between the
 * check and the connection (DNS rebinding) cannot send the signed body to a private address.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { checkedAddress, pinnedLookup, RefusedAddress, type ResolveHost, type ResolvedAddress } from "./checked-address.ts";
import { webhookHeaders } from "./signature.ts";

/** Time allowed for one attempt, name resolution to last byte. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
/** How much of a receiver's answer is kept for the delivery log. */
export const RESPONSE_SNIPPET_LIMIT = 512;
const USER_AGENT = "HumanConnect-Webhooks/1";

/**
 * `delivered`: a 2xx answer. `gone`: 410, the receiver asks to stop, so the endpoint is disabled.
 * `retry`: anything else that reached the network (other status, redirect, timeout, network or DNS error).
 * `refused`: the URL leads to a non-public address and private addresses are not allowed; nothing was sent, and
 * retrying would not help.
 */
export type DeliveryOutcome = "delivered" | "gone" | "retry" | "refused";

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  /** HTTP status, or null when no answer arrived. */
  status: number | null;
  /** Why the attempt failed, or null when delivered. */
  error: string | null;
  durationMs: number;
  /** First bytes of the receiver's answer, for the delivery log. */
  responseSnippet: string | null;
}


export interface DeliverOnceInput {
  url: string;
  /** `webhook-id`, the same on every attempt. */
  id: string;
  /** Seconds since epoch of this attempt (so that receivers' tolerance checks pass on late retries). */
  timestamp: number;
  body: string;
  secret: string;
  timeoutMs?: number;
  /** Send to loopback, private, link-local and other non-public addresses too (local development). Default false. */
  allowPrivate?: boolean;
  /** Host name resolution; default the system resolver. */
  resolveHost?: ResolveHost;
}


/** Sends one signed attempt and classifies the answer; never throws. */
export async function deliverOnce(input: DeliverOnceInput): Promise<DeliveryResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const elapsed = () => Math.round(performance.now() - started);

  try {
    const url = new URL(input.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new RefusedAddress(`refused: ${url.protocol} is not http or https`);
    const target = await checkedAddress(url, { allowPrivate: input.allowPrivate ?? false, resolveHost: input.resolveHost }, controller.signal);
    const headers = webhookHeaders({ id: input.id, timestamp: input.timestamp, body: input.body, secret: input.secret });
    const { status, snippet } = await post(url, target, {
      headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body: input.body,
      signal: controller.signal,
    });
    if (status >= 200 && status < 300) {
      return { outcome: "delivered", status, error: null, durationMs: elapsed(), responseSnippet: snippet };
    }
    const outcome: DeliveryOutcome = status === 410 ? "gone" : "retry";
    return { outcome, status, error: `HTTP ${status}`, durationMs: elapsed(), responseSnippet: snippet };
  } catch (error) {
    if (error instanceof RefusedAddress) {
      return { outcome: "refused", status: null, error: error.message, durationMs: elapsed(), responseSnippet: null };
    }
    const message = timedOut ? `timeout after ${timeoutMs} ms` : describeNetworkError(error);
    return { outcome: "retry", status: null, error: message, durationMs: elapsed(), responseSnippet: null };
  } finally {
    clearTimeout(timer);
  }
}

/** POSTs to `url`, connecting only to `target`; no redirects are followed. */
function post(
  url: URL,
  target: ResolvedAddress,
  opts: { headers: Record<string, string>; body: string; signal: AbortSignal },
): Promise<{ status: number; snippet: string | null }> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) },
        // A fresh connection per attempt: no pooled socket to an address checked for another attempt.
        agent: false,
        lookup: pinnedLookup(target),
        signal: opts.signal,
      },
      (res) => {
        readSnippet(res).then((snippet) => resolve({ status: res.statusCode ?? 0, snippet }), reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The first bytes of an answer; does not wait for the rest of a large one. */
function readSnippet(res: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      res.destroy();
      const text = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_LIMIT).toString("utf8");
      resolve(text.length > 0 ? text : null);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    res.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= RESPONSE_SNIPPET_LIMIT) finish();
    });
    res.on("end", finish);
    res.on("error", fail);
    res.on("close", () => fail(new Error("the connection closed before the answer ended")));
  });
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const own = (error as Error & { code?: unknown }).code;
    if (typeof own === "string" && !error.message.includes(own)) return `${own}: ${error.message}`;
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
