/** One webhook delivery attempt: a signed POST with a timeout, classified as delivered, gone or retry. */
import { webhookHeaders } from "./signature.ts";

/** Time allowed for one attempt, connection to last byte. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
/** How much of a receiver's answer is kept for the delivery log. */
export const RESPONSE_SNIPPET_LIMIT = 512;
const USER_AGENT = "HumanConnect-Webhooks/1";

/**
 * `delivered`: a 2xx answer. `gone`: 410, the receiver asks to stop, so the endpoint is disabled.
 * `retry`: anything else (other status, redirect, timeout, network error).
 */
export type DeliveryOutcome = "delivered" | "gone" | "retry";

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
  fetch?: typeof fetch;
}

/** Sends one signed attempt and classifies the answer; never throws. */
export async function deliverOnce(input: DeliverOnceInput): Promise<DeliveryResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const doFetch = input.fetch ?? fetch;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const elapsed = () => Math.round(performance.now() - started);

  try {
    const headers = webhookHeaders({ id: input.id, timestamp: input.timestamp, body: input.body, secret: input.secret });
    const response = await doFetch(input.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body: input.body,
      // A redirect would re-send the signed body somewhere the client did not register.
      redirect: "manual",
      signal: controller.signal,
    });
    const snippet = await readSnippet(response);
    const status = response.status;
    if (status >= 200 && status < 300) {
      return { outcome: "delivered", status, error: null, durationMs: elapsed(), responseSnippet: snippet };
    }
    const outcome: DeliveryOutcome = status === 410 ? "gone" : "retry";
    return { outcome, status, error: `HTTP ${status}`, durationMs: elapsed(), responseSnippet: snippet };
  } catch (error) {
    const message = timedOut ? `timeout after ${timeoutMs} ms` : describeNetworkError(error);
    return { outcome: "retry", status: null, error: message, durationMs: elapsed(), responseSnippet: null };
  } finally {
    clearTimeout(timer);
  }
}

async function readSnippet(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Do not wait for the rest of a large answer.
    void reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_LIMIT).toString("utf8");
  return text.length > 0 ? text : null;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
