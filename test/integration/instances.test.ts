// Several `serve` processes on one PostgreSQL database act as one service: tokens, sign-ins, rate limits, webhooks,
// migrations and catalog imports are shared, and a kill -9 loses nothing acknowledged. Runs when
// HC_TEST_DATABASE_URL is set, which CI requires.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { verifyWebhook } from "../../src/server/webhooks/signature.ts";
import { assertPostgresConfigured, createTestDatabase, testPostgresUrl, type TestDatabase } from "../helpers/postgres.ts";
import { api, postJson, ENTERPRISE_MFA, STARFLEET } from "../server/support.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";

const CATALOG_SIZE = 2000;

test("PostgreSQL is configured wherever it is required", () => {
  expect(() => assertPostgresConfigured()).not.toThrow();
});

test("on PostgreSQL, serve without HC_MASTER_KEY exits non-zero at once and names the variable", async () => {
  let stderr = "";
  const code = await runCli(["serve", "--port", "0", "--database-url", "postgres://nobody@127.0.0.1:1/none"], {
    stdout: () => {},
    stderr: (t) => (stderr += t),
    env: {},
  });
  expect(code).not.toBe(0);
  expect(stderr).toContain("HC_MASTER_KEY");
});

interface Instance {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const within = async <T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

if (testPostgresUrl) {
  describe("several instances on one PostgreSQL database", () => {
    const dirs: string[] = [];
    const instances: Instance[] = [];
    const masterKey = randomBytes(32).toString("hex");
    let database: TestDatabase;
    let cliJs: string;
    let receiver: TestReceiver;
    let a: Instance;
    let b: Instance;
    let creds: { client_id: string; client_secret: string };
    let webhookSecret: string;

    const env = () => ({ HC_MASTER_KEY: masterKey, DATABASE_URL: database.url });

    async function cli(...argv: string[]) {
      let stdout = "";
      let stderr = "";
      const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: env() });
      return { code, stdout, stderr };
    }

    function startInstance(): Promise<Instance> {
      const dataDir = mkdtempSync(join(tmpdir(), "hc-instance-"));
      dirs.push(dataDir);
      const child = spawn(process.execPath, [cliJs, "serve", "--port", "0"], {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          ...env(),
          HC_DATA_DIR: dataDir,
          HC_SANDBOX_SOURCES: String(CATALOG_SIZE),
          HC_WEBHOOKS_ALLOW_PRIVATE: "1",
          HC_WEBHOOK_TIMEOUT_MS: "1000",
          PORT: "",
        },
      });
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return new Promise<Instance>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 60_000);
        child.stdout!.on("data", () => {
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            const instance = { url: m[1]!, child, exited };
            instances.push(instance);
            resolve(instance);
          }
        });
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
    }

    const sessionToken = async (on: Instance, user: string) => {
      const res = await postJson<{ session_token: string }>(`${on.url}/v1/connect/token`, {
        type: "session",
        client_id: creds.client_id,
        client_secret: creds.client_secret,
        client_user_id: user,
        client_user_email: `${user}@example.com`,
      });
      expect(res.status).toBe(200);
      return res.body.session_token;
    };

    const received = () => receiver.requests.filter((r) => r.path === "/hooks");

    beforeAll(async () => {
      database = await createTestDatabase();
      const outDir = join(process.cwd(), "node_modules", ".cache", `hc-instances-${process.pid}`);
      mkdirSync(outDir, { recursive: true });
      dirs.push(outDir);
      cliJs = join(outDir, "cli.js");
      await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
      receiver = await startReceiver(200);
      // Both at the same moment, on an empty database.
      [a, b] = await Promise.all([startInstance(), startInstance()]);
    }, 120_000);

    afterAll(async () => {
      for (const i of instances) i.child.kill("SIGKILL");
      await Promise.all(instances.map((i) => i.exited));
      await receiver?.close();
      await database?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    test("started together on an empty database, they migrated and seeded it once", async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const migrations = await client.query<{ name: string; n: string }>("select name, count(*) as n from kysely_migration group by name");
        expect(migrations.rows.length).toBeGreaterThanOrEqual(6);
        expect(migrations.rows.every((r) => Number(r.n) === 1)).toBe(true);
        const sources = await client.query<{ n: string }>("select count(*) as n from sources");
        expect(Number(sources.rows[0]!.n)).toBe(CATALOG_SIZE);
        const version = await client.query<{ version: string }>("select version from catalog_version");
        expect(version.rows.map((r) => Number(r.version))).toStrictEqual([1]);
      } finally {
        await client.end();
      }
      for (const i of [a, b]) expect((await fetch(`${i.url}/healthz`)).status).toBe(200);
    });

    test("a client made by the CLI works on both; a token from A works on B; MFA started on A finishes on B", async () => {
      const made = await cli("clients", "create", "--name", "Shared", "--origin", "http://localhost:3000", "--json");
      expect(made.stderr).toBe("");
      creds = JSON.parse(made.stdout) as typeof creds;
      const token = await sessionToken(a, "mfa-user");
      expect((await api(b.url, "GET", "/v1/connect/session", token)).status).toBe(200);
      const started = await api<{ status: string; challenge: { challenge_id: string } }>(a.url, "POST", "/v1/connect/connections", token, {
        source_id: ENTERPRISE_MFA,
        username: "mfa",
        password: "demo",
      });
      expect(started.body.status).toBe("mfa_required");
      const done = await api<{ status: string }>(b.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: started.body.challenge.challenge_id, code: "123456" });
      expect(done.status).toBe(201);
      expect(done.body.status).toBe("connected");
      const view = await api<{ connections: { id: string }[] }>(a.url, "GET", "/v1/connect/session", token);
      expect(view.body.connections.map((c) => c.id)).toStrictEqual([ENTERPRISE_MFA]);
    });

    test("rate limits are one budget: Portal sign-in guesses alternated between the instances are counted once", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        const on = i % 2 === 0 ? a : b;
        const res = await fetch(`${on.url}/portal/api/sign-in`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: on.url },
          body: JSON.stringify({ client_id: creds.client_id, client_secret: `guess-${i}` }),
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10)).toStrictEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toStrictEqual(Array(6).fill(429));
    });

    test("with both workers running, each webhook is delivered exactly once, signed", async () => {
      const basic = { Authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString("base64")}` };
      const endpoint = await api<{ secret: string }>(a.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basic);
      expect(endpoint.status).toBe(201);
      webhookSecret = endpoint.body.secret;
      // 20 users, each engaged and closed, half through each instance: 40 events.
      for (let i = 0; i < 20; i++) {
        const on = i % 2 === 0 ? a : b;
        const token = await sessionToken(on, `hook-user-${i}`);
        expect((await api(on.url, "GET", "/v1/connect/session", token)).status).toBe(200);
        expect((await api(on === a ? b.url : a.url, "POST", "/v1/connect/session/close", token, { status: "SUCCESS" })).status).toBe(200);
      }
      await within(15_000, "40 webhooks delivered", async () => (new Set(received().map((r) => r.headers["webhook-id"])).size >= 40 ? true : undefined));
      await new Promise((r) => setTimeout(r, 1500));
      const ids = received().map((r) => String(r.headers["webhook-id"]));
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
      for (const r of received()) verifyWebhook({ headers: r.headers as Record<string, string>, body: r.body, secret: webhookSecret });
    });

    test("a catalog import from the CLI is searched on both instances within 10 s, without a restart", async () => {
      const file = join(dirs[0]!, "import.json");
      writeFileSync(
        file,
        JSON.stringify([
          { id: "feedfacefeedfacefeedface", name: "Quetzalcoatl Imported Clinic", type: "clinic", city: "Austin", state: "TX", auth: "credentials" },
        ]),
      );
      const imported = await cli("sources", "import", file);
      expect(imported.code).toBe(0);
      const token = await sessionToken(a, "searcher");
      const started = Date.now();
      for (const on of [a, b]) {
        await within(10_000, `import searchable on ${on.url}`, async () => {
          const res = await api<{ results: { id: string }[] }>(on.url, "GET", "/v1/connect/sources?q=quetzalcoatl", token);
          return res.body.results?.some((s) => s.id === "feedfacefeedfacefeedface") ? true : undefined;
        });
      }
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    test("kill -9 loses nothing acknowledged: writes answered by A are on B, and a delivery in flight goes out later", async () => {
      const token = await sessionToken(a, "survivor");
      const connected = await api(a.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
      expect(connected.status).toBe(201);
      a.child.kill("SIGKILL");
      await a.exited;
      const view = await api<{ connections: { id: string }[] }>(b.url, "GET", "/v1/connect/session", token);
      expect(view.status).toBe(200);
      expect(view.body.connections.map((c) => c.id)).toStrictEqual([STARFLEET]);

      // B takes the next event and its receiver never answers; B dies mid-delivery.
      receiver.script.push("hang");
      const late = await sessionToken(b, "late-user");
      expect((await api(b.url, "GET", "/v1/connect/session", late)).status).toBe(200);
      const inFlight = await within(5_000, "a delivery held open by the receiver", async () => received().find((r) => r.answer === "hang"));
      b.child.kill("SIGKILL");
      await b.exited;

      // A new instance delivers the same message once the dead one's lease has run out.
      const c = await startInstance();
      await within(20_000, "the leased message delivered by another instance", async () =>
        received().find((r) => r.headers["webhook-id"] === inFlight.headers["webhook-id"] && r.answer === 200),
      );
      expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
    }, 60_000);
  });
}
