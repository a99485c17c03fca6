// Child processes of the benchmark: the built service (CLI), bundled TypeScript entries, and small servers.
import { spawn, fork, execFile } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Scratch space of a run (gitignored). */
export const WORK_DIR = join(ROOT, "bench", ".work");
/** The built CLI of a package root. */
export const cliOf = (root) => join(root, "dist", "node", "src", "server", "cli.js");

/**
 * Copies dist/ into a package root of its own under bench/.work, so that the run serves one fixed build (a rebuild
 * of dist/ during the run changes nothing) and files the benchmark adds are served without touching dist/. The
 * service finds its files from the nearest package.json named human-connect; packages still resolve from the
 * repository's node_modules.
 */
export function snapshotBuild(id) {
  const root = join(WORK_DIR, `pkg-${id}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "human-connect", private: true, type: "module" }) + "\n");
  cpSync(join(ROOT, "dist"), join(root, "dist"), { recursive: true });
  return { root, distDir: join(root, "dist"), cli: cliOf(root) };
}

const run = promisify(execFile);
const EXIT_WITH_PARENT = ["--import", join(ROOT, "bench", "lib", "exit-with-parent.mjs")];

/** Creates a client app with the CLI and returns its credentials. */
export async function createClientWithCli(cli, dataDir, name, origin) {
  const { stdout } = await run(process.execPath, [cli, "clients", "create", "--name", name, "--origin", origin, "--json", "--data-dir", dataDir]);
  return JSON.parse(stdout.trim());
}

/**
 * Starts `human-connect serve --port 0` and resolves once it logs its URL. The request log (JSON lines on stdout) is
 * read for that line and for a count of requests per path, e.g. to see whether a prefetched page was fetched again.
 */
export function startCliService(cli, dataDir) {
  const child = spawn(process.execPath, [...EXIT_WITH_PARENT, cli, "serve", "--port", "0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const requests = new Map();
  return new Promise((resolve, reject) => {
    let partial = "";
    let found = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof entry.path === "string") requests.set(entry.path, (requests.get(entry.path) ?? 0) + 1);
        if (!found && typeof entry.url === "string") {
          found = true;
          resolve({ url: entry.url, stop: () => stopChild(child), requestCount: (path) => requests.get(path) ?? 0 });
        }
      }
    });
    child.once("exit", (code) => {
      if (!found) reject(new Error(`the service exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/** Bundles a TypeScript entry of bench/entries to bench/.work (Node ESM, packages left to node_modules). */
export async function bundleEntry(name) {
  mkdirSync(WORK_DIR, { recursive: true });
  const outfile = join(WORK_DIR, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, "bench", "entries", `${name}.ts`)],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  return outfile;
}

/**
 * Forks a Node module that reports `{ready: ...}` over IPC once it is listening (or `{result: ...}` when it
 * computes something), and resolves with that message and a stop function.
 */
export function forkModule(file, args = [], { quiet = true, env = {}, execArgv = [] } = {}) {
  const child = fork(file, args, { execArgv: [...EXIT_WITH_PARENT, ...execArgv], env: { ...process.env, ...env }, stdio: quiet ? ["ignore", "ignore", "pipe", "ipc"] : ["ignore", "inherit", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once("message", (msg) => resolve({ message: msg, stop: () => stopChild(child), child }));
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code}:\n${stderr}`)));
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The JSON body of POST /v1/connect/token asking a session token for the user `userId`. */
export function sessionTokenBody(client, userId) {
  return JSON.stringify({
    type: "session",
    client_id: client.client_id,
    client_secret: client.client_secret,
    client_user_id: userId,
    client_user_email: `${userId}@example.com`,
  });
}

/** `count` session tokens for new users, `concurrency` requests at a time. */
export async function sessionTokens(serviceUrl, client, prefix, count, concurrency = 16) {
  const tokens = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        tokens[i] = await sessionToken(serviceUrl, client, `${prefix}-${i}`);
      }
    }),
  );
  return tokens;
}

/** A session token for a new user, requested as a customer's backend does. */
export async function sessionToken(serviceUrl, client, userId) {
  const res = await fetch(`${serviceUrl}/v1/connect/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: sessionTokenBody(client, userId),
  });
  const body = await res.json();
  if (!res.ok || typeof body.session_token !== "string") {
    throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return body.session_token;
}
