import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { ApiFailure, invalidRequest } from "./errors.ts";

/** Largest request body the service reads. */
export const MAX_BODY_BYTES = 16 * 1024;

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The Node request behind `c` when the service runs on node:http. Reading it directly spares building a web Request
 * and its stream for every body (a tenth of the token endpoint's time); under `app.request()` there is none.
 */
function nodeRequest(c: Context): (IncomingMessage & AsyncIterable<Uint8Array>) | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && !incoming.readableDidRead ? incoming : undefined;
}

/** Reads the raw body, refusing more than `limit` bytes without buffering the rest. */
export async function readBodyText(c: Context, limit = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () => new ApiFailure(400, "REQUEST_TOO_LARGE", `The request body must be at most ${limit} bytes.`);
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const source: AsyncIterable<Uint8Array> | null = nodeRequest(c) ?? c.req.raw.body;
  if (!source) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // Leaving the loop early cancels the stream, so the rest of a body that is too large is never buffered.
    for await (const chunk of source) {
      total += chunk.byteLength;
      if (total > limit) break;
      chunks.push(chunk);
    }
  } catch {
    throw invalidRequest("The request body could not be read.");
  }
  if (total > limit) throw tooLarge();
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw invalidRequest("The request body is not valid UTF-8.");
  }
}

function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Reads a JSON object body (the Connect API accepts only JSON). */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  if (mediaType(c) !== "application/json") {
    throw new ApiFailure(400, "INVALID_REQUEST", "Send the body as application/json.");
  }
  return parseJsonObject(await readBodyText(c));
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiFailure(400, "INVALID_JSON", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Reads a JSON or form-encoded body into a plain object (the token endpoint accepts both). */
export async function readJsonOrFormObject(c: Context): Promise<Record<string, unknown>> {
  const type = mediaType(c);
  if (type === "application/json") return parseJsonObject(await readBodyText(c));
  if (type === "application/x-www-form-urlencoded") {
    const text = await readBodyText(c);
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(text);
    } catch {
      throw invalidRequest("The form body could not be parsed.");
    }
    for (const [key, value] of params) {
      if (key in out) throw invalidRequest(`The field "${key.slice(0, 40)}" appears more than once.`);
      out[key] = value;
    }
    return out;
  }
  throw new ApiFailure(
    400,
    "INVALID_REQUEST",
    "Send the body as application/json or application/x-www-form-urlencoded.",
  );
}
