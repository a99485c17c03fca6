// `human-connect serve` as a real child process, for tests that signal or kill it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

/**
 * Bundles the CLI privately into node_modules/.cache, so that a test depends on neither dist/ nor another test's
 * build. Returns the bundle's path.
 */
export async function bundleCli(name: string): Promise<string> {
  const outDir = join(process.cwd(), "node_modules", ".cache", `hc-${name}-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  const cliJs = join(outDir, "cli.js");
  await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
  return cliJs;
}

/** A running `serve`: its URL, its process, everything it printed, and its exit. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve --port 0` with `args` and `env` added, and resolves once it logs the URL it listens on. */
export async function startServeProcess(cliJs: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliJs, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HC_SANDBOX_SOURCES: "2000", HC_DATA_DIR: "", PORT: "", DATABASE_URL: "", ...env },
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 30_000);
    const look = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", look);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening: ${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}
