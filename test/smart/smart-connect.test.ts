// SMART on FHIR sources over real HTTP, on SQLite and PostgreSQL: a catalog row imported by the CLI, a sign-in at the
// sandbox EHR (its own process-like server on its own origin), the tokens kept encrypted, the company's backend
// reading Patient and Observation through the service, refresh and rotation, a refused refresh token making the
// connection need re-authorisation (with its webhook) and the repair, a forbidden resource type passed through.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { verifyWebhook } from "../../src/server/index.ts";
import { DATABASE_FILE } from "../../src/server/store/open-store.ts";
import { startSandboxEhr, type RunningSandboxEhr } from "../../src/sandbox-ehr/server.ts";
import { createTestDatabase, testDialects, type TestDatabase } from "../helpers/postgres.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, HOLODECK_OAUTH } from "../server/support.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";

const PUBLIC_EHR = "a0a0a0a0a0a0a0a0a0a0a001";
const CONFIDENTIAL_EHR = "a0a0a0a0a0a0a0a0a0a0a002";
const EHR_SECRET = "sandbox-ehr-client-secret-1234";

interface Connection {
  source: { id: string; name: string };
  status: string;
  status_reason: string | null;
  fhir?: { base_url: string; patient: string };
}

describe.each(testDialects())("SMART on FHIR on %s", (dialect) => {
  let ehr: RunningSandboxEhr;
  let confidentialEhr: RunningSandboxEhr;
  let svc: TestService;
  let receiver: TestReceiver;
  let database: TestDatabase | undefined;
  let dataDir: string;
  let basic: Record<string, string>;
  let webhookSecret: string;
  let clientId: string;
  let clientSecret: string;
  const masterKey = randomBytes(32);
  // The service's clock runs ahead when a test moves it, so that stored token lifetimes run out.
  let clockAhead = 0;
  const clock = { now: () => Date.now() + clockAhead };
  const logLines: string[] = [];
  const user = `smart-${dialect}-${Date.now()}`;
  const fhirPath = (sourceId: string, path: string) => `/v1/users/${encodeURIComponent(user)}/connections/${sourceId}/fhir/${path}`;

  beforeAll(async () => {
    ehr = await startSandboxEhr({ port: 0 });
    confidentialEhr = await startSandboxEhr({ port: 0, clientSecret: EHR_SECRET });
    receiver = await startReceiver(200);
    dataDir = mkdtempSync(join(tmpdir(), "hc-smart-"));
    database = dialect === "postgres" ? await createTestDatabase() : undefined;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString("utf8"));
        done();
      },
    });
    svc = await startTestService({
      catalogSize: 200,
      dataDir,
      masterKey,
      clock,
      webhooks: { intervalMs: 50 },
      logger: pino({ level: "debug" }, sink),
      ...(database ? { databaseUrl: database.url } : {}),
    });
    // The catalog rows come in the way a company loads them: `sources import`.
    const catalogFile = join(dataDir, "smart-sources.json");
    writeFileSync(
      catalogFile,
      JSON.stringify([
        { id: PUBLIC_EHR, name: "Sandbox Health System", type: "hospital", city: "Cleveland", state: "OH", auth: "smart", fhir_base_url: ehr.fhirBaseUrl, smart_client_id: "human-connect-test" },
        {
          id: CONFIDENTIAL_EHR,
          name: "Confidential Clinic",
          type: "clinic",
          city: "Houston",
          state: "TX",
          auth: "smart",
          fhir_base_url: confidentialEhr.fhirBaseUrl + "/",
          smart_client_id: "confidential-app",
          smart_client_secret: EHR_SECRET,
          scopes: "launch/patient openid fhirUser offline_access patient/*.read",
        },
      ]),
    );
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), env: { ...process.env, HC_MASTER_KEY: masterKey.toString("hex") } };
    const location = database ? ["--database-url", database.url] : ["--data-dir", dataDir];
    expect(await runCli(["sources", "import", catalogFile, ...location], io), out.join("")).toBe(0);

    const client = await svc.createClient({ name: "Health Co", origins: ["http://localhost:3000"] });
    clientId = client.client_id;
    clientSecret = client.client_secret;
    basic = { Authorization: "Basic " + Buffer.from(`${clientId}:${clientSecret}`).toString("base64") };
    const endpoint = await api<{ secret: string }>(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: receiver.url + "/hooks" }, basic);
    expect(endpoint.status).toBe(201);
    webhookSecret = endpoint.body.secret;
  });

  afterAll(async () => {
    await svc?.close();
    await ehr?.close();
    await confidentialEhr?.close();
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The whole sign-in as the Connect app and the user's browser make it, in the popup flavour. */
  async function signIn(token: string, sourceId: string, account = { username: "demo", password: "demo" }): Promise<{ status: number; body: Record<string, unknown> }> {
    const start = await api<{ attempt_id: string; authorize_url: string }>(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: sourceId });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    const authorize = new URL(start.body.authorize_url);
    const page = await fetch(authorize);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="username">Username</label>');
    const form = new URLSearchParams(authorize.searchParams);
    form.set("username", account.username);
    form.set("password", account.password);
    form.set("decision", "allow");
    const allowed = await fetch(new URL("/oauth/authorize", authorize), { method: "POST", body: form, redirect: "manual" });
    expect(allowed.status).toBe(303);
    const callback = await fetch(allowed.headers.get("location")!);
    expect(callback.status).toBe(200);
    const result = JSON.parse(/<script type="application\/json" id="hc-oauth-result">([\s\S]*?)<\/script>/.exec(await callback.text())![1]!) as { message: { code: string } };
    const done = await api(svc.url, "POST", "/v1/connect/oauth/complete", token, { attempt_id: start.body.attempt_id, code: result.message.code });
    return { status: done.status, body: done.body };
  }

  /** A Connect token for `user`: a session token before the first connection, an id token after. */
  async function tokenFor(userId: string): Promise<string> {
    const res = await api<{ session_token?: string; id_token?: string }>(svc.url, "POST", "/v1/connect/token", null, { type: "id", client_id: clientId, client_secret: clientSecret, client_user_id: userId });
    if (res.status === 200 && res.body.id_token) return res.body.id_token;
    return svc.sessionToken(clientId, clientSecret, userId);
  }

  const connections = async () => (await api<{ connections: Connection[] }>(svc.url, "GET", `/v1/users/${encodeURIComponent(user)}/connections`, null, undefined, basic)).body.connections;
  const read = (sourceId: string, path: string) => fetch(svc.url + fhirPath(sourceId, path), { headers: basic });
  const faults = (target: RunningSandboxEhr, body: unknown) =>
    fetch(`${target.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const statusEvents = () =>
    receiver.requests
      .map((r) => verifyWebhook({ headers: r.headers, body: r.body, secret: webhookSecret }).payload as { type: string; data: Record<string, unknown> })
      .filter((e) => e.type === "connect.connection_status_changed")
      .map((e) => e.data);

  test("the discovery page of the authorize URL: the EHR's own origin, with state, PKCE S256, aud and the exact redirect URI", async () => {
    const token = await svc.sessionToken(clientId, clientSecret, `${user}-probe`);
    const start = await api<{ authorize_url: string }>(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: PUBLIC_EHR });
    expect(start.status).toBe(201);
    const url = new URL(start.body.authorize_url);
    expect(url.origin).toBe(ehr.url);
    expect(url.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "human-connect-test",
      redirect_uri: `${svc.url}/v1/connect/oauth/callback`,
      scope: "launch/patient openid fhirUser offline_access patient/*.rs",
      aud: ehr.fhirBaseUrl,
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("state")!.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("connect: the code is exchanged server to server, the patient is read, and the server API shows fhir { base_url, patient }", async () => {
    const token = await svc.sessionToken(clientId, clientSecret, user);
    const done = await signIn(token, PUBLIC_EHR);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: "connected", source: { id: PUBLIC_EHR, name: "Sandbox Health System" }, repaired: false });
    const list = await connections();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ source: { id: PUBLIC_EHR }, status: "active", fhir: { base_url: ehr.fhirBaseUrl, patient: "hc-demo-1" } });
  });

  test("a SMART source connects only through its EHR: a username and password are refused, and nothing connects", async () => {
    const token = await svc.sessionToken(clientId, clientSecret, `${user}-password`);
    const res = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: PUBLIC_EHR, username: "demo", password: "demo" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errorCode: "INVALID_REQUEST" });
    const listed = await api<{ connections: Connection[] }>(svc.url, "GET", `/v1/users/${encodeURIComponent(`${user}-password`)}/connections`, null, undefined, basic);
    expect(listed.body.connections).toStrictEqual([]);
  });

  test("the backend reads Patient and an Observation Bundle through the service, as application/fhir+json", async () => {
    const patient = await read(PUBLIC_EHR, "Patient/hc-demo-1");
    expect(patient.status).toBe(200);
    expect(patient.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    expect(await patient.json()).toMatchObject({ resourceType: "Patient", id: "hc-demo-1", name: [{ family: "Rivera", given: ["Alex"] }] });
    const observations = await read(PUBLIC_EHR, "Observation?patient=hc-demo-1");
    expect(observations.status).toBe(200);
    const bundle = (await observations.json()) as { resourceType: string; type: string; total: number; entry: { resource: { resourceType: string } }[] };
    expect(bundle).toMatchObject({ resourceType: "Bundle", type: "searchset", total: 3 });
    expect(bundle.entry.every((e) => e.resource.resourceType === "Observation")).toBe(true);
    for (const type of ["Condition", "MedicationRequest", "AllergyIntolerance"]) {
      const res = await read(PUBLIC_EHR, `${type}?patient=hc-demo-1`);
      expect(res.status, type).toBe(200);
      expect(((await res.json()) as { total: number }).total, type).toBe(1);
    }
  });

  test("with access: expired the read refreshes the token (rotated by the EHR) and succeeds", async () => {
    const before = ((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued.length;
    expect((await faults(ehr, { access: "expired" })).status).toBe(200);
    const res = await read(PUBLIC_EHR, "Observation?patient=hc-demo-1");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(3);
    const after = ((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued.length;
    expect(after - before).toBe(2);
    // The rotated refresh token is the one kept: a second expiry refreshes again with it.
    await faults(ehr, { access: "expired" });
    expect((await read(PUBLIC_EHR, "Patient/hc-demo-1")).status).toBe(200);
    await faults(ehr, {});
    expect((await connections())[0]!.status).toBe("active");
  });

  test("the token is refreshed before it expires: with the service's clock an hour on, a read refreshes first", async () => {
    const issued = async () => ((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued.length;
    const before = await issued();
    clockAhead = 3600_000 - 30_000;
    try {
      expect((await read(PUBLIC_EHR, "Patient/hc-demo-1")).status).toBe(200);
      expect((await issued()) - before).toBe(2);
      // The new token is good for another hour: the next read uses it as it is.
      expect((await read(PUBLIC_EHR, "Patient/hc-demo-1")).status).toBe(200);
      expect((await issued()) - before).toBe(2);
    } finally {
      clockAhead = 0;
    }
  });

  test("forbid: the EHR's 403 for one resource type is passed through with its OperationOutcome, and the connection stays active", async () => {
    await faults(ehr, { forbid: ["Observation"] });
    const res = await read(PUBLIC_EHR, "Observation?patient=hc-demo-1");
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    expect(await res.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "forbidden" }] });
    expect((await read(PUBLIC_EHR, "Condition?patient=hc-demo-1")).status).toBe(200);
    await faults(ehr, {});
    expect((await connections())[0]!.status).toBe("active");
  });

  test("only relative FHIR GETs under the base: dot segments, escapes and other sources are refused", async () => {
    // (A client's own URL parser already resolves "..", "%2E%2E" and the like, within the route or out of it.)
    for (const path of ["..%2F_sandbox%2Ftokens", "Patient%2F..%2F..%2F_sandbox", "patient/hc-demo-1", "Patient/hc-demo-1%2Fx", "Patient/a%00b"]) {
      const res = await read(PUBLIC_EHR, path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { errorCode: string }).errorCode, path).toBe("FHIR_PATH_INVALID");
    }
    const post = await fetch(svc.url + fhirPath(PUBLIC_EHR, "Patient/hc-demo-1"), { method: "POST", headers: basic, body: "{}" });
    expect(post.status).toBe(404);
    const notSmart = await read(HOLODECK_OAUTH, "Patient/hc-demo-1");
    expect(notSmart.status).toBe(400);
    expect(((await notSmart.json()) as { errorCode: string }).errorCode).toBe("FHIR_NOT_SUPPORTED");
    const notConnected = await read(CONFIDENTIAL_EHR, "Patient/hc-demo-1");
    expect(((await notConnected.json()) as { errorCode: string }).errorCode).toBe("NOT_CONNECTED");
    const noAuth = await fetch(svc.url + fhirPath(PUBLIC_EHR, "Patient/hc-demo-1"));
    expect(noAuth.status).toBe(401);
  });

  test("refresh: invalid_grant -> 409 CONNECTION_NEEDS_REAUTH, needs_reauth with its webhook; signing in again repairs it", async () => {
    await faults(ehr, { access: "expired", refresh: "invalid_grant" });
    const res = await read(PUBLIC_EHR, "Patient/hc-demo-1");
    expect(res.status).toBe(409);
    expect(((await res.json()) as { errorCode: string }).errorCode).toBe("CONNECTION_NEEDS_REAUTH");
    expect((await connections())[0]).toMatchObject({ status: "needs_reauth", status_reason: "token_expired" });
    const deadline = Date.now() + 5000;
    while (statusEvents().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(statusEvents()[0]).toMatchObject({ client_user_id: user, source: { id: PUBLIC_EHR }, status: "needs_reauth", previous_status: "active" });
    // Further reads answer the same without asking the EHR again.
    expect((await read(PUBLIC_EHR, "Patient/hc-demo-1")).status).toBe(409);

    await faults(ehr, {});
    const token = await tokenFor(user);
    const repaired = await signIn(token, PUBLIC_EHR);
    expect(repaired.body).toMatchObject({ status: "connected", repaired: true });
    expect((await connections())[0]).toMatchObject({ status: "active", status_reason: null });
    expect((await read(PUBLIC_EHR, "Patient/hc-demo-1")).status).toBe(200);
    while (statusEvents().length < 2 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 25));
    expect(statusEvents()[1]).toMatchObject({ status: "active", previous_status: "needs_reauth" });
  });

  test("a confidential client: the EHR gets the secret (client_secret_basic), and a wrong one fails with a stable code", async () => {
    const token = await tokenFor(user);
    const done = await signIn(token, CONFIDENTIAL_EHR, { username: "jordan", password: "jordan" });
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: "connected" });
    const conditions = await read(CONFIDENTIAL_EHR, "Condition?patient=hc-demo-2");
    expect(((await conditions.json()) as { total: number }).total).toBe(2);
    expect((await connections()).find((c) => c.source.id === CONFIDENTIAL_EHR)?.fhir).toEqual({ base_url: confidentialEhr.fhirBaseUrl, patient: "hc-demo-2" });

    // The same EHR behind a changed secret: the exchange is refused and the attempt fails with its code.
    const other = await startSandboxEhr({ port: 0, clientSecret: "another-secret-entirely" });
    try {
      const file = join(dataDir, "moved.json");
      writeFileSync(file, JSON.stringify([{ id: CONFIDENTIAL_EHR, name: "Confidential Clinic", type: "clinic", city: "Houston", state: "TX", auth: "smart", fhir_base_url: other.fhirBaseUrl, smart_client_id: "confidential-app", smart_client_secret: EHR_SECRET }]));
      const io = { stdout: () => {}, stderr: () => {}, env: { ...process.env, HC_MASTER_KEY: masterKey.toString("hex") } };
      expect(await runCli(["sources", "import", file, ...(database ? ["--database-url", database.url] : ["--data-dir", dataDir])], io)).toBe(0);
      // The running service learns of the import through the catalog; its discovery cache is per FHIR base.
      const second = await svc.sessionToken(clientId, clientSecret, `${user}-other`);
      const failed = await signIn(second, CONFIDENTIAL_EHR);
      expect(failed.body).toMatchObject({ status: "failed", errorCode: "EHR_TOKEN_EXCHANGE_FAILED" });
      expect(String(failed.body.message)).toContain("Confidential Clinic");
    } finally {
      await other.close();
    }
  });

  test("disconnecting forgets the connection's EHR tokens", async () => {
    const human = (await svc.store.humans.find(clientId, user))!;
    expect(await svc.store.smart.getGrant(human.humanId, CONFIDENTIAL_EHR)).toBeDefined();
    const res = await api(svc.url, "DELETE", `/v1/connect/connections/${CONFIDENTIAL_EHR}`, await tokenFor(user));
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    expect(await svc.store.smart.getGrant(human.humanId, CONFIDENTIAL_EHR)).toBeUndefined();
    const read2 = await read(CONFIDENTIAL_EHR, "Patient/hc-demo-2");
    expect(((await read2.json()) as { errorCode: string }).errorCode).toBe("NOT_CONNECTED");
    expect((await connections()).map((c) => c.source.id)).toEqual([PUBLIC_EHR]);
  });

  test("no EHR token, nor the client secret, is in plain text in the database or the logs", async () => {
    const issued = [
      ...((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued,
      ...((await (await fetch(`${confidentialEhr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued,
    ];
    expect(issued.length).toBeGreaterThanOrEqual(8);
    const secrets = [...issued, EHR_SECRET];
    let stored: string;
    if (database) {
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      try {
        const tables = (await db.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'")).rows;
        const dumps: string[] = [];
        for (const { table_name } of tables) dumps.push(JSON.stringify((await db.query(`select * from "${table_name}"`)).rows));
        stored = dumps.join("\n");
      } finally {
        await db.end();
      }
      expect(stored).toContain("confidential-app");
    } else {
      const file = join(dataDir, DATABASE_FILE);
      stored = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("\n");
      expect(stored).toContain("confidential-app");
    }
    const logs = logLines.join("");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(stored.includes(secret), "token in the database").toBe(false);
      expect(logs.includes(secret), "token in the logs").toBe(false);
    }
  });
});
