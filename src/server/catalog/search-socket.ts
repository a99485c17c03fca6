/**
 * The search socket: a WebSocket on which the Connect app asks its searches as the user types. An HTTP request per
 * keystroke costs the browser a new request through its network service, and the service a round of routing and
 * middleware; a message on an open socket costs neither. Every message is checked as the HTTP route checks it: the
 * token again (so a closed session or an expired token stops the socket at once), then the search itself.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import {
  SEARCH_SOCKET_PATH,
  type SearchSocketReply,
  type SearchSocketRequest,
} from "../../protocol/connect-api.ts";
import { authenticateConnectToken } from "../auth.ts";
import type { AppDeps } from "../deps.ts";
import { ApiFailure, invalidRequest } from "../errors.ts";
import type { Readiness } from "../operations/readiness.ts";
import { withRequestId } from "../operations/request-id.ts";
import { protocolOf } from "../proxy.ts";
import { readSearchParams, searchCatalog, type RawSearchParams } from "./search-request.ts";

/** Largest message the app sends (a search of 200 characters fits several times over). */
export const MAX_MESSAGE_BYTES = 2048;
/** How long a new socket may stay silent before its `hello`. */
export const HELLO_TIMEOUT_MS = 5_000;
/** A socket with no message for this long is closed; the app opens another when it searches again. */
export const IDLE_TIMEOUT_MS = 10 * 60_000;
/** Searches one socket may have waiting; more are refused, as a client that sends without reading is broken. */
export const MAX_WAITING = 16;
/** Open sockets one process keeps; past this, new ones are refused and the app searches by HTTP. */
export const MAX_SOCKETS = 10_000;

// Close codes: the standard ones where they fit, 4xxx (application-defined) for a refused token.
const GOING_AWAY = 1001;
const UNSUPPORTED = 1003;
const POLICY = 1008;
const TOKEN_REFUSED = 4401;

/** The origin pages of this service have: the public URL's, else the one the request was made to. */
function ownOrigin(deps: AppDeps, req: IncomingMessage): string | null {
  if (deps.publicUrl) return new URL(deps.publicUrl).origin;
  const forwarded = req.headers["x-forwarded-proto"];
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  const protocol = protocolOf(typeof forwarded === "string" ? forwarded : undefined, encrypted ? "https:" : "http:", deps.trustProxyHops ?? 0);
  try {
    return new URL(`${protocol}//${req.headers.host ?? ""}`).origin;
  } catch {
    return null;
  }
}

/**
 * Only the Connect app opens the socket, and it runs on the service's own origin: any other page is refused before
 * the upgrade (cross-site WebSocket hijacking), whatever it would send afterwards.
 */
export function upgradeRefusal(req: IncomingMessage, ownOrigin: string | null, shuttingDown: boolean, open: number): number | null {
  let path: string;
  try {
    path = new URL(req.url ?? "", "http://service.invalid").pathname;
  } catch {
    return 400;
  }
  if (path !== SEARCH_SOCKET_PATH) return 404;
  if (shuttingDown || open >= MAX_SOCKETS) return 503;
  const origin = req.headers.origin;
  if (origin === undefined || ownOrigin === null || origin !== ownOrigin) return 403;
  return null;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" };

function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A message of the app, read but with the search itself not yet checked (`readSearchParams` does that). */
export type SocketRequest =
  | Extract<SearchSocketRequest, { type: "hello" }>
  | { type: "search"; id: number; params: RawSearchParams };

/** Reads one message of the app; anything else fails with INVALID_REQUEST and changes nothing. */
export function readRequest(data: RawData, isBinary: boolean): SocketRequest {
  if (isBinary) throw invalidRequest("Messages are JSON text.");
  let message: unknown;
  try {
    message = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(data as Buffer[]).toString("utf8"));
  } catch {
    throw invalidRequest("The message is not JSON.");
  }
  if (!isObject(message)) throw invalidRequest("The message must be a JSON object.");
  if (message.type === "hello") {
    if (typeof message.token !== "string") throw invalidRequest('"token" must be a string');
    const parent = message.parent_origin ?? null;
    if (parent !== null && (typeof parent !== "string" || parent.length > 2048)) throw invalidRequest('"parent_origin" must be an origin or null');
    return { type: "hello", token: message.token, parent_origin: parent };
  }
  if (message.type === "search") {
    const id = message.id;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) throw invalidRequest('"id" must be a whole number');
    return { type: "search", id, params: { q: message.q, type: message.source_type, page: message.page, perPage: message.per_page } };
  }
  throw invalidRequest('"type" must be "hello" or "search"');
}


/** Serves the search socket on `server`; `close()` ends every socket (the app goes on by HTTP). */
export function attachSearchSocket(server: Server, deps: AppDeps, readiness: Readiness): { close(): void } {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const origin = ownOrigin(deps, req);
    const refusal = upgradeRefusal(req, origin, readiness.shuttingDown, sockets.clients.size);
    if (refusal !== null || origin === null) return refuse(socket, refusal ?? 400);
    sockets.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, origin));
  });

  function serveSocket(ws: WebSocket, origin: string): void {
    const requestId = randomUUID();
    const logger = deps.logger?.child({ requestId, path: SEARCH_SOCKET_PATH });
    const failureOf = (err: unknown) =>
      err instanceof ApiFailure ? err : new ApiFailure(500, "INTERNAL_ERROR", withRequestId("Something went wrong on our side.", requestId));
    let hello: { token: string; parentOrigin: string | undefined } | null = null;
    let greeting = false;
    let waiting = 0;
    let queue: Promise<void> = Promise.resolve();
    let idle = setTimeout(() => ws.close(POLICY, "no hello"), HELLO_TIMEOUT_MS);
    const send = (reply: SearchSocketReply) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
    };
    const sendError = (id: number | null, err: unknown) => {
      const f = failureOf(err);
      if (f.status >= 500) logger?.error({ err }, "search socket failed");
      send({ type: "error", id, status: f.status, errorCode: f.errorCode, message: f.message });
      return f;
    };
    const authenticate = (h: NonNullable<typeof hello>) => authenticateConnectToken(deps, h.token, h.parentOrigin, () => origin);

    async function answer(request: Extract<SocketRequest, { type: "search" }>): Promise<void> {
      const started = performance.now();
      let status = 200;
      try {
        await authenticate(hello!);
        const asked = readSearchParams(request.params);
        send({ type: "result", id: request.id, result: searchCatalog(deps, asked).result });
      } catch (err) {
        const f = sendError(request.id, err);
        status = f.status;
        if (f.status === 401 || f.status === 403) ws.close(TOKEN_REFUSED, f.errorCode);
      } finally {
        deps.metrics?.observeRequest(SEARCH_SOCKET_PATH, "WS", status, (performance.now() - started) / 1000);
      }
    }

    ws.on("message", (data, isBinary) => {
      let request: SocketRequest;
      try {
        request = readRequest(data, isBinary);
      } catch (err) {
        sendError(null, err);
        if (isBinary) ws.close(UNSUPPORTED, "JSON text only");
        return;
      }
      // Only an accepted socket earns the longer wait: before hello, the hello timeout runs on whatever arrives.
      const stillIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ws.close(1000, "idle"), IDLE_TIMEOUT_MS);
      };
      if (hello) stillIdle();
      if (request.type === "hello") {
        if (hello || greeting) return void sendError(null, invalidRequest("The socket already said hello."));
        greeting = true;
        const h = { token: request.token, parentOrigin: request.parent_origin ?? undefined };
        authenticate(h).then(
          () => {
            hello = h;
            stillIdle();
            send({ type: "ready" });
          },
          (err: unknown) => {
            sendError(null, err);
            ws.close(TOKEN_REFUSED, failureOf(err).errorCode);
          },
        );
        return;
      }
      if (!hello) return void sendError(request.id, invalidRequest("Say hello with the session token first."));
      if (waiting >= MAX_WAITING) return void sendError(request.id, new ApiFailure(429, "RATE_LIMITED", "Too many searches waiting on this socket."));
      waiting++;
      queue = queue.then(() => answer(request)).finally(() => void waiting--);
    });
    ws.on("close", () => clearTimeout(idle));
    ws.on("error", (err) => logger?.warn({ err }, "search socket error"));
  }

  return {
    close() {
      for (const ws of sockets.clients) ws.close(GOING_AWAY, "shutting down");
      sockets.close();
    },
  };
}
