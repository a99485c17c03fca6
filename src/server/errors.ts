import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the service answers with `{"errorCode", "message"}` and a fitting HTTP status. */
export class ApiFailure extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

/** The one JSON error response of the service. */
export function errorResponse(c: Context, failure: ApiFailure): Response {
  for (const [name, value] of Object.entries(failure.headers)) c.header(name, value);
  c.header("Cache-Control", "no-store");
  return c.json({ errorCode: failure.errorCode, message: failure.message }, failure.status);
}

/** Shorthand for a 400 INVALID_REQUEST failure. */
export function invalidRequest(message: string): ApiFailure {
  return new ApiFailure(400, "INVALID_REQUEST", message);
}
