// The hosted page of invite links, `GET /invite?token=`, through the real service: every refused token gets the
// same friendly page and changes nothing; a good link opens Connect for that user with a token kept out of URLs.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { SignJWT, importPKCS8 } from "jose";
import { ManualClock } from "../../src/server/clock.ts";
import { createInviteLink } from "../../src/server/index.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, STARFLEET } from "../server/support.ts";

const clock = new ManualClock(Date.UTC(2031, 5, 1, 12));
const nowS = () => Math.floor(clock.now() / 1000);
let svc: TestService;
let a: { client_id: string; client_secret: string };
let b: { client_id: string; client_secret: string };

beforeAll(async () => {
  // No delivery from this process: the outbox rows stay for the tests to read.
  svc = await startTestService({ clock, catalogSize: 2000, webhooks: false });
  a = await svc.createClient({ name: "Acme Health", origins: ["http://localhost:3000"] });
  b = await svc.createClient({ name: "Other Co", origins: ["http://localhost:4000"] });
});
afterAll(() => svc.close());

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");
function handMade(header: object, payload: object, secret: string | null): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${secret === null ? "" : createHmac("sha256", secret).update(input).digest("base64url")}`;
}
const claims = (o: Record<string, unknown> = {}) => ({ mtd: "connect", cid: a.client_id, cuid: "u-1", email: "ada@example.com", exp: nowS() + 3600, ...o });
const sign = (payload: Record<string, unknown>, secret = a.client_secret, alg = "HS256") =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: "JWT" }).sign(new TextEncoder().encode(secret));

async function openInvite(token: string) {
  const res = await fetch(`${svc.url}/invite?token=${encodeURIComponent(token)}`, { redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Everything a refused link could have changed. */
async function snapshot() {
  const humans = await Promise.all([a, b].map((c) => svc.services.users.list(c.client_id, { limit: 1000, offset: 0 })));
  const outbox = await Promise.all([a, b].map((c) => svc.store.webhooks.listDeliveries(c.client_id, 1, 0)));
  return { humans, tokens: await svc.store.tokens.count(), outbox: outbox.map((o) => o.total) };
}

function tokenOfPage(text: string): string {
  const m = /<script type="application\/json" id="invite-data">(.*?)<\/script>/s.exec(text);
  if (!m) throw new Error("no invite data in the page");
  return (JSON.parse(m[1]!) as { token: string }).token;
}

describe("refused links", () => {
  const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cases: [string, () => Promise<string>, "invalid" | "expired"][] = [
    ["alg none", async () => handMade({ alg: "none", typ: "JWT" }, claims(), null), "invalid"],
    ["HS512 header", async () => sign(claims(), a.client_secret, "HS512"), "invalid"],
    ["RS256", async () => new SignJWT(claims()).setProtectedHeader({ alg: "RS256" }).sign(await importPKCS8(rsaKey, "RS256")), "invalid"],
    ["wrong secret", async () => sign(claims(), "not-the-secret-of-anyone-0123456789"), "invalid"],
    ["another client's cid", async () => sign(claims({ cid: b.client_id }), a.client_secret), "invalid"],
    ["unknown cid", async () => sign(claims({ cid: "f".repeat(40) }), a.client_secret), "invalid"],
    [
      "tampered payload",
      async () => {
        const [h, , s] = (await sign(claims())).split(".");
        return `${h}.${b64url(JSON.stringify(claims({ cuid: "someone-else" })))}.${s}`;
      },
      "invalid",
    ],
    ["missing exp", async () => sign({ mtd: "connect", cid: a.client_id, cuid: "u-1", email: "ada@example.com" }), "invalid"],
    ["expired past the skew", async () => sign(claims({ exp: nowS() - 31 })), "expired"],
    ["exp too far ahead", async () => sign(claims({ exp: nowS() + 31 * 86400 })), "invalid"],
    ["wrong mtd", async () => sign(claims({ mtd: "login" })), "invalid"],
    ["missing cuid", async () => sign({ mtd: "connect", cid: a.client_id, email: "ada@example.com", exp: nowS() + 60 }), "invalid"],
    ["missing email", async () => sign({ mtd: "connect", cid: a.client_id, cuid: "u-1", exp: nowS() + 60 }), "invalid"],
    ["oversized token", async () => (await sign(claims())) + "A".repeat(5000), "invalid"],
    ["garbage", async () => "not a jwt <script>alert(1)</script>", "invalid"],
    ["empty", async () => "", "invalid"],
  ];

  test.each(cases)("%s -> the friendly error page, nothing changed", async (_name, make, kind) => {
    const before = await snapshot();
    const page = await openInvite(await make());
    expect(page.status).toBe(kind === "expired" ? 410 : 400);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.text).toContain(kind === "expired" ? "This link has expired" : "This link is not valid");
    // Nothing about the reason, the client or the user.
    expect(page.text).not.toMatch(/INVITE_|signature|algorithm|Acme|Other Co|u-1|ada@|<script/i);
    expect(await snapshot()).toStrictEqual(before);
  });

  test("no token at all -> the same page", async () => {
    const res = await fetch(`${svc.url}/invite`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This link is not valid");
  });
});

describe("a good link", () => {
  test("creates the user and serves the hosted page with the token only in its script data", async () => {
    const link = await createInviteLink({
      clientId: a.client_id,
      clientSecret: a.client_secret,
      clientUserId: "hosted-1",
      email: "grace@example.com",
      expiresIn: "3d",
      baseUrl: svc.url,
      now: clock.now(),
    });
    const page = await openInvite(new URL(link.url).searchParams.get("token")!);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const csp = page.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.text).toContain(`<script src="/connect.js" nonce="${nonce}"></script>`);
    const token = tokenOfPage(page.text);
    // The token is in no URL of the page.
    expect(page.text.match(/(src|href)="[^"]*"/g)?.join(" ") ?? "").not.toContain(token);

    const human = await svc.store.humans.find(a.client_id, "hosted-1");
    expect(human?.email).toBe("grace@example.com");
    // Fetching the page is not launching Connect.
    expect(human?.engagedAt).toBeNull();

    // The service's own origin is an allowed parent for the hosted page; another origin is not.
    const own = await api(svc.url, "GET", "/v1/connect/session", token, undefined, { "Human-Connect-Parent-Origin": new URL(svc.url).origin });
    expect(own.status).toBe(200);
    expect((own.body as { token_kind: string }).token_kind).toBe("session");
    const foreign = await api(svc.url, "GET", "/v1/connect/session", token, undefined, { "Human-Connect-Parent-Origin": "https://evil.example" });
    expect(foreign.status).toBe(403);
  });

  test("fetching the link alone (a mail scanner, a link preview) leaves the user invited; launching Connect engages", async () => {
    const c = await svc.createClient({ name: "Scanned Co", origins: ["http://localhost:5000"] });
    await svc.services.webhookEndpoints.set(c.client_id, "https://hooks.example/in");
    const link = await api<{ url: string }>(svc.url, "POST", "/v1/connect/invite-links", null, { client_user_id: "scanned", email: "scan@example.com", expires_in: "2d" }, {
      Authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64")}`,
    });
    expect(link.status).toBe(201);
    const engagedEvents = async () =>
      (await svc.store.webhooks.listDeliveries(c.client_id, 100, 0)).deliveries
        .filter((d) => d.eventType === "user.engaged")
        .map((d) => JSON.parse(d.body) as { data: { client_user_id: string; via: string } });
    const status = async () => {
      const { users } = await svc.services.users.list(c.client_id, { limit: 10, offset: 0 });
      return users.find((u) => u.clientUserId === "scanned");
    };

    // A scanner fetches the link twice: a token is issued each time, nobody is engaged.
    clock.advance(1000);
    const scanned = tokenOfPage((await openInvite(new URL(link.body.url).searchParams.get("token")!)).text);
    tokenOfPage((await openInvite(new URL(link.body.url).searchParams.get("token")!)).text);
    expect(await status()).toMatchObject({ status: "invited", engagedAt: null });
    expect(await engagedEvents()).toStrictEqual([]);

    // Connect loads its session with the link's token: Engaged, via the invite link, with one event.
    clock.advance(1000);
    const view = await api(svc.url, "GET", "/v1/connect/session", scanned, undefined, { "Human-Connect-Parent-Origin": new URL(svc.url).origin });
    expect(view.status).toBe(200);
    const engagedAt = clock.now();
    expect(await status()).toMatchObject({ status: "engaged", engagedAt });
    expect((await engagedEvents()).map((e) => e.data)).toMatchObject([{ client_user_id: "scanned", via: "invite_link" }]);

    // Launching again (another link, or embedded Connect) keeps the first time and queues nothing more.
    clock.advance(1000);
    expect((await api(svc.url, "GET", "/v1/connect/session", scanned)).status).toBe(200);
    const embedded = await svc.sessionToken(c.client_id, c.client_secret, "scanned", "scan@example.com");
    expect((await api(svc.url, "GET", "/v1/connect/session", embedded)).status).toBe(200);
    expect(await status()).toMatchObject({ status: "engaged", engagedAt });
    expect(await engagedEvents()).toHaveLength(1);
  });

  test("embedded Connect engages the user via connect", async () => {
    const c = await svc.createClient({ name: "Embedded Co", origins: ["http://localhost:5001"] });
    await svc.services.webhookEndpoints.set(c.client_id, "https://hooks.example/in");
    const token = await svc.sessionToken(c.client_id, c.client_secret, "embedded-1");
    expect((await svc.store.humans.find(c.client_id, "embedded-1"))?.engagedAt).toBeNull();
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
    expect((await svc.store.humans.find(c.client_id, "embedded-1"))?.engagedAt).toBe(clock.now());
    const rows = (await svc.store.webhooks.listDeliveries(c.client_id, 100, 0)).deliveries.filter((d) => d.eventType === "user.engaged");
    expect(rows.map((r) => (JSON.parse(r.body) as { data: unknown }).data)).toMatchObject([{ client_user_id: "embedded-1", via: "connect" }]);
  });

  test("a HEAD request (link checkers) neither engages the user nor issues a token", async () => {
    const token = await sign(claims({ cuid: "head-user" }));
    const before = await snapshot();
    const res = await fetch(`${svc.url}/invite?token=${encodeURIComponent(token)}`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await snapshot()).toStrictEqual(before);
  });

  test("a link 20 s past exp still opens (30 s skew)", async () => {
    const page = await openInvite(await sign(claims({ cuid: "skew-user", exp: nowS() - 20 })));
    expect(page.status).toBe(200);
  });

  test("several links work at once, a link stays usable after connecting (id token), rotation invalidates all", async () => {
    const first = await sign(claims({ cuid: "multi", exp: nowS() + 3600 }));
    const second = await sign(claims({ cuid: "multi", exp: nowS() + 7200 }));
    const t1 = tokenOfPage((await openInvite(first)).text);
    expect((await openInvite(second)).status).toBe(200);
    const connected = await api(svc.url, "POST", "/v1/connect/connections", t1, { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(connected.status).toBe(201);

    const again = await openInvite(first);
    expect(again.status).toBe(200);
    const view = await api(svc.url, "GET", "/v1/connect/session", tokenOfPage(again.text));
    expect(view.body).toMatchObject({ token_kind: "id", connections: [{ name: "Starfleet Pharmacy", id: STARFLEET }] });

    await svc.services.clients.rotateSecret(a.client_id);
    const before = await snapshot();
    for (const link of [first, second]) {
      const refused = await openInvite(link);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain("This link is not valid");
    }
    expect(await snapshot()).toStrictEqual(before);
  });
});
