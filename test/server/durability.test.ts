// What the service answered is what it kept: session tokens and connections answered 200/201 survive a kill -9 that
// comes right after the answers, on the embedded SQLite file and on PostgreSQL. The requests run concurrently, as
// under load, so that answers that shared a commit (and an fsync) are checked too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { createTestDatabase, testDialects, type TestDatabase } from "../helpers/postgres.ts";
import { bundleCli, startServeProcess } from "../helpers/serve-process.ts";
import { api, postJson, STARFLEET } from "./support.ts";

const dirs: string[] = [];
const databases: TestDatabase[] = [];
let cliJs: string;
beforeAll(async () => {
  cliJs = await bundleCli("durability-test");
});
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop();
});

const USERS = 40;

describe.each(testDialects())("kill -9 right after the answers, on %s", (dialect) => {
  test("every session token and connection answered is there after the restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hc-durability-"));
    dirs.push(dataDir);
    const env: NodeJS.ProcessEnv = {};
    const where = ["--data-dir", dataDir];
    if (dialect === "postgres") {
      const db = await createTestDatabase();
      databases.push(db);
      env.HC_MASTER_KEY = randomBytes(32).toString("hex");
      where.push("--database-url", db.url);
    }
    let created = "";
    const code = await runCli(["clients", "create", "--name", "Durable", "--origin", "http://localhost:3000", "--json", ...where], {
      stdout: (t) => (created += t),
      stderr: () => {},
      env,
    });
    expect(code).toBe(0);
    const creds = JSON.parse(created) as { client_id: string; client_secret: string };

    const first = await startServeProcess(cliJs, where, env);
    const answered: { user: string; token: string; connected: boolean }[] = [];
    try {
      // Each user gets a session token and connects a source at once; the process dies as soon as every answer is in.
      await Promise.all(
        Array.from({ length: USERS }, async (_, i) => {
          const user = `durable-${i}`;
          const reply = await postJson<{ session_token: string }>(`${first.url}/v1/connect/token`, {
            type: "session",
            ...creds,
            client_user_id: user,
            client_user_email: `${user}@example.com`,
          });
          expect(reply.status).toBe(200);
          const entry = { user, token: reply.body.session_token, connected: false };
          answered.push(entry);
          const connect = await api(first.url, "POST", "/v1/connect/connections", entry.token, { source_id: STARFLEET, username: "demo", password: "demo" });
          expect(connect.status).toBe(201);
          entry.connected = true;
        }),
      );
      first.child.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill("SIGKILL");
    }
    expect(answered.filter((a) => a.connected)).toHaveLength(USERS);

    const second = await startServeProcess(cliJs, where, env);
    try {
      for (const { user, token } of answered) {
        const session = await api<{ connections: { id: string }[] }>(second.url, "GET", "/v1/connect/session", token);
        expect(session.status, user).toBe(200);
        expect(session.body.connections.map((c) => c.id), user).toEqual([STARFLEET]);
      }
      const basic = { Authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString("base64")}` };
      const users = await api<{ total: number }>(second.url, "GET", "/v1/users?status=connected&per_page=100", null, undefined, basic);
      expect(users.body.total).toBe(USERS);
    } finally {
      second.child.kill("SIGKILL");
      await second.exited;
    }
  }, 90_000);
});
