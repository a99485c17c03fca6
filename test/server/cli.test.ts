import { CLIENT_CACHE_MS } from "../../src/server/clients/service.ts";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { startTestService } from "../helpers/service.ts";
import { api, errorCodeOf, postJson, VULCAN_SLOW } from "./support.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "hc-cli-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

const sessionRequest = (client_id: string, client_secret: string, client_user_id = "cli-user") => ({
  type: "session",
  client_id,
  client_secret,
  client_user_id,
  client_user_email: "cli@example.com",
});

describe("clients", () => {
  test("create --json prints only the credentials; they work against the service; list never shows the secret", async () => {
    const dataDir = tempDir();
    const created = await cli("clients", "create", "--name", "Acme", "--origin", "http://localhost:3000", "--origin", "https://acme.example", "--json", "--data-dir", dataDir);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe("");
    const creds = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    expect(Object.keys(creds).sort()).toEqual(["client_id", "client_secret"]);
    expect(Buffer.from(creds.client_secret, "base64url").length).toBeGreaterThanOrEqual(32);

    const listed = await cli("clients", "list", "--data-dir", dataDir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(creds.client_id);
    expect(listed.stdout).toContain("Acme");
    expect(listed.stdout).not.toContain(creds.client_secret);
    const listedJson = JSON.parse((await cli("clients", "list", "--json", "--data-dir", dataDir)).stdout) as { allowed_origins: string[] }[];
    expect(listedJson[0]?.allowed_origins).toEqual(["http://localhost:3000", "https://acme.example"]);

    const svc = await startTestService({ dataDir, catalogSize: 2000 });
    try {
      const ok = await postJson(`${svc.url}/v1/connect/token`, sessionRequest(creds.client_id, creds.client_secret));
      expect(ok.status).toBe(200);
    } finally {
      await svc.close();
    }
  });

  test("plain create prints the credentials with a warning to keep them", async () => {
    const r = await cli("clients", "create", "--name", "Plain", "--origin", "http://localhost:3000", "--data-dir", tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/client_id: +[0-9a-f]{40}/);
    expect(r.stdout).toMatch(/client_secret: +[A-Za-z0-9_-]{43}/);
  });

  test("rotate-secret and disable take effect on the token endpoint", async () => {
    const dataDir = tempDir();
    const creds = JSON.parse((await cli("clients", "create", "--name", "R", "--origin", "http://localhost:3000", "--json", "--data-dir", dataDir)).stdout) as { client_id: string; client_secret: string };
    const rotated = await cli("clients", "rotate-secret", creds.client_id, "--json", "--data-dir", dataDir);
    expect(rotated.code).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { client_id: string; client_secret: string };
    expect(fresh.client_id).toBe(creds.client_id);
    expect(fresh.client_secret).not.toBe(creds.client_secret);

    const svc = await startTestService({ dataDir, catalogSize: 2000 });
    try {
      const old = await postJson(`${svc.url}/v1/connect/token`, sessionRequest(creds.client_id, creds.client_secret));
      expect(errorCodeOf(old)).toBe("INVALID_CLIENT_ID_OR_SECRET");
      expect((await postJson(`${svc.url}/v1/connect/token`, sessionRequest(fresh.client_id, fresh.client_secret))).status).toBe(200);
      // disabling while the service runs (another process on the same database) takes effect within CLIENT_CACHE_MS
      expect((await cli("clients", "disable", creds.client_id, "--data-dir", dataDir)).code).toBe(0);
      const disabledAt = Date.now();
      let disabled = await postJson(`${svc.url}/v1/connect/token`, sessionRequest(fresh.client_id, fresh.client_secret));
      while (disabled.status === 200 && Date.now() - disabledAt < CLIENT_CACHE_MS + 500) {
        await new Promise((r) => setTimeout(r, 50));
        disabled = await postJson(`${svc.url}/v1/connect/token`, sessionRequest(fresh.client_id, fresh.client_secret));
      }
      expect(disabled.status).toBe(403);
      expect(errorCodeOf(disabled)).toBe("NOT_AUTHORIZED");
      expect((await cli("clients", "list", "--data-dir", dataDir)).stdout).toContain("DISABLED");
    } finally {
      await svc.close();
    }
  });

  test("clear errors and a non-zero exit", async () => {
    const dataDir = tempDir();
    const cases: [string[], RegExp][] = [
      [["clients", "create", "--origin", "http://localhost:3000"], /--name/],
      [["clients", "create", "--name", "A"], /--origin/],
      [["clients", "create", "--name", "A", "--origin", "not a url"], /not a URL/],
      [["clients", "create", "--name", "A", "--origin", "ftp://x.example"], /bare origin/],
      [["clients", "create", "--name", "A", "--origin", "http://localhost:3000", "--color", "red"], /--color/],
      [["clients", "create", "--name", "A", "--origin", "http://localhost:3000", "--bogus"], /bogus/],
      [["clients", "rotate-secret", "0".repeat(40)], /no client/],
      [["clients", "disable"], /CLIENT_ID/],
      [["clients", "frobnicate"], /unknown command/],
      [["frobnicate"], /unknown command/],
      [["sources", "import", join(dataDir, "missing.json")], /cannot read/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv, "--data-dir", dataDir);
      expect(r.code, argv.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage");
  });
});

describe("sources import", () => {
  test("JSON and CSV files add sources that the service then finds", async () => {
    const dataDir = tempDir();
    const jsonFile = join(dataDir, "catalog.json");
    writeFileSync(jsonFile, JSON.stringify([
      { id: "aaaaaaaaaaaaaaaaaaaaaaa1", name: "Zebulon Imported Hospital", type: "hospital", city: "Boise", state: "ID", auth: "credentials", description: "Imported." },
    ]));
    const csvFile = join(dataDir, "catalog.csv");
    writeFileSync(csvFile, "id,name,type,city,state,auth\naaaaaaaaaaaaaaaaaaaaaaa2,Quixotic Imported Lab,lab,Austin,TX,credentials_mfa\n");
    const j = await cli("sources", "import", jsonFile, "--data-dir", dataDir);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).toContain("Imported 1 source");
    const c = await cli("sources", "import", csvFile, "--data-dir", dataDir);
    expect(c.code, c.stderr).toBe(0);

    const bad = join(dataDir, "bad.csv");
    writeFileSync(bad, "id,name,type,city,state,auth\nnot-hex,Broken,lab,Austin,TX,credentials\n");
    const b = await cli("sources", "import", bad, "--data-dir", dataDir);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("bad.csv");

    const svc = await startTestService({ dataDir, catalogSize: 2000 });
    try {
      const client = await svc.createClient({ origins: [] });
      const token = await svc.sessionToken(client.client_id, client.client_secret, "importer");
      const found = await api(svc.url, "GET", "/v1/connect/sources?q=zebulon", token);
      expect((found.body.results as { id: string }[]).map((r) => r.id)).toEqual(["aaaaaaaaaaaaaaaaaaaaaaa1"]);
      const lab = await api(svc.url, "GET", "/v1/connect/sources/aaaaaaaaaaaaaaaaaaaaaaa2", token);
      expect(lab.body).toMatchObject({ name: "Quixotic Imported Lab", auth: "credentials_mfa" });
      expect(await svc.store.sources.count()).toBe(2);
    } finally {
      await svc.close();
    }
  });
});

describe("serve", () => {
  let cliJs: string;
  beforeAll(async () => {
    // A private bundle of the CLI, so that this test does not depend on (or race with) dist/.
    const outDir = join(process.cwd(), "node_modules", ".cache", `hc-cli-test-${process.pid}`);
    mkdirSync(outDir, { recursive: true });
    dirs.push(outDir);
    cliJs = join(outDir, "cli.js");
    await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
  });

  test("serves on --port with JSON logs, finishes an in-flight request on SIGTERM, closes the database", async () => {
    const dataDir = tempDir();
    const creds = JSON.parse((await cli("clients", "create", "--name", "S", "--origin", "http://localhost:3000", "--json", "--data-dir", dataDir)).stdout) as { client_id: string; client_secret: string };
    const child = spawn(process.execPath, [cliJs, "serve", "--port", "0", "--data-dir", dataDir], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HC_SANDBOX_SOURCES: "2000", HC_DATA_DIR: "", PORT: "" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 30_000);
      child.stdout.on("data", () => {
        const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const session = await postJson<{ session_token: string }>(`${url}/v1/connect/token`, sessionRequest(creds.client_id, creds.client_secret));
    const token = session.body.session_token;
    const inFlight = api(url, "POST", "/v1/connect/connections", token, { source_id: VULCAN_SLOW, username: "demo", password: "demo" });
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    const done = await inFlight;
    expect(done.status).toBe(201);
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, "connect.sqlite-wal"))).toBe(false);

    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "request" && l.path === "/v1/connect/token" && l.status === 200)).toBe(true);
    expect(lines.at(-1)?.msg).toBe("Connect service stopped");
    expect(out).not.toContain(creds.client_secret);
    expect(out).not.toContain(token);

    // what was acknowledged before the stop is there after it
    const svc = await startTestService({ dataDir, catalogSize: 2000 });
    try {
      const human = await svc.store.humans.find(creds.client_id, "cli-user");
      expect(await svc.store.connections.list(human!.humanId)).toEqual([{ name: "Vulcan Slow Clinic", id: VULCAN_SLOW }]);
    } finally {
      await svc.close();
    }
  }, 60_000);
});
