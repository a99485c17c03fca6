import type { Context } from "hono";

/**
 * Sets a header on the answer a handler already made. `c.header()` at this point rebuilds the answer around its body
 * as a stream, which costs the node adapter's single-write path (headers and body in one write); the answer's own
 * headers are changed in place instead. Immutable headers (an upstream `fetch` answer passed through) fall back.
 */
export function setAnswerHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
