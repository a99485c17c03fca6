// The Portal's API through the real service: sign-in with an http-only SameSite=Strict cookie, CSRF refusals
// (missing or wrong token, another origin), rate-limited sign-in, and template editing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";

let svc: TestService;
let client: { client_id: string; client_secret: string };
let origin: string;

beforeAll(async () => {
  svc = await startTestService({
    catalogSize: 2000,
    rateLimits: { windowMs: 60_000, tokenPerIp: 600, tokenPerClient: 1200, connectPerHuman: 30, portalSignInPerIp: 100 },
  });
  client = await svc.createClient({ name: "Portal Co", origins: ["http://localhost:3000"] });
  origin = new URL(svc.url).origin;
});
afterAll(() => svc.close());

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(secret = client.client_secret, headers: Record<string, string> = { Origin: origin }) {
  const res = await fetch(`${svc.url}/portal/api/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ client_id: client.client_id, client_secret: secret }),
  });
  return { res, body: (await res.json()) as { csrf_token?: string; errorCode?: string; client?: { name: string } } };
}

async function session(): Promise<Session> {
  const { res, body } = await signIn();
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  return { cookie, csrf: body.csrf_token! };
}

async function portal(s: Session | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${svc.url}/portal/api${path}`, {
    method,
    headers: {
      ...(s ? { Cookie: s.cookie } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const change = (s: Session) => ({ Origin: origin, "X-CSRF-Token": s.csrf });

describe("sign-in", () => {
  test("the right credentials set an http-only, SameSite=Strict cookie scoped to /portal; the session is stored hashed", async () => {
    const { res, body } = await signIn();
    expect(res.status).toBe(200);
    expect(body.client?.name).toBe("Portal Co");
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^hc_portal=[A-Za-z0-9_-]{40,}/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/portal/);
    expect(setCookie).not.toMatch(/Secure/i); // plain http in tests; https gets Secure
    const value = setCookie.split(";")[0]!.split("=")[1]!;
    // Stored only hashed: the cookie value itself is no key of the store, yet it opens the session.
    expect(await svc.store.portalSessions.get(value)).toBeUndefined();
    expect(await svc.services.portalSessions.get(value)).toMatchObject({ clientId: client.client_id });
  });

  test("a wrong secret, a cross-origin or origin-less sign-in are refused and start no session", async () => {
    const wrong = await signIn("wrong-secret");
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get("set-cookie")).toBeNull();
    expect((await signIn(client.client_secret, { Origin: "https://evil.example" })).body.errorCode).toBe("CSRF_ORIGIN_MISMATCH");
    expect((await signIn(client.client_secret, {})).body.errorCode).toBe("CSRF_ORIGIN_MISMATCH");
    for (const attempt of [wrong]) expect(attempt.res.headers.get("set-cookie")).toBeNull();
  });

  test("without a session every Portal call is 401", async () => {
    expect((await portal(null, "GET", "/users")).status).toBe(401);
    expect((await portal({ cookie: "hc_portal=" + "a".repeat(43), csrf: "x" }, "GET", "/users")).status).toBe(401);
  });
});

describe("CSRF", () => {
  test("a state-changing request needs the session's token in X-CSRF-Token and this origin", async () => {
    const s = await session();
    const tpl = { subject: "Hello", html: '<a href="{{sign_in_url}}">Start</a>' };
    const missing = await portal(s, "PUT", "/email-templates/csrf-test", tpl, { Origin: origin });
    expect(missing).toMatchObject({ status: 403, body: { errorCode: "CSRF_TOKEN_INVALID" } });
    const wrong = await portal(s, "PUT", "/email-templates/csrf-test", tpl, { Origin: origin, "X-CSRF-Token": "x".repeat(32) });
    expect(wrong).toMatchObject({ status: 403, body: { errorCode: "CSRF_TOKEN_INVALID" } });
    const other = await session();
    const othersToken = await portal(s, "PUT", "/email-templates/csrf-test", tpl, { Origin: origin, "X-CSRF-Token": other.csrf });
    expect(othersToken.status).toBe(403);
    const crossOrigin = await portal(s, "PUT", "/email-templates/csrf-test", tpl, { Origin: "https://evil.example", "X-CSRF-Token": s.csrf });
    expect(crossOrigin).toMatchObject({ status: 403, body: { errorCode: "CSRF_ORIGIN_MISMATCH" } });
    const noOrigin = await portal(s, "PUT", "/email-templates/csrf-test", tpl, { "X-CSRF-Token": s.csrf });
    expect(noOrigin.status).toBe(403);
    expect(await svc.store.templates.get(client.client_id, "csrf-test")).toBeUndefined();

    const ok = await portal(s, "PUT", "/email-templates/csrf-test", tpl, change(s));
    expect(ok.status).toBe(200);
  });

  test("sign-out ends the session", async () => {
    const s = await session();
    expect((await portal(s, "POST", "/sign-out", undefined, change(s))).status).toBe(204);
    expect((await portal(s, "GET", "/session")).status).toBe(401);
  });
});

describe("screens' calls", () => {
  test("template editing: read the built-in default, save a custom one, reset it", async () => {
    const s = await session();
    const def = await portal(s, "GET", "/email-templates/default");
    expect(def.body).toMatchObject({ alias: "default", built_in: true });
    const saved = await portal(s, "PUT", "/email-templates/default", { subject: "Join {{client_name}}", html: "<p>{{sign_in_url}}</p>", text: "" }, change(s));
    expect(saved.body).toMatchObject({ alias: "default", subject: "Join {{client_name}}", text: null, built_in: false });
    const refused = await portal(s, "PUT", "/email-templates/default", { subject: "Join", html: "<p>{{ bad name }}</p>" }, change(s));
    expect(refused.status).toBe(400);
    expect((await portal(s, "GET", "/email-templates/default")).body).toMatchObject({ subject: "Join {{client_name}}" });
    expect((await portal(s, "DELETE", "/email-templates/default", undefined, change(s))).status).toBe(204);
    expect((await portal(s, "GET", "/email-templates/default")).body).toMatchObject({ built_in: true });
  });

  test("invite link, users, webhook endpoint and deliveries", async () => {
    const s = await session();
    const link = await portal(s, "POST", "/connect/invite-links", { client_user_id: "portal-user", email: "pu@example.com", expires_in: "1d" }, change(s));
    expect(link.status).toBe(201);
    const users = await portal(s, "GET", "/users?status=invited");
    expect((users.body!.users as { client_user_id: string }[]).map((u) => u.client_user_id)).toContain("portal-user");
    const hook = await portal(s, "PUT", "/webhook-endpoint", { url: "https://hooks.example/portal" }, change(s));
    expect(hook.body).toMatchObject({ enabled: true, secret: expect.stringMatching(/^whsec_/) });
    const deliveries = await portal(s, "GET", "/webhook-deliveries");
    expect(deliveries.body).toMatchObject({ total: 0, deliveries: [] });
  });

  test("the Portal page is served with a strict CSP", async () => {
    const res = await fetch(`${svc.url}/portal`);
    // The page exists once built; either way it is never framed.
    if (res.status === 200) {
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(await res.text()).toContain('id="portal"');
    } else {
      expect(res.status).toBe(503);
    }
  });
});

test("sign-in attempts are rate limited per IP", async () => {
  const limitedSvc = await startTestService({
    catalogSize: 2000,
    rateLimits: { windowMs: 60_000, tokenPerIp: 600, tokenPerClient: 1200, connectPerHuman: 30, portalSignInPerIp: 5 },
  });
  try {
    const c = await limitedSvc.createClient({ name: "Limited", origins: ["http://localhost:3000"] });
    const attempt = (secret: string) =>
      fetch(`${limitedSvc.url}/portal/api/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: new URL(limitedSvc.url).origin },
        body: JSON.stringify({ client_id: c.client_id, client_secret: secret }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt("wrong-secret")).status).toBe(401);
    const limited = await attempt("wrong-secret");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even the right secret is refused for the rest of the window.
    expect((await attempt(c.client_secret)).status).toBe(429);
  } finally {
    await limitedSvc.close();
  }
});
