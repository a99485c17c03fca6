// Connection health over real HTTP: the sandbox breaks a connection, both APIs read it as `needs_reauth`, a webhook
// announces it, and signing in again repairs the same connection.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifyWebhook } from "../../src/server/index.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, CLEVELAND, ENTERPRISE_MFA, errorCodeOf, STARFLEET } from "./support.ts";

let svc: TestService;
let receiver: TestReceiver;
let client: { client_id: string; client_secret: string };
let basic: Record<string, string>;
let webhookSecret: string;

// An id with a space, a slash and a plus, to check that the path segment is read URL-decoded.
const USER = "patient 7/a+b@example.com";
const userPath = `/v1/users/${encodeURIComponent(USER)}/connections`;

interface ConnectionBody {
  source: { name: string; id: string };
  status: string;
  status_reason: string | null;
  connected_at: string;
  status_changed_at: string;
}

beforeAll(async () => {
  receiver = await startReceiver(200);
  svc = await startTestService({ catalogSize: 2000, webhooks: { intervalMs: 50 } });
  client = await svc.createClient({ name: "Health Co", origins: ["http://localhost:3000"] });
  basic = { Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") };
  const endpoint = await api<{ secret: string }>(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: receiver.url + "/hooks" }, basic);
  expect(endpoint.status).toBe(201);
  webhookSecret = endpoint.body.secret;
});
afterAll(async () => {
  await svc?.close();
  await receiver?.close();
});

const connections = async () => {
  const res = await api<{ connections: ConnectionBody[] }>(svc.url, "GET", userPath, null, undefined, basic);
  expect(res.status).toBe(200);
  return res.body.connections;
};

/** Every verified event of `type` received so far. */
function received(type: string): Record<string, unknown>[] {
  return receiver.requests
    .map((r) => verifyWebhook({ headers: r.headers, body: r.body, secret: webhookSecret }).payload as { type: string; data: Record<string, unknown> })
    .filter((e) => e.type === type)
    .map((e) => e.data);
}

async function eventually<T>(read: () => T, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const breakConnection = (body: unknown, headers = basic) => api<{ connection: ConnectionBody }>(svc.url, "POST", "/v1/sandbox/connections/break", null, body, headers);

describe("connection health", () => {
  let token: string;

  test("a new connection is active, with its times, in the server API and the session view", async () => {
    token = await svc.sessionToken(client.client_id, client.client_secret, USER);
    expect((await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" })).status).toBe(201);
    expect((await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: CLEVELAND, username: "demo", password: "demo" })).status).toBe(201);
    const list = await connections();
    expect(list.map((c) => [c.source.id, c.status, c.status_reason])).toEqual([
      [STARFLEET, "active", null],
      [CLEVELAND, "active", null],
    ]);
    expect(list[0]!.source.name).toBe("Starfleet Pharmacy");
    expect(Date.parse(list[0]!.connected_at)).toBeGreaterThan(0);
    expect(list[0]!.status_changed_at).toBe(list[0]!.connected_at);
    const session = await api<{ connection_health: ConnectionBody[] }>(svc.url, "GET", "/v1/connect/session", token);
    expect(session.body.connection_health).toEqual(list);
  });

  test("the sandbox breaks a connection: needs_reauth everywhere, and one webhook says so", async () => {
    const broke = await breakConnection({ client_user_id: USER, source_id: STARFLEET, reason: "consent_revoked" });
    expect(broke.status).toBe(200);
    expect(broke.body.connection).toMatchObject({ source: { id: STARFLEET }, status: "needs_reauth", status_reason: "consent_revoked" });
    const list = await connections();
    expect(list.map((c) => [c.source.id, c.status, c.status_reason])).toEqual([
      [STARFLEET, "needs_reauth", "consent_revoked"],
      [CLEVELAND, "active", null],
    ]);
    const detail = await api<{ connected: boolean; connection_status: string }>(svc.url, "GET", `/v1/connect/sources/${STARFLEET}`, token);
    expect(detail.body).toMatchObject({ connected: true, connection_status: "needs_reauth" });
    const listed = await api<{ users: { client_user_id: string; connections: number; connections_needing_reauth: number }[] }>(svc.url, "GET", "/v1/users", null, undefined, basic);
    expect(listed.body.users.find((u) => u.client_user_id === USER)).toMatchObject({ connections: 2, connections_needing_reauth: 1 });

    const events = await eventually(() => received("connect.connection_status_changed"), (e) => e.length >= 1);
    expect(events).toEqual([
      {
        client_user_id: USER,
        human_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        source: { name: "Starfleet Pharmacy", id: STARFLEET },
        status: "needs_reauth",
        status_reason: "consent_revoked",
        previous_status: "active",
      },
    ]);
    // Breaking it again changes nothing and announces nothing.
    expect((await breakConnection({ client_user_id: USER, source_id: STARFLEET, reason: "consent_revoked" })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(received("connect.connection_status_changed")).toHaveLength(1);
  });

  test("signing in again repairs the same connection: active, in place, one webhook, no disconnect", async () => {
    const before = (await connections())[0]!;
    const repaired = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(repaired.status).toBe(201);
    expect(repaired.body).toEqual({
      status: "connected",
      source: { name: "Starfleet Pharmacy", id: STARFLEET },
      connections: [
        { name: "Starfleet Pharmacy", id: STARFLEET },
        { name: "Cleveland Clinic", id: CLEVELAND },
      ],
      repaired: true,
    });
    const after = (await connections())[0]!;
    expect(after).toMatchObject({ status: "active", status_reason: null, connected_at: before.connected_at });
    expect(Date.parse(after.status_changed_at)).toBeGreaterThanOrEqual(Date.parse(before.status_changed_at));

    const changes = await eventually(() => received("connect.connection_status_changed"), (e) => e.length >= 2);
    expect(changes[1]).toMatchObject({ source: { id: STARFLEET }, status: "active", status_reason: null, previous_status: "needs_reauth" });
    expect(received("connect.source_disconnected")).toEqual([]);
    // The connection was made once: the repair is not a second `source_connected`.
    expect(received("connect.source_connected").filter((e) => (e.source as { id: string }).id === STARFLEET)).toHaveLength(1);

    // An active connection is still refused.
    const again = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(errorCodeOf(again)).toBe("ALREADY_CONNECTED");
  });

  test("a broken MFA source is repaired through its code as well", async () => {
    expect((await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: ENTERPRISE_MFA, username: "demo", password: "demo" })).body).toMatchObject({ status: "mfa_required" });
    const challenge = (await api<{ challenge: { challenge_id: string } }>(svc.url, "POST", "/v1/connect/connections", token, { source_id: ENTERPRISE_MFA, username: "mfa", password: "demo" })).body.challenge;
    expect((await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge.challenge_id, code: "123456" })).status).toBe(201);
    expect((await breakConnection({ client_user_id: USER, source_id: ENTERPRISE_MFA })).body.connection).toMatchObject({ status: "needs_reauth", status_reason: "credentials_changed" });
    const step = await api<{ status: string; challenge: { challenge_id: string } }>(svc.url, "POST", "/v1/connect/connections", token, { source_id: ENTERPRISE_MFA, username: "demo", password: "demo" });
    expect(step.body.status).toBe("mfa_required");
    const done = await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: step.body.challenge.challenge_id, code: "123456" });
    expect(done.body).toMatchObject({ status: "connected", repaired: true });
    expect((await connections()).find((c) => c.source.id === ENTERPRISE_MFA)?.status).toBe("active");
  });

  test("bad input to the sandbox endpoint gets a stable code and changes nothing", async () => {
    const before = await connections();
    expect(errorCodeOf(await breakConnection({ client_user_id: "nobody", source_id: STARFLEET }))).toBe("UNKNOWN_CLIENT_USER_ID");
    expect(errorCodeOf(await breakConnection({ client_user_id: USER, source_id: "5b1daf3f079c652eaf41fd27" }))).toBe("NOT_CONNECTED");
    expect(errorCodeOf(await breakConnection({ client_user_id: USER, source_id: STARFLEET, reason: "gremlins" }))).toBe("INVALID_REQUEST");
    expect(errorCodeOf(await breakConnection({ client_user_id: USER, source_id: "STARFLEET" }))).toBe("INVALID_REQUEST");
    expect((await breakConnection({ client_user_id: USER, source_id: STARFLEET }, {})).status).toBe(401);
    expect(await connections()).toEqual(before);
    expect(errorCodeOf(await api(svc.url, "GET", "/v1/users/nobody/connections", null, undefined, basic))).toBe("UNKNOWN_CLIENT_USER_ID");
    // Another client cannot read this user's connections.
    const other = await svc.createClient({ name: "Other", origins: ["http://localhost:3001"] });
    const otherBasic = { Authorization: "Basic " + Buffer.from(`${other.client_id}:${other.client_secret}`).toString("base64") };
    expect(errorCodeOf(await api(svc.url, "GET", userPath, null, undefined, otherBasic))).toBe("UNKNOWN_CLIENT_USER_ID");
  });

  test("a repair link names the source; an unknown source is refused", async () => {
    const link = await api<{ url: string }>(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: USER, email: "p@example.com", source_id: STARFLEET }, basic);
    expect(link.status).toBe(201);
    expect(new URL(link.body.url).searchParams.get("source_id")).toBe(STARFLEET);
    const page = await fetch(link.body.url);
    expect(await page.text()).toContain(`"sourceId":"${STARFLEET}"`);
    const unknown = await api(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: USER, email: "p@example.com", source_id: "0".repeat(24) }, basic);
    expect(errorCodeOf(unknown)).toBe("SOURCE_NOT_FOUND");
    // A link altered to carry anything else opens on the normal first screen.
    const altered = await fetch(link.body.url.replace(STARFLEET, "<script>"));
    expect(await altered.text()).toContain('"sourceId":null');
  });
});

describe("without the sandbox", () => {
  test("HC_SANDBOX=0 (sandbox: false) turns the sandbox's routes off", async () => {
    const plain = await startTestService({ catalogSize: 200, sandbox: false, webhooks: false });
    try {
      const c = await plain.createClient({ origins: ["http://localhost:3000"] });
      const auth = { Authorization: "Basic " + Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64") };
      const res = await api(plain.url, "POST", "/v1/sandbox/connections/break", null, { client_user_id: "u", source_id: STARFLEET }, auth);
      expect(res.status).toBe(404);
      expect(errorCodeOf(res)).toBe("NOT_FOUND");
    } finally {
      await plain.close();
    }
  });
});
