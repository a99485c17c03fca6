// Several `serve` processes on one PostgreSQL database behave as one service, seen over HTTP as a user would see it:
// a start at the same moment migrates and seeds once; clients, tokens and MFA sign-ins work across instances; rate
// limits are one budget; each webhook goes out once with both workers running; a kill -9 loses nothing acknowledged
// and a delivery in flight on a killed instance goes out from another once its lease ends; a catalog import from the
// CLI is searched on every instance without a restart.
//
// The PostgreSQL part runs when HC_TEST_DATABASE_URL is set; CI sets it, and there the run fails (never skips) when
// the server cannot be reached.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { SANDBOX_MFA_CODE } from "../../src/server/sandbox/sign-in.ts";
import { migrationProvider } from "../../src/server/store/migrations.ts";
import { parseWebhookEvent, verifyWebhook } from "../../src/server/index.ts";
import { assertPostgresConfigured, createTestDatabase, testPostgresUrl, type TestDatabase } from "../helpers/postgres.ts";
import { api, errorCodeOf, postJson, ENTERPRISE_MFA, STARFLEET } from "../server/support.ts";
import { startReceiver, type ReceivedRequest, type TestReceiver } from "../webhooks/receiver.ts";

const CATALOG_SIZE = 2000;
/** HC_WEBHOOK_TIMEOUT_MS of every instance: short, so that a dead instance's lease (2 × this + 5 s) ends soon. */
const WEBHOOK_TIMEOUT_MS = 1500;
const LEASE_MS = 2 * WEBHOOK_TIMEOUT_MS + 5_000;
const PORTAL_SIGN_IN_PER_IP = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it gives a value, for at most `ms`; fails naming `what`. */
async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(everyMs);
  }
}

test("PostgreSQL is configured wherever it is required", () => {
  expect(() => assertPostgresConfigured()).not.toThrow();
});

test("serve refuses an HC_WEBHOOK_TIMEOUT_MS that is not a whole number of milliseconds, naming it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hc-timeout-"));
  try {
    for (const value of ["abc", "0", "-1", "1.5", "15s", "1e4"]) {
      let stderr = "";
      const code = await runCli(["serve", "--port", "0", "--data-dir", dataDir], {
        stdout: () => {},
        stderr: (t) => (stderr += t),
        env: { HC_WEBHOOK_TIMEOUT_MS: value },
      });
      expect(code, value).not.toBe(0);
      expect(stderr, value).toContain("HC_WEBHOOK_TIMEOUT_MS");
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
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
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote so far (JSON log lines). */
  output(): string;
}

interface Credentials {
  client_id: string;
  client_secret: string;
}

if (testPostgresUrl) {
  describe("two serve processes on one PostgreSQL database", () => {
    const masterKey = randomBytes(32).toString("hex");
    const dirs: string[] = [];
    const children = new Set<ChildProcess>();
    const killAll = () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    let database: TestDatabase;
    let sql: pg.Client;
    let cliJs: string;
    let receiver: TestReceiver;
    let a: Instance;
    let b: Instance;
    let creds: Credentials;
    let webhookSecret: string;

    const tempDir = (prefix: string) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    };

    /** This process's environment without any setting of the service, so that only what a test gives applies. */
    function cleanEnv(): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = {};
      const settings = new Set(["DATABASE_URL", "PORT", "HOST", "SMTP_URL", "MAIL_FROM", "LOG_LEVEL"]);
      for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith("HC_") && !settings.has(key)) env[key] = value;
      }
      return env;
    }

    /** Runs the bundled CLI to its end (20 s at most). */
    function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile(process.execPath, [cliJs, ...argv], { env: { ...cleanEnv(), HC_MASTER_KEY: masterKey }, timeout: 20_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
          resolve({ code, stdout, stderr: err?.killed ? `killed after 20 s; ${stderr}` : stderr });
        });
      });
    }

    /** Spawns `serve` on a free port of 127.0.0.1 with its own data dir; resolves once it logs its URL. */
    function startInstance(name: string): Promise<Instance> {
      const child = spawn(process.execPath, [cliJs, "serve", "--port", "0", "--host", "127.0.0.1"], {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...cleanEnv(),
          DATABASE_URL: database.url,
          HC_MASTER_KEY: masterKey,
          HC_DATA_DIR: tempDir(`hc-${name}-`),
          HC_SANDBOX_SOURCES: String(CATALOG_SIZE),
          HC_WEBHOOKS_ALLOW_PRIVATE: "1",
          HC_WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
        },
      });
      children.add(child);
      let out = "";
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, signal) => resolve({ code, signal })),
      );
      return new Promise<Instance>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`instance ${name} logged no URL within 30 s:\n${out}`)), 30_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve({ name, url: m[1]!, child, exited, output: () => out });
          }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`instance ${name} exited (${code ?? signal}) before listening:\n${out}`));
        });
      });
    }

    async function killHard(instance: Instance): Promise<void> {
      instance.child.kill("SIGKILL");
      const { signal } = await instance.exited;
      expect(signal).toBe("SIGKILL");
    }

    const tokenRequest = (on: Instance, body: Record<string, string>) =>
      postJson(`${on.url}/v1/connect/token`, { client_id: creds.client_id, client_secret: creds.client_secret, ...body });

    async function sessionToken(on: Instance, user: string): Promise<string> {
      const res = await tokenRequest(on, { type: "session", client_user_id: user, client_user_email: `${user}@example.com` });
      expect(res.status, `session token from ${on.name}: ${res.text}`).toBe(200);
      return (res.body as { session_token: string }).session_token;
    }

    const basicAuth = () => ({ Authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString("base64")}` });
    const hooks = (): ReceivedRequest[] => receiver.requests.filter((r) => r.path === "/hooks");
    const idOf = (r: ReceivedRequest) => String(r.headers["webhook-id"]);
    const pendingWebhooks = async () => Number((await sql.query<{ n: string }>("select count(*) as n from webhook_outbox where state = 'pending'")).rows[0]!.n);
    const allDelivered = (what: string) => within(15_000, what, async () => ((await pendingWebhooks()) === 0 ? true : undefined));

    beforeAll(async () => {
      database = await createTestDatabase();
      sql = new pg.Client({ connectionString: database.url });
      await sql.connect();
      // A private bundle of the CLI, so that this file does not depend on (or race with) dist/.
      const outDir = join(process.cwd(), "node_modules", ".cache", `hc-multi-instance-${process.pid}`);
      mkdirSync(outDir, { recursive: true });
      dirs.push(outDir);
      cliJs = join(outDir, "cli.js");
      await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
      receiver = await startReceiver(200);
      process.once("exit", killAll);
      // Both at the same moment, on the empty database.
      [a, b] = await Promise.all([startInstance("a"), startInstance("b")]);
      const made = await cli("clients", "create", "--name", "Shared", "--origin", "http://localhost:3000", "--json", "--database-url", database.url);
      expect(made.code, made.stderr).toBe(0);
      creds = JSON.parse(made.stdout) as Credentials;
    }, 90_000);

    afterAll(async () => {
      killAll();
      await Promise.race([
        Promise.all([...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r))))),
        sleep(5_000),
      ]);
      process.off("exit", killAll);
      await receiver?.close();
      await sql?.end().catch(() => {});
      await database?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }, 30_000);

    test("started at the same moment on an empty database, both serve; migrations ran once and the catalog was seeded once", async () => {
      expect(a.url).not.toBe(b.url);
      for (const on of [a, b]) expect((await fetch(`${on.url}/healthz`)).status, on.name).toBe(200);

      const expected = Object.keys(await migrationProvider("postgres").getMigrations()).sort();
      const migrations = await sql.query<{ name: string; n: string }>("select name, count(*) as n from kysely_migration group by name order by name");
      expect(migrations.rows.map((r) => r.name)).toStrictEqual(expected);
      expect(migrations.rows.filter((r) => Number(r.n) !== 1)).toStrictEqual([]);

      const sources = await sql.query<{ n: string }>("select count(*) as n from sources");
      expect(Number(sources.rows[0]!.n)).toBe(CATALOG_SIZE);
      const version = await sql.query<{ version: string }>("select version from catalog_version");
      expect(version.rows.map((r) => Number(r.version))).toStrictEqual([1]);
      const seeders = [a, b].filter((on) => on.output().includes('"msg":"seeded the sandbox catalog"'));
      expect(seeders.map((on) => on.name)).toHaveLength(1);
    });

    test("a client made by the CLI works on both; a token from A works on B; an MFA sign-in started on A finishes on B", async () => {
      expect(creds.client_id).toMatch(/^[0-9a-f]{40}$/);
      await sessionToken(b, "other-user");
      const token = await sessionToken(a, "mfa-user");
      const onB = await api<{ human_id: string; connections: unknown[] }>(b.url, "GET", "/v1/connect/session", token);
      expect(onB.status).toBe(200);
      expect(onB.body.connections).toStrictEqual([]);

      const started = await api<{ status: string; challenge: { challenge_id: string } }>(a.url, "POST", "/v1/connect/connections", token, {
        source_id: ENTERPRISE_MFA,
        username: "mfa",
        password: "demo",
      });
      expect(started.status).toBe(200);
      expect(started.body.status).toBe("mfa_required");
      const challenge = started.body.challenge.challenge_id;
      const done = await api<{ status: string; connections: { id: string }[] }>(b.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge, code: SANDBOX_MFA_CODE });
      expect(done.status, done.text).toBe(201);
      expect(done.body.status).toBe("connected");
      expect(done.body.connections.map((c) => c.id)).toStrictEqual([ENTERPRISE_MFA]);
      // The challenge was used up on B, so A refuses it too.
      const again = await api(a.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge, code: SANDBOX_MFA_CODE });
      expect(again.status).toBe(400);
      expect(errorCodeOf(again)).toBe("MFA_CHALLENGE_INVALID");
      const onA = await api<{ connections: { id: string }[] }>(a.url, "GET", "/v1/connect/session", token);
      expect(onA.body.connections.map((c) => c.id)).toStrictEqual([ENTERPRISE_MFA]);
    });

    test("rate limits are one budget: Portal sign-in guesses alternated between A and B reach 429 after 10 in all", async () => {
      // Counters are per minute window (weighted into a sliding minute); keep the burst inside one window.
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 5_000) await sleep(left + 250);
      const replies = [];
      for (let i = 0; i < PORTAL_SIGN_IN_PER_IP + 4; i++) {
        const on = i % 2 === 0 ? a : b;
        replies.push(await postJson(`${on.url}/portal/api/sign-in`, { client_id: creds.client_id, client_secret: `wrong-guess-${i}` }, { Origin: on.url }));
      }
      expect(replies.map((r) => r.status)).toStrictEqual([...Array(PORTAL_SIGN_IN_PER_IP).fill(401), 429, 429, 429, 429]);
      expect(errorCodeOf(replies[0]!)).toBe("INVALID_CLIENT_ID_OR_SECRET");
      for (const refused of replies.slice(PORTAL_SIGN_IN_PER_IP)) {
        expect(errorCodeOf(refused)).toBe("RATE_LIMITED");
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    });

    test("with both workers running, each of 40 webhooks is delivered exactly once, and signed", async () => {
      const endpoint = await api<{ secret: string }>(b.url, "PUT", "/v1/webhook-endpoint", null, { url: `${receiver.url}/hooks` }, basicAuth());
      expect(endpoint.status, endpoint.text).toBe(201);
      const secret = endpoint.body.secret;
      webhookSecret = secret;

      // Ten users, each with four events spread over both instances; the engagement and the close are sent to A and
      // B at the same moment, so that the two instances race to record them (each is one event all the same).
      const users = Array.from({ length: 10 }, (_, i) => `hook-user-${i}`);
      await Promise.all(
        users.map(async (user, i) => {
          const [x, y] = i % 2 === 0 ? [a, b] : [b, a];
          const token = await sessionToken(x, user);
          const loaded = await Promise.all([a, b].map((on) => api(on.url, "GET", "/v1/connect/session", token)));
          expect(loaded.map((r) => r.status)).toStrictEqual([200, 200]);
          const connected = await api(x.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
          expect(connected.status, connected.text).toBe(201);
          const disconnected = await api(y.url, "DELETE", `/v1/connect/connections/${STARFLEET}`, token);
          expect(disconnected.status, disconnected.text).toBe(200);
          const closed = await Promise.all([a, b].map((on) => api(on.url, "POST", "/v1/connect/session/close", token, { status: "SUCCESS" })));
          expect(closed.map((r) => r.status)).toStrictEqual([200, 200]);
          expect(closed[0]!.body).toStrictEqual(closed[1]!.body);
        }),
      );

      await within(20_000, "40 distinct webhooks at the receiver", () => (new Set(hooks().map(idOf)).size >= 40 ? true : undefined));
      await allDelivered("every outbox row marked delivered");
      // A second delivery of a message would be under way by now; give it time to arrive.
      await sleep(1_000);
      const got = hooks();
      const ids = got.map(idOf);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i), "webhook-ids delivered more than once").toStrictEqual([]);
      expect(ids).toHaveLength(40);
      const outbox = await sql.query<{ state: string; attempts: number; n: string }>("select state, attempts, count(*) as n from webhook_outbox group by state, attempts");
      expect(outbox.rows.map((r) => ({ ...r, n: Number(r.n) }))).toStrictEqual([{ state: "delivered", attempts: 1, n: 40 }]);

      const types: Record<string, number> = {};
      for (const r of got) {
        const { payload } = verifyWebhook({ headers: r.headers as Record<string, string>, body: r.body, secret });
        const event = parseWebhookEvent(payload);
        expect(event, r.body).not.toBeNull();
        expect(users).toContain((event!.data as { client_user_id: string }).client_user_id);
        types[event!.type] = (types[event!.type] ?? 0) + 1;
      }
      expect(types).toStrictEqual({ "user.engaged": 10, "connect.source_connected": 10, "connect.source_disconnected": 10, "connect.session_closed": 10 });
    });

    test("a catalog import from the CLI is searched on both instances within 10 s, without a restart", async () => {
      const imported = [
        { id: "feedfacefeedfacefeedfac1", name: "Quetzalcoatl Imported Clinic", type: "clinic", city: "Austin", state: "TX", auth: "credentials" },
        { id: "feedfacefeedfacefeedfac2", name: "Xylophagous Imported Lab", type: "lab", city: "Boise", state: "ID", auth: "credentials_mfa" },
        { id: "feedfacefeedfacefeedfac3", name: "Zymurgical Imported Hospital", type: "hospital", city: "Omaha", state: "NE", auth: "credentials" },
      ];
      const file = join(tempDir("hc-import-"), "sources.json");
      writeFileSync(file, JSON.stringify(imported));
      const token = await sessionToken(a, "searcher");
      const started = Date.now();
      const run = await cli("sources", "import", file, "--database-url", database.url);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("Imported 3 sources");
      await Promise.all(
        [a, b].map((on) =>
          within(10_000, `the imported sources searchable on ${on.name}`, async () => {
            for (const source of imported) {
              const q = source.name.split(" ")[0]!.toLowerCase();
              const res = await api<{ results: { id: string }[] }>(on.url, "GET", `/v1/connect/sources?q=${q}`, token);
              if (!res.body.results?.some((s) => s.id === source.id)) return undefined;
            }
            return true;
          }),
        ),
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const on of [a, b]) {
        const detail = await api(on.url, "GET", `/v1/connect/sources/${imported[1]!.id}`, token);
        expect(detail.body).toMatchObject({ name: "Xylophagous Imported Lab", auth: "credentials_mfa" });
      }
    });

    test("kill -9 loses nothing acknowledged, and a delivery in flight on a killed instance goes out from another once its lease ends", async () => {
      // Writes answered by A: a session token, a connection, an id token with its refresh token.
      const session = await sessionToken(a, "survivor");
      const connected = await api(a.url, "POST", "/v1/connect/connections", session, { source_id: STARFLEET, username: "demo", password: "demo" });
      expect(connected.status, connected.text).toBe(201);
      const ids = await tokenRequest(a, { type: "id", client_user_id: "survivor" });
      expect(ids.status, ids.text).toBe(200);
      const { id_token, id_refresh_token } = ids.body as { id_token: string; id_refresh_token: string };
      // The connection's webhook goes out before the kill, so that nothing else is in flight below.
      await allDelivered("the survivor's webhook delivered");
      await killHard(a);

      for (const token of [session, id_token]) {
        const view = await api<{ connections: { id: string }[] }>(b.url, "GET", "/v1/connect/session", token);
        expect(view.status, view.text).toBe(200);
        expect(view.body.connections.map((c) => c.id)).toStrictEqual([STARFLEET]);
      }
      expect((await tokenRequest(b, { type: "refresh", id_refresh_token })).status).toBe(200);

      // Only B runs now. Its receiver holds the next delivery open without answering, and B dies in the middle of it.
      receiver.script.push("hang");
      const late = await sessionToken(b, "late-user");
      expect((await api(b.url, "GET", "/v1/connect/session", late)).status).toBe(200);
      const held = await within(5_000, "B's delivery held open by the receiver", () => hooks().find((r) => r.answer === "hang"), 10);
      await killHard(b);
      const row = await sql.query<{ state: string; attempts: number; next_attempt_at: number | string }>(
        "select state, attempts, next_attempt_at from webhook_outbox where message_id = $1",
        [idOf(held)],
      );
      // Nothing was recorded for the attempt: the message is only leased, until the lease ends.
      expect(row.rows).toHaveLength(1);
      expect(row.rows[0]).toMatchObject({ state: "pending", attempts: 0 });
      const leaseEnd = Number(row.rows[0]!.next_attempt_at);
      expect(leaseEnd).toBeGreaterThan(Date.now());
      expect(leaseEnd - Date.now()).toBeLessThanOrEqual(LEASE_MS);

      // Another instance delivers the same message once the dead one's lease has ended.
      const c = await startInstance("c");
      const redelivered = await within(LEASE_MS + 15_000, "the leased message delivered and answered 200 by the new instance", () =>
        hooks().find((r) => idOf(r) === idOf(held) && r.answer === 200),
      );
      expect(redelivered.body).toBe(held.body);
      expect(verifyWebhook({ headers: redelivered.headers as Record<string, string>, body: redelivered.body, secret: webhookSecret }).id).toBe(idOf(held));
      const log = await api<{ deliveries: { webhook_id: string; state: string; attempts: number; log: { at: string; status: number | null }[] }[] }>(
        c.url,
        "GET",
        "/v1/webhook-deliveries?per_page=5",
        null,
        undefined,
        basicAuth(),
      );
      const delivery = log.body.deliveries.find((d) => d.webhook_id === idOf(held));
      expect(delivery).toMatchObject({ state: "delivered", attempts: 1 });
      expect(delivery!.log.map((l) => l.status)).toStrictEqual([200]);
      expect(Date.parse(delivery!.log[0]!.at)).toBeGreaterThanOrEqual(leaseEnd);
      expect(hooks().filter((r) => idOf(r) === idOf(held)).map((r) => r.answer)).toStrictEqual(["hang", 200]);
    }, 45_000);
  });
}
