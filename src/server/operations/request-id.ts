// Every request gets an id: in the X-Request-Id response header, in each of its log lines and in the message of a
// 5xx answer, so that a caller's report can be found in the logs. A proxy the service trusts may have named the
// request already (so that its logs and ours agree); anyone else could send any text, so the header is taken only
// behind trusted proxies, and only in a shape that is safe in logs and headers.
import { randomUUID } from "node:crypto";
import { setAnswerHeader } from "./response-header.ts";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AppEnv } from "../deps.ts";

/** The header that carries a request's id, both ways. */
export const REQUEST_ID_HEADER = "X-Request-Id";

const REQUEST_ID_SHAPE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id a trusted proxy gave the request, or undefined when there is none, it is malformed or no proxy is trusted. */
export function forwardedRequestId(header: string | undefined, trustProxyHops: number): string | undefined {
  if (trustProxyHops < 1 || header === undefined) return undefined;
  return REQUEST_ID_SHAPE.test(header) ? header : undefined;
}

/** Names the request (`c.var.requestId`), gives it a logger bound to that id (`c.var.logger`) and sets the header. */
export function requestIdentity(trustProxyHops: number, logger: Logger | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = forwardedRequestId(c.req.header(REQUEST_ID_HEADER), trustProxyHops) ?? randomUUID();
    c.set("requestId", id);
    c.set("logger", logger?.child({ requestId: id }));
    await next();
    setAnswerHeader(c, REQUEST_ID_HEADER, id);
  };
}

/** A 5xx message that names the request: "Something went wrong on our side (request id 1f3…)." */
export function withRequestId(message: string, requestId: string): string {
  return `${message.replace(/[.\s]+$/, "")} (request id ${requestId}).`;
}
