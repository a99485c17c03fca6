// Two instances on one PostgreSQL database refreshing the same SMART connection at the same moment, against an EHR
// that rotates refresh tokens and refuses the second use of one: exactly one refresh reaches the EHR, every read
// succeeds on both instances, and the connection stays active.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { startSandboxEhr, type RunningSandboxEhr } from "../../src/sandbox-ehr/server.ts";
import { assertPostgresConfigured, createTestDatabase, testPostgresUrl, type TestDatabase } from "../helpers/postgres.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api } from "../server/support.ts";

const EHR_SOURCE = "a0a0a0a0a0a0a0a0a0a0a0b1";

assertPostgresConfigured();

describe.runIf(testPostgresUrl)("SMART refresh across two instances on one PostgreSQL database", () => {
  let ehr: RunningSandboxEhr;
  let database: TestDatabase;
  let first: TestService;
  let second: TestService;
  const dirs: string[] = [];
  const masterKey = randomBytes(32);
  let basic: Record<string, string>;
  let clientId: string;
  let clientSecret: string;
  const user = `smart-race-${Date.now()}`;

  beforeAll(async () => {
    ehr = await startSandboxEhr({ port: 0 });
    database = await createTestDatabase();
    const start = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "hc-smart-race-"));
      dirs.push(dataDir);
      return startTestService({ catalogSize: 100, dataDir, masterKey, databaseUrl: database.url, webhooks: false });
    };
    first = await start();
    second = await start();
    const catalogFile = join(dirs[0]!, "ehr.json");
    writeFileSync(
      catalogFile,
      JSON.stringify([{ id: EHR_SOURCE, name: "Race Health", type: "hospital", city: "Akron", state: "OH", auth: "smart", fhir_base_url: ehr.fhirBaseUrl, smart_client_id: "race-test" }]),
    );
    const io = { stdout: () => undefined, stderr: () => undefined, env: { ...process.env, HC_MASTER_KEY: masterKey.toString("hex") } };
    expect(await runCli(["sources", "import", catalogFile, "--database-url", database.url], io)).toBe(0);
    const client = await first.createClient({ name: "Race Co", origins: ["http://localhost:3000"] });
    clientId = client.client_id;
    clientSecret = client.client_secret;
    basic = { Authorization: "Basic " + Buffer.from(`${clientId}:${clientSecret}`).toString("base64") };
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await ehr?.close();
    await database?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The sign-in at the EHR, through the first instance, as the popup makes it. */
  async function connect(): Promise<void> {
    const token = await first.sessionToken(clientId, clientSecret, user);
    const start = await api<{ attempt_id: string; authorize_url: string }>(first.url, "POST", "/v1/connect/oauth/start", token, { source_id: EHR_SOURCE });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    const authorize = new URL(start.body.authorize_url);
    const form = new URLSearchParams(authorize.searchParams);
    form.set("username", "demo");
    form.set("password", "demo");
    form.set("decision", "allow");
    const allowed = await fetch(new URL("/oauth/authorize", authorize), { method: "POST", body: form, redirect: "manual" });
    expect(allowed.status).toBe(303);
    const callback = await fetch(allowed.headers.get("location")!);
    const result = JSON.parse(/<script type="application\/json" id="hc-oauth-result">([\s\S]*?)<\/script>/.exec(await callback.text())![1]!) as { message: { code: string } };
    const done = await api(first.url, "POST", "/v1/connect/oauth/complete", token, { attempt_id: start.body.attempt_id, code: result.message.code });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
  }

  const faults = (body: unknown) => fetch(`${ehr.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const refreshRequests = async () => ((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { refresh_requests: number }).refresh_requests;
  const read = (svc: TestService) => fetch(`${svc.url}/v1/users/${encodeURIComponent(user)}/connections/${EHR_SOURCE}/fhir/Patient/hc-demo-1`, { headers: basic });

  test("reads on both instances after the access token expired: one refresh at the EHR, every read answered", async () => {
    await connect();
    expect((await read(first)).status).toBe(200);
    const before = await refreshRequests();
    // Every token issued so far is refused, and each refresh is answered late: both instances' refreshes would overlap.
    expect((await faults({ access: "expired", slow_refresh_ms: 400 })).status).toBe(200);
    try {
      const answers = await Promise.all([read(first), read(second), read(first), read(second)]);
      expect(answers.map((a) => a.status)).toStrictEqual([200, 200, 200, 200]);
    } finally {
      await faults({});
    }
    expect(await refreshRequests()).toBe(before + 1);
    const list = await api<{ connections: Array<{ source: { id: string }; status: string }> }>(second.url, "GET", `/v1/users/${encodeURIComponent(user)}/connections`, null, undefined, basic);
    expect(list.body.connections.find((c) => c.source.id === EHR_SOURCE)?.status).toBe("active");
    // The rotated refresh token is the one both instances now hold: another expiry refreshes once more, from either.
    expect((await faults({ access: "expired" })).status).toBe(200);
    try {
      expect((await read(second)).status).toBe(200);
    } finally {
      await faults({});
    }
    expect(await refreshRequests()).toBe(before + 2);
  });
});
