// Checkpoints of the embedded database's WAL, on a worker thread. SQLite copies the WAL back into the database file
// every 1,000 pages, inside whichever COMMIT crosses that mark, with an fsync of the database file: better-sqlite3
// runs it on the event loop, which then serves nothing for milliseconds (a third of the token endpoint's throughput
// was lost to it). Here the main connection never checkpoints; a second connection on a worker does, PASSIVE, which
// neither waits for nor blocks the writer.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Pause between checkpoints once the WAL is copied back; a checkpoint that left frames behind runs again sooner. */
export const CHECKPOINT_EVERY_MS = 1000;
const CATCH_UP_MS = 50;

// Plain JavaScript run with `eval`, so that it needs no file of its own next to the built (or bundled) service.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 1000");
let timer;
const run = () => {
  let wait = workerData.everyMs;
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    if (result && result.checkpointed < result.log) wait = workerData.catchUpMs;
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
  timer = setTimeout(run, wait);
};
timer = setTimeout(run, workerData.everyMs);
parentPort.on("message", () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts checkpointing the WAL of the SQLite file at `path`; `stop` ends it (once, however often called). Failures go to `onError`. */
export function startCheckpointer(
  path: string,
  onError: (message: string) => void = (message) => process.emitWarning(`checkpointing ${path} failed: ${message}`),
): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS, catchUpMs: CATCH_UP_MS } });
  worker.on("message", (m: { error?: string }) => m.error && onError(m.error));
  worker.on("error", (err) => onError(err.message));
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        // Held while it closes its connection: an unreferenced worker would let the process end mid-shutdown.
        worker.ref();
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
      })),
  };
}
