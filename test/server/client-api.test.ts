// The server-to-server API of a client app: users with their status, invite links, email templates, the webhook
// endpoint and settings; authorised by a client token or HTTP Basic with the client's credentials.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf, postJson, STARFLEET } from "./support.ts";

const clock = new ManualClock(Date.UTC(2031, 8, 9, 10));
let svc: TestService;
let client: { client_id: string; client_secret: string };
let other: { client_id: string; client_secret: string };
let basic: Record<string, string>;

beforeAll(async () => {
  svc = await startTestService({ clock, catalogSize: 2000 });
  client = await svc.createClient({ name: "Status Co", origins: ["http://localhost:3000"], permissions: { clientTokens: true } });
  other = await svc.createClient({ name: "Other", origins: ["http://localhost:3001"] });
  basic = { Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") };
});
afterAll(() => svc.close());

type UsersBody = { total: number; page: number; per_page: number; users: Record<string, unknown>[] };
const users = (query = "", headers = basic) => api<UsersBody>(svc.url, "GET", `/v1/users${query}`, null, undefined, headers);

describe("authorisation", () => {
  test("no, wrong or foreign credentials -> 401 with a stable code", async () => {
    expect(errorCodeOf(await users("", {}))).toBe("CLIENT_AUTH_REQUIRED");
    const wrong = { Authorization: "Basic " + Buffer.from(`${client.client_id}:nope`).toString("base64") };
    const res = await users("", wrong);
    expect(res.status).toBe(401);
    expect(errorCodeOf(res)).toBe("INVALID_CLIENT_ID_OR_SECRET");
    expect(errorCodeOf(await users("", { Authorization: "Bearer not-a-client-token-at-all" }))).toBe("CLIENT_TOKEN_INVALID");
    // A session token is not a client token.
    const session = await svc.sessionToken(client.client_id, client.client_secret, "auth-user");
    expect((await users("", { Authorization: `Bearer ${session}` })).status).toBe(401);
  });

  test("a client token from the token endpoint works, and sees only its own client's users", async () => {
    const tok = await postJson<{ client_token: string }>(`${svc.url}/v1/connect/token`, { type: "client", client_id: client.client_id, client_secret: client.client_secret });
    expect(tok.status).toBe(200);
    await svc.sessionToken(other.client_id, other.client_secret, "other-user");
    const res = await users("", { Authorization: `Bearer ${tok.body.client_token}` });
    expect(res.status).toBe(200);
    expect(res.body.users.map((u) => u.client_user_id)).not.toContain("other-user");
  });
});

describe("users and their status", () => {
  test("invited -> engaged -> connected, each with its time; filters and paging", async () => {
    const link = await api<{ url: string; expires_at: string }>(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: "st-1", email: "st1@example.com", expires_in: "2d" }, basic);
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^${svc.url}/invite\\?token=`));
    expect(link.body.expires_at).toBe(new Date(clock.now() + 2 * 86400_000).toISOString());
    const invitedAt = new Date(clock.now()).toISOString();

    const invited = await users("?status=invited");
    expect(invited.body.users.find((u) => u.client_user_id === "st-1")).toStrictEqual({
      client_user_id: "st-1",
      human_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      email: "st1@example.com",
      status: "invited",
      invited_at: invitedAt,
      engaged_at: null,
      connected_at: null,
      connections: 0,
      connections_needing_reauth: 0,
    });

    clock.advance(60_000);
    const page = await fetch(link.body.url);
    expect(page.status).toBe(200);
    const token = /"token":"([^"]+)"/.exec(await page.text())![1]!;
    // Fetching the link is not launching Connect: still invited.
    expect((await users("?status=invited")).body.users.map((u) => u.client_user_id)).toContain("st-1");
    clock.advance(1000);
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
    const engaged = (await users("?status=engaged")).body.users.find((u) => u.client_user_id === "st-1");
    expect(engaged).toMatchObject({ status: "engaged", invited_at: invitedAt, engaged_at: new Date(clock.now()).toISOString() });
    expect((await users("?status=invited")).body.users.map((u) => u.client_user_id)).not.toContain("st-1");

    clock.advance(60_000);
    await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
    const connected = (await users("?status=connected")).body.users.find((u) => u.client_user_id === "st-1");
    expect(connected).toMatchObject({ status: "connected", connected_at: new Date(clock.now()).toISOString(), connections: 1 });

    // A second invitation keeps the user and the first invited time.
    await api(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: "st-1", email: "st1@example.com" }, basic);
    expect((await users("?status=connected")).body.users.find((u) => u.client_user_id === "st-1")).toMatchObject({ invited_at: invitedAt });
  });

  test("paging", async () => {
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await api(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: `page-${i}`, email: `p${i}@example.com` }, basic);
    }
    const first = await users("?status=invited&per_page=2&page=1");
    expect(first.body).toMatchObject({ page: 1, per_page: 2, total: 5 });
    expect(first.body.users.map((u) => u.client_user_id)).toStrictEqual(["page-4", "page-3"]);
    const third = await users("?status=invited&per_page=2&page=3");
    expect(third.body.users.map((u) => u.client_user_id)).toStrictEqual(["page-0"]);
  });

  test("bad parameters -> 400 INVALID_REQUEST", async () => {
    for (const q of ["?status=gone", "?page=0", "?per_page=1000", "?page=abc"]) {
      const res = await users(q);
      expect(res.status, q).toBe(400);
      expect(errorCodeOf(res)).toBe("INVALID_REQUEST");
    }
  });

  test("a bad invite link request changes nothing", async () => {
    const before = await svc.store.humans.count();
    for (const body of [{ client_user_id: "x" }, { client_user_id: "x", email: "not-an-email" }, { client_user_id: "x", email: "x@example.com", expires_in: "45d" }]) {
      const res = await api(svc.url, "POST", "/v1/connect/invite-links", null, body, basic);
      expect(res.status).toBe(400);
    }
    expect(await svc.store.humans.count()).toBe(before);
  });
});

describe("templates, webhook endpoint, settings", () => {
  test("templates: the built-in default, put, get, list, delete; invalid ones refused", async () => {
    const def = await api(svc.url, "GET", "/v1/email-templates/default", null, undefined, basic);
    expect(def.body).toMatchObject({ alias: "default", built_in: true });
    const put = await api(svc.url, "PUT", "/v1/email-templates/welcome", null, { subject: "Hi {{name}}", html: '<a href="{{sign_in_url}}">Go</a>' }, basic);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ alias: "welcome", subject: "Hi {{name}}", text: null, built_in: false });
    const list = await api<{ templates: { alias: string }[] }>(svc.url, "GET", "/v1/email-templates", null, undefined, basic);
    expect(list.body.templates.map((t) => t.alias)).toStrictEqual(["default", "welcome"]);
    const noLink = await api(svc.url, "PUT", "/v1/email-templates/welcome", null, { subject: "Hi", html: "<p>no link</p>" }, basic);
    expect(errorCodeOf(noLink)).toBe("TEMPLATE_LINK_MISSING");
    expect(errorCodeOf(await api(svc.url, "PUT", "/v1/email-templates/Bad%20Alias", null, { subject: "a", html: "{{sign_in_url}}" }, basic))).toBe("TEMPLATE_ALIAS_INVALID");
    expect((await api(svc.url, "GET", "/v1/email-templates/welcome", null, undefined, basic)).body).toMatchObject({ subject: "Hi {{name}}" });
    expect((await api(svc.url, "DELETE", "/v1/email-templates/welcome", null, undefined, basic)).status).toBe(204);
    expect(errorCodeOf(await api(svc.url, "GET", "/v1/email-templates/welcome", null, undefined, basic))).toBe("TEMPLATE_NOT_FOUND");
  });

  test("webhook endpoint: 404 before, secret once, bad URLs refused", async () => {
    expect(errorCodeOf(await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic))).toBe("WEBHOOK_ENDPOINT_NOT_FOUND");
    for (const url of ["ftp://x.example/", "https://user:pw@x.example/", "not a url", "https://x.example/#frag"]) {
      expect(errorCodeOf(await api(svc.url, "PUT", "/v1/webhook-endpoint", null, { url }, basic)), url).toBe("WEBHOOK_URL_INVALID");
    }
    const set = await api<{ secret: string }>(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: "https://hooks.example/in" }, basic);
    expect(set.status).toBe(201);
    expect(set.body.secret).toMatch(/^whsec_/);
    const got = await api(svc.url, "GET", "/v1/webhook-endpoint", null, undefined, basic);
    expect(got.body).toMatchObject({ url: "https://hooks.example/in", enabled: true });
    expect(JSON.stringify(got.body)).not.toContain("whsec_");
    const rotated = await api<{ secret: string }>(svc.url, "PUT", "/v1/webhook-endpoint", null, { url: "https://hooks.example/in", rotate_secret: true }, basic);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(set.body.secret);
  });

  test("redirect URL setting", async () => {
    const res = await api(svc.url, "PUT", "/v1/client-settings", null, { redirect_url: "https://app.example/done" }, basic);
    expect(res.body).toMatchObject({ redirect_url: "https://app.example/done" });
    expect((await svc.store.clients.get(client.client_id))?.redirectUrl).toBe("https://app.example/done");
    expect((await api(svc.url, "PUT", "/v1/client-settings", null, { redirect_url: "javascript:alert(1)" }, basic)).status).toBe(400);
    expect((await svc.store.clients.get(client.client_id))?.redirectUrl).toBe("https://app.example/done");
  });
});
