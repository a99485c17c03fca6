// `human-connect serve` (and the CLI's other commands) as real child processes, for tests that signal or kill them.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

/**
 * Bundles the CLI privately into node_modules/.cache, so that a test depends on neither dist/ nor another test's
 * build. Returns the bundle's path; `removeCliBundle` deletes it.
 */
export async function bundleCli(name: string): Promise<string> {
  const outDir = join(process.cwd(), "node_modules", ".cache", `hc-${name}-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  const cliJs = join(outDir, "cli.js");
  await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
  return cliJs;
}

/** Deletes a bundle made by `bundleCli`. */
export function removeCliBundle(cliJs: string | undefined): void {
  if (cliJs) rmSync(dirname(cliJs), { recursive: true, force: true });
}

/**
 * The environment of a child CLI: the test's own, without any service setting it may carry (`HC_*`, `DATABASE_URL`,
 * `PORT`, ...), a 2,000-source sandbox catalog, and `env` on top.
 */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const settings = new Set(["DATABASE_URL", "PORT", "HOST", "SMTP_URL", "MAIL_FROM", "LOG_LEVEL"]);
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("HC_") && !settings.has(key)) clean[key] = value;
  }
  return { ...clean, HC_SANDBOX_SOURCES: "2000", ...env };
}

/** A running `serve`: its URL, its process, everything it printed, and its exit. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve --port 0` with `args`, in `cliEnv(env)`, and resolves once it logs the URL it listens on. */
export async function startServeProcess(cliJs: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliJs, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], env: cliEnv(env) });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no listening line within 30 s in: ${out}`));
    }, 30_000);
    const look = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", look);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening: ${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}
