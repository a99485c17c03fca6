/** A real HTTP webhook receiver on 127.0.0.1 whose answers a test scripts: a status, or "hang" (never answer). */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceiverAnswer = number | "hang" | { status: number; delayMs: number };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answer: ReceiverAnswer;
}

export interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers given in order; when the script runs out, `fallback` answers. */
  script: ReceiverAnswer[];
  fallback: ReceiverAnswer;
  /** Per-path scripts, taking precedence over `script`. */
  scriptFor: Map<string, ReceiverAnswer[]>;
  /** Most requests open at the same time so far. */
  maxConcurrent: number;
  close(): Promise<void>;
}

export async function startReceiver(fallback: ReceiverAnswer = 200): Promise<TestReceiver> {
  const receiver: Omit<TestReceiver, "url" | "close"> = {
    requests: [],
    script: [],
    fallback,
    scriptFor: new Map(),
    maxConcurrent: 0,
  };
  let open = 0;
  const server: Server = createServer((req, res) => {
    open += 1;
    receiver.maxConcurrent = Math.max(receiver.maxConcurrent, open);
    res.on("close", () => (open -= 1));
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const perPath = receiver.scriptFor.get(path);
      const answer = (perPath && perPath.length > 0 ? perPath.shift() : receiver.script.shift()) ?? receiver.fallback;
      receiver.requests.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answer });
      if (answer === "hang") return;
      const { status, delayMs } = typeof answer === "number" ? { status: answer, delayMs: 0 } : answer;
      setTimeout(() => {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status >= 200 && status < 300 ? "ok" : `status ${status}`);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
