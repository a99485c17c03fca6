// Defects found by trying the service as an attacker would, each driven over real HTTP.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLIENT_CACHE_MS } from "../../src/server/clients/service.ts";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { api, errorCodeOf, postJson } from "./support.ts";

const clock = new ManualClock(Date.UTC(2035, 0, 1, 0, 0, 0));
let svc: TestService;
let receiver: TestReceiver;

beforeAll(async () => {
  svc = await startTestService({
    clock,
    catalogSize: 2000,
    trustProxy: 1,
    rateLimits: {
      windowMs: 60_000,
      tokenPerIp: 1000,
      tokenPerClient: 20,
      connectPerHuman: 30,
      portalSignInPerIp: 10,
      credentialFailuresPerIp: 30,
      credentialFailuresPerClient: 50,
    },
    webhooks: { intervalMs: 50 },
  });
  receiver = await startReceiver(200);
});
afterAll(async () => {
  await svc?.close();
  await receiver?.close();
});

const sessionBody = (c: { client_id: string; client_secret: string }, user: string) => ({
  type: "session",
  client_id: c.client_id,
  client_secret: c.client_secret,
  client_user_id: user,
  client_user_email: "h@example.com",
});
const from = (ip: string) => ({ "X-Forwarded-For": ip });
const token = (body: unknown, headers: Record<string, string> = {}) => postJson(`${svc.url}/v1/connect/token`, body, headers);

describe("budgets that outsiders cannot spend", () => {
  test("wrong secrets from two addresses never stop the right secret from a third", async () => {
    clock.set(Date.UTC(2035, 0, 1, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    const wrong = { ...sessionBody(c, "x"), client_secret: "not-the-secret" };
    const answers: number[] = [];
    for (const ip of ["198.51.100.1", "198.51.100.2"]) {
      for (let i = 0; i < 60; i++) answers.push((await token(wrong, from(ip))).status);
    }
    // Each address gets its own failure budget, then 429; the client id's failure budget refuses wrong secrets only.
    expect(answers.filter((s) => s === 401).length).toBeLessThanOrEqual(50);
    expect(answers.filter((s) => s === 429).length).toBeGreaterThanOrEqual(70);
    for (let i = 0; i < 20; i++) expect((await token(sessionBody(c, `ok-${i}`), from("203.0.113.9"))).status).toBe(200);
    // Only proven requests spent the client's budget: exactly its 20, and the 21st is refused.
    expect((await token(sessionBody(c, "ok-21"), from("203.0.113.9"))).status).toBe(429);
  });

  test("requests answered 429 do not count, so a block ends as the window slides", async () => {
    clock.set(Date.UTC(2035, 0, 2, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    for (let i = 0; i < 20; i++) expect((await token(sessionBody(c, `u-${i}`), from("203.0.113.20"))).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await token(sessionBody(c, `more-${i}`), from("203.0.113.20"))).status).toBe(429);
    // Half a window later the 20 hits weigh 10: room again. Had the 30 refusals counted, they would weigh 25 more.
    clock.advance(90_000);
    expect((await token(sessionBody(c, "after"), from("203.0.113.20"))).status).toBe(200);
  });

  test("a burst across a window boundary gets the limit, not twice the limit", async () => {
    clock.set(Date.UTC(2035, 0, 2, 12, 0, 59));
    const c = await svc.createClient({ origins: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await token(sessionBody(c, `late-${i}`), from("203.0.113.21"))).status);
    clock.advance(1000); // the next fixed window starts here
    for (let i = 0; i < 20; i++) statuses.push((await token(sessionBody(c, `early-${i}`), from("203.0.113.21"))).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(21);
  });
});

describe("behind a trusted proxy", () => {
  test("the address is the one the proxy appended, not what the client wrote on the left", async () => {
    clock.set(Date.UTC(2035, 0, 3, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${svc.url}/portal/api/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: svc.url, "X-Forwarded-For": `10.0.${i}.1, 192.0.2.77` },
        body: JSON.stringify({ client_id: c.client_id, client_secret: `guess-${i}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
  });

  test("X-Forwarded-Proto https makes the Portal cookie Secure", async () => {
    clock.set(Date.UTC(2035, 0, 4, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    const origin = svc.url.replace("http:", "https:");
    const res = await fetch(`${svc.url}/portal/api/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.80" },
      body: JSON.stringify({ client_id: c.client_id, client_secret: c.client_secret }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
  });
});

describe("one rule for a user id and an email", () => {
  const signLink = (c: { client_id: string; client_secret: string }, claims: Record<string, unknown>) =>
    new SignJWT({ mtd: "connect", cid: c.client_id, email: "ada@example.com", exp: Math.floor(clock.now() / 1000) + 3600, ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(c.client_secret));

  test("a signed link whose cuid holds NUL, or ESC and a newline, is refused like the token endpoint refuses it", async () => {
    clock.set(Date.UTC(2035, 0, 5, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    for (const cuid of ["nul\u0000user", "esc\u001b[31m\nuser"]) {
      expect((await token(sessionBody(c, cuid))).status).toBe(400);
      const res = await fetch(`${svc.url}/invite?token=${encodeURIComponent(await signLink(c, { cuid }))}`);
      expect(res.status).toBe(400);
    }
    expect((await svc.services.users.list(c.client_id, { limit: 10, offset: 0 })).total).toBe(0);
  });

  test("200 emoji are one user id everywhere: token endpoint, invite links and the hosted page", async () => {
    clock.set(Date.UTC(2035, 0, 6, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    const emoji = "\u{1F600}".repeat(200);
    expect((await token(sessionBody(c, emoji))).status).toBe(200);
    const basic = { Authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64")}` };
    const link = await postJson<{ url: string }>(`${svc.url}/v1/connect/invite-links`, { client_user_id: emoji, email: "emoji@example.com" }, basic);
    expect(link.status).toBe(201);
    expect((await fetch(link.body.url)).status).toBe(200);
    expect((await token(sessionBody(c, "\u{1F600}".repeat(256)))).status).toBe(400);
  });

  test("the token endpoint takes the same full email address as invitations", async () => {
    const c = await svc.createClient({ origins: [] });
    expect(errorCodeOf(await token({ ...sessionBody(c, "mail-1"), client_user_email: "x@y" }))).toBe("INVALID_REQUEST");
    expect((await token({ ...sessionBody(c, "mail-2"), client_user_email: "x@y.example" })).status).toBe(200);
  });

  test("a disabled client gets one answer at every entry", async () => {
    const c = await svc.createClient({ origins: [] });
    await svc.store.clients.setDisabled(c.client_id, true);
    const basic = { Authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64")}` };
    const answers = [
      await token(sessionBody(c, "d")),
      await api(svc.url, "GET", "/v1/users", null, undefined, basic),
      await postJson(`${svc.url}/portal/api/sign-in`, { client_id: c.client_id, client_secret: c.client_secret }, { Origin: svc.url, "X-Forwarded-For": "192.0.2.90" }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(403);
      expect(a.body).toStrictEqual({ errorCode: "NOT_AUTHORIZED", message: "Not authorized to perform this action: the client is disabled." });
    }
  });
});

describe("a session closes once", () => {
  test("50 closes of one token queue one connect.session_closed; later closes are answered the same", async () => {
    clock.set(Date.UTC(2035, 0, 7, 0, 0, 0));
    const c = await svc.createClient({ origins: [] });
    await svc.services.webhookEndpoints.set(c.client_id, `${receiver.url}/closes`);
    const session = await svc.sessionToken(c.client_id, c.client_secret, "closer");
    const first = await api(svc.url, "POST", "/v1/connect/session/close", session, { status: "SUCCESS" });
    expect(first.status).toBe(200);
    for (let i = 0; i < 49; i++) {
      const again = await api(svc.url, "POST", "/v1/connect/session/close", session, { status: "CONNECT_UNAVAILABLE" });
      expect(again.status).toBe(200);
      expect(again.body).toStrictEqual(first.body);
    }
    const { deliveries } = await svc.store.webhooks.listDeliveries(c.client_id, 100, 0);
    expect(deliveries.filter((d) => d.eventType === "connect.session_closed")).toHaveLength(1);
  });
});

describe("rotating a client secret", () => {
  async function tokensOf(c: { client_id: string; client_secret: string }, user: string) {
    const session = await svc.sessionToken(c.client_id, c.client_secret, `${user}-s`);
    // A user who has connected gets id and refresh tokens.
    const idUser = await svc.sessionToken(c.client_id, c.client_secret, `${user}-i`);
    await api(svc.url, "POST", "/v1/connect/connections", idUser, { source_id: "5b1daf3f079c652eaf41fd23", username: "demo", password: "demo" });
    const id = await token({ type: "id", client_id: c.client_id, client_secret: c.client_secret, client_user_id: `${user}-i` });
    return { session, id: id.body.id_token as string, refresh: id.body.id_refresh_token as string };
  }
  const works = async (t: { session: string; id: string; refresh: string }, secret: string, clientId: string) => ({
    session: (await api(svc.url, "GET", "/v1/connect/session", t.session)).status,
    id: (await api(svc.url, "GET", "/v1/connect/session", t.id)).status,
    refresh: (await token({ type: "refresh", client_id: clientId, client_secret: secret, id_refresh_token: t.refresh })).status,
  });

  test("without revoking, issued session, id and refresh tokens keep working; with it, none does", async () => {
    clock.set(Date.UTC(2035, 0, 8, 0, 0, 0));
    const c = await svc.createClient({ origins: [], permissions: { clientTokens: true } });
    const before = await tokensOf(c, "keep");
    const kept = await svc.services.clients.rotateSecret(c.client_id);
    expect(await works(before, kept!.client_secret, c.client_id)).toStrictEqual({ session: 200, id: 200, refresh: 200 });

    const revoked = await tokensOf({ client_id: c.client_id, client_secret: kept!.client_secret }, "gone");
    const ip = from("192.0.2.100");
    const signIn = await postJson<{ csrf_token: string }>(`${svc.url}/portal/api/sign-in`, { client_id: c.client_id, client_secret: kept!.client_secret }, { Origin: svc.url, ...ip });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const rotated = await postJson<{ client_secret: string; revoked_tokens: boolean }>(
      `${svc.url}/portal/api/client-secret/rotate`,
      { revoke_tokens: true },
      { Origin: svc.url, Cookie: cookie, "X-CSRF-Token": signIn.body.csrf_token, ...ip },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.revoked_tokens).toBe(true);
    expect(await works(revoked, rotated.body.client_secret, c.client_id)).toStrictEqual({ session: 401, id: 401, refresh: 400 });
    // The Portal session that rotated ended with it.
    expect((await api(svc.url, "GET", "/portal/api/session", null, undefined, { Cookie: cookie })).status).toBe(401);
  });

  test("the CLI's --revoke-tokens revokes in the same way", async () => {
    const { runCli } = await import("../../src/server/cli/run.ts");
    const c = await svc.createClient({ origins: [] });
    const issued = await tokensOf(c, "cli");
    let out = "";
    const code = await runCli(["clients", "rotate-secret", c.client_id, "--revoke-tokens", "--json", "--data-dir", svc.dataDir], {
      stdout: (t) => (out += t),
      stderr: () => {},
      env: {},
    });
    expect(code).toBe(0);
    const creds = JSON.parse(out) as { client_secret: string };
    // The CLI is another process to the service: its change reaches the service's client cache within CLIENT_CACHE_MS.
    clock.advance(CLIENT_CACHE_MS);
    expect(await works(issued, creds.client_secret, c.client_id)).toStrictEqual({ session: 401, id: 401, refresh: 400 });
  });
});
