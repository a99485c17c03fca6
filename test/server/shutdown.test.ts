// Graceful shutdown of `human-connect serve` as a load balancer sees it: on SIGTERM /readyz turns 503 at once while
// /healthz stays 200, requests keep being served for HC_SHUTDOWN_DRAIN_MS, and every request in flight when the
// listener closes still gets its answer before the process exits 0.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { bundleCli, startServeProcess } from "../helpers/serve-process.ts";
import { api, postJson, VULCAN_SLOW, type Reply } from "./support.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "hc-shutdown-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("serve settings", () => {
  test.each(["5s", "-1", "1.5", "1e4", " 100"])("HC_SHUTDOWN_DRAIN_MS=%j is refused with exit 1, naming the variable", async (value) => {
    const result = await cli({ HC_SHUTDOWN_DRAIN_MS: value }, "serve", "--port", "0", "--data-dir", tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HC_SHUTDOWN_DRAIN_MS must be a whole number of milliseconds");
  });

  test.each(["short", "has a space in it somewhere"])("HC_METRICS_TOKEN=%j is refused with exit 1, naming the variable", async (value) => {
    const result = await cli({ HC_METRICS_TOKEN: value }, "serve", "--port", "0", "--data-dir", tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HC_METRICS_TOKEN must be");
  });
});

describe("SIGTERM", () => {
  let cliJs: string;
  beforeAll(async () => {
    cliJs = await bundleCli("shutdown-test");
  });

  test("turns /readyz to 503 during the drain, keeps serving, and lets every request in flight finish", async () => {
    const dataDir = tempDir();
    const created = await cli({}, "clients", "create", "--name", "Drain", "--origin", "http://localhost:3000", "--json", "--data-dir", dataDir);
    const creds = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    const drainMs = 1500;
    const served = await startServeProcess(cliJs, ["--data-dir", dataDir], { HC_SHUTDOWN_DRAIN_MS: String(drainMs) });
    const { url, child } = served;
    const out = () => served.output();
    try {
      const sessionToken = async (user: string) => {
        const reply = await postJson<{ session_token: string }>(`${url}/v1/connect/token`, {
          type: "session",
          ...creds,
          client_user_id: user,
          client_user_email: `${user}@example.com`,
        });
        expect(reply.status).toBe(200);
        return reply.body.session_token;
      };
      const tokens = await Promise.all(["drain-a", "drain-b", "drain-c", "drain-d"].map(sessionToken));
      expect((await api(url, "GET", "/readyz", null)).status).toBe(200);

      // The sandbox's slow source answers after 3 s: these are still running when the drain ends and the listener closes.
      const connect = (token: string) => api(url, "POST", "/v1/connect/connections", token, { source_id: VULCAN_SLOW, username: "demo", password: "demo" });
      const inFlight: Promise<Reply>[] = tokens.slice(0, 3).map(connect);
      await sleep(300);
      const signalledAt = Date.now();
      child.kill("SIGTERM");
      await sleep(100);

      // During the drain: not ready, alive, and new requests are still served.
      const probes: { ready: Reply; health: Reply }[] = [];
      let startedDuringDrain = false;
      while (Date.now() - signalledAt < drainMs - 300) {
        probes.push({ ready: await api(url, "GET", "/readyz", null), health: await api(url, "GET", "/healthz", null) });
        if (!startedDuringDrain) {
          inFlight.push(connect(tokens[3]!));
          startedDuringDrain = true;
        }
        await sleep(150);
      }
      expect(probes.length).toBeGreaterThanOrEqual(3);
      for (const { ready, health } of probes) {
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({ status: "not_ready", reason: "shutting_down" });
        expect(health.status).toBe(200);
      }

      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
      // The last ones finished after the drain ended, so the listener had closed while they ran.
      const answeredAt = Date.now();
      expect(answeredAt - signalledAt).toBeGreaterThan(drainMs);
      expect((await served.exited).code).toBe(0);
      // Connections end with their last answer, so the process does not wait out a grace period for idle ones.
      expect(Date.now() - answeredAt).toBeLessThan(3000);

      const lines = out().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.msg === "shutting down: not ready, draining" && l.drainMs === drainMs)).toBe(true);
      expect(lines.filter((l) => l.msg === "request" && l.path === "/v1/connect/connections" && l.status === 201)).toHaveLength(4);
      expect(lines.at(-1)?.msg).toBe("Connect service stopped");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
