/**
 * The app's end of the search socket (`SEARCH_SOCKET_PATH`): one WebSocket, opened once the session is loaded, that
 * carries each search as a message instead of an HTTP request. A search the socket cannot answer (not open yet, or
 * lost) resolves to null, and the caller asks by HTTP instead; an answer the service refused rejects as HTTP would.
 */
import type { SearchSocketReply, SourceSearchResult } from "../protocol/connect-api.ts";
import { ABORTED, ApiError, BAD_RESPONSE, type SearchParams } from "./api.ts";

/** An open (or opening) search socket. */
export interface SearchSocket {
  /** The answer, or null when the socket cannot give one (then ask by HTTP). */
  search(params: SearchParams, signal?: AbortSignal): Promise<SourceSearchResult | null>;
  /** True until the socket is closed or lost; while it opens, searches resolve to null. */
  readonly alive: boolean;
  close(): void;
}

interface Waiting {
  resolve(result: SourceSearchResult | null): void;
  reject(error: ApiError): void;
}

/** Opens the socket at `url` and says hello with the session token. */
export function openSearchSocket(url: string, token: string, parentOrigin: string | null): SearchSocket {
  const ws = new WebSocket(url);
  const waiting = new Map<number, Waiting>();
  let ready = false;
  let lost = false;
  let nextId = 1;

  const lose = () => {
    lost = true;
    for (const w of waiting.values()) w.resolve(null);
    waiting.clear();
  };
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token, parent_origin: parentOrigin }));
  ws.onclose = lose;
  ws.onerror = lose;
  ws.onmessage = (e: MessageEvent) => {
    let reply: SearchSocketReply;
    try {
      reply = JSON.parse(String(e.data)) as SearchSocketReply;
    } catch {
      return ws.close();
    }
    if (reply.type === "ready") {
      ready = true;
      return;
    }
    const w = typeof reply.id === "number" ? waiting.get(reply.id) : undefined;
    if (!w) return;
    waiting.delete(reply.id!);
    if (reply.type === "result" && Array.isArray(reply.result?.results)) w.resolve(reply.result);
    else if (reply.type === "error" && typeof reply.errorCode === "string") w.reject(new ApiError(reply.errorCode, String(reply.message), reply.status));
    else w.reject(new ApiError(BAD_RESPONSE, "Unexpected response from the service", 0));
  };

  return {
    get alive() {
      return !lost;
    },
    search(p, signal) {
      if (!ready || lost || ws.readyState !== WebSocket.OPEN) return Promise.resolve(null);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          waiting.delete(id);
          reject(new ApiError(ABORTED, "Request cancelled", 0));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        const settled = () => signal?.removeEventListener("abort", onAbort);
        waiting.set(id, {
          resolve: (r) => (settled(), resolve(r)),
          reject: (e) => (settled(), reject(e)),
        });
        ws.send(JSON.stringify({ type: "search", id, q: p.query, source_type: p.type, page: p.page, per_page: p.perPage }));
      });
    },
    close() {
      ws.close(1000);
      lose();
    },
  };
}
