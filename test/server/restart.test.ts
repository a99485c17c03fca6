import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService } from "../helpers/service.ts";
import { api, CLEVELAND, ENTERPRISE_MFA, errorCodeOf, HOLODECK_OAUTH, postJson, STARFLEET } from "./support.ts";

const dataDir = mkdtempSync(join(tmpdir(), "hc-restart-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test("clients, humans, tokens, connections, UI state, MFA challenges, OAuth attempts and rate counters survive a restart", async () => {
  const clock = new ManualClock(Date.UTC(2033, 0, 1));
  const first = await startTestService({ dataDir, clock, rateLimits: { windowMs: 60_000, tokenPerIp: 1000, tokenPerClient: 1000, connectPerHuman: 4 } });
  const client = await first.createClient({ name: "Persist", origins: ["http://localhost:3000"], primaryColor: "#112233" });
  const body = { type: "session", client_id: client.client_id, client_secret: client.client_secret, client_user_id: "survivor", client_user_email: "s@example.com" };
  const session = await postJson(`${first.url}/v1/connect/token`, body);
  const token = session.body.session_token as string;
  expect((await api(first.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" })).status).toBe(201);
  expect((await api(first.url, "PUT", "/v1/connect/ui-state", token, { state: { step: "mfa", source: ENTERPRISE_MFA } })).status).toBe(204);
  const mfa = await api(first.url, "POST", "/v1/connect/connections", token, { source_id: ENTERPRISE_MFA, username: "demo", password: "demo" });
  const challengeId = (mfa.body.challenge as { challenge_id: string }).challenge_id;
  const oauth = await api<{ attempt_id: string; authorize_url: string }>(first.url, "POST", "/v1/connect/oauth/start", token, { source_id: HOLODECK_OAUTH });
  // 3 of 4 connect attempts used so far
  await first.close();

  const second = await startTestService({ dataDir, clock, rateLimits: { windowMs: 60_000, tokenPerIp: 1000, tokenPerClient: 1000, connectPerHuman: 4 } });
  try {
    // the same session token still works and sees the same human, connections and UI state
    const view = await api(second.url, "GET", "/v1/connect/session", token);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      human_id: session.body.human_id,
      client: { name: "Persist", primary_color: "#112233", logo_url: null },
      connections: [{ name: "Starfleet Pharmacy", id: STARFLEET }],
      ui_state: { step: "mfa", source: ENTERPRISE_MFA },
    });
    // the client and its secret survive (the key file is reused); the human keeps its id; connected users get id tokens
    const again = await postJson(`${second.url}/v1/connect/token`, body);
    expect(errorCodeOf(again)).toBe("SESSION_TOKEN_GENERATION_NOT_ALLOWED");
    const id = await postJson(`${second.url}/v1/connect/token`, { ...body, type: "id" });
    expect(id.status).toBe(200);
    // the pending MFA challenge survives (4th attempt of 4)
    const code = await api(second.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challengeId, code: "123456" });
    expect(code.status).toBe(201);
    // the rate-limit counter survived too: a 5th attempt in the same window is refused
    const limited = await api(second.url, "POST", "/v1/connect/connections", token, { source_id: CLEVELAND, username: "demo", password: "demo" });
    expect(limited.status).toBe(429);
    // the OAuth attempt survives
    const attempt = await api(second.url, "GET", `/v1/connect/oauth/attempts/${oauth.body.attempt_id}`, token);
    expect(attempt.body).toEqual({ status: "pending" });
    // the sandbox catalog was not seeded twice
    expect(await second.store.sources.count()).toBe(50_000);
  } finally {
    await second.close();
  }
});

test("the master key file is private and secrets and tokens are not stored in clear", async () => {
  const svc = await startTestService({ dataDir });
  let secret: string;
  let token: string;
  try {
    const client = await svc.createClient({ origins: [] });
    secret = client.client_secret;
    token = await svc.sessionToken(client.client_id, client.client_secret, "clear-text-check");
  } finally {
    await svc.close();
  }
  expect(statSync(join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
  const db = readFileSync(join(dataDir, "connect.sqlite")).toString("latin1");
  expect(db).not.toContain(secret);
  expect(db).not.toContain(token);
});

test("a different master key is refused at startup with a clear error", async () => {
  await expect(startTestService({ dataDir, masterKey: Buffer.alloc(32, 7) })).rejects.toThrow(/master key/);
  // and the right key still opens it
  const svc = await startTestService({ dataDir });
  expect((await svc.store.clients.list()).length).toBeGreaterThan(0);
  await svc.close();
});
