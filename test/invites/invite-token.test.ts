import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from "jose";
import {
  INVITE_ERROR_CODES,
  InviteOptionsError,
  MAX_INVITE_TOKEN_LENGTH,
  createInviteLink,
  createInviteToken,
  describeInviteError,
  parseExpiresIn,
  verifyInviteToken,
} from "../../src/server/invites/invite-token.ts";

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;
const CLIENTS: Record<string, string> = {
  client_a: "secret-of-client-a-0123456789abcdef",
  client_b: "secret-of-client-b-fedcba9876543210",
};
const lookupSecret = async (cid: string) => CLIENTS[cid] ?? null;
const verify = (token: unknown, now = NOW) => verifyInviteToken(token, { lookupSecret, now });

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** Builds a compact JWS by hand so that any header and payload can be tried. */
function handMadeToken(header: object, payload: object, secret: string | null): string {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = secret === null ? "" : createHmac("sha256", secret).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}

function goodPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { mtd: "connect", cid: "client_a", cuid: "user-42", email: "ada@example.com", exp: NOW_S + 3600, ...overrides };
}

async function tokenFor(overrides: Record<string, unknown> = {}, secret = CLIENTS.client_a!): Promise<string> {
  return new SignJWT(goodPayload(overrides)).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

describe("createInviteToken", () => {
  it("signs HS256 with exactly the five claims of the seed", async () => {
    const invite = await createInviteToken({
      clientId: "client_a",
      clientSecret: CLIENTS.client_a!,
      clientUserId: "user-42",
      email: "ada@example.com",
      expiresIn: "3d",
      now: NOW,
    });
    expect(decodeProtectedHeader(invite.token)).toEqual({ alg: "HS256", typ: "JWT" });
    const payload = decodeJwt(invite.token);
    expect(Object.keys(payload).sort()).toEqual(["cid", "cuid", "email", "exp", "mtd"]);
    expect(payload).toEqual({ mtd: "connect", cid: "client_a", cuid: "user-42", email: "ada@example.com", exp: NOW_S + 3 * 86400 });
    expect(invite.exp).toBe(NOW_S + 3 * 86400);
    expect(invite.expiresAt).toBe(new Date((NOW_S + 3 * 86400) * 1000).toISOString());
    expect(invite.warning).toBeNull();

    const result = await verify(invite.token);
    expect(result).toEqual({
      ok: true,
      claims: { mtd: "connect", cid: "client_a", cuid: "user-42", email: "ada@example.com", exp: NOW_S + 3 * 86400 },
    });
  });

  it("accepts seconds and h/m/d durations", () => {
    expect(parseExpiresIn(3600)).toBe(3600);
    expect(parseExpiresIn("3600")).toBe(3600);
    expect(parseExpiresIn("30m")).toBe(1800);
    expect(parseExpiresIn("12h")).toBe(43200);
    expect(parseExpiresIn("3d")).toBe(259200);
    expect(parseExpiresIn("30d")).toBe(2592000);
  });

  it("refuses lifetimes that are not positive, not durations, or longer than 30 days", () => {
    for (const bad of [0, -5, 1.5, "31d", "721h", 2592001, "3 weeks", "", "d", "1y"]) {
      expect(() => parseExpiresIn(bad), String(bad)).toThrow(InviteOptionsError);
    }
  });

  it("warns past 7 days and stays silent at 7 days", async () => {
    const base = { clientId: "client_a", clientSecret: CLIENTS.client_a!, clientUserId: "u", email: "a@b.co", now: NOW };
    expect((await createInviteToken({ ...base, expiresIn: "7d" })).warning).toBeNull();
    const long = await createInviteToken({ ...base, expiresIn: "8d" });
    expect(long.warning).toMatch(/8 days/);
    expect(long.warning).toMatch(/7 days or less/);
    await expect(createInviteToken({ ...base, expiresIn: "31d" })).rejects.toThrow(/30 days/);
  });

  it("refuses bad options", async () => {
    const base = { clientId: "client_a", clientSecret: "s", clientUserId: "u", email: "a@b.co", expiresIn: "1h", now: NOW };
    await expect(createInviteToken({ ...base, clientId: "" })).rejects.toThrow(InviteOptionsError);
    await expect(createInviteToken({ ...base, clientSecret: "" })).rejects.toThrow(InviteOptionsError);
    await expect(createInviteToken({ ...base, clientUserId: "" })).rejects.toThrow(InviteOptionsError);
    await expect(createInviteToken({ ...base, clientUserId: "x".repeat(256) })).rejects.toThrow(InviteOptionsError);
    await expect(createInviteToken({ ...base, email: "not-an-email" })).rejects.toThrow(InviteOptionsError);
  });

  it("makes a link under /invite on the base URL", async () => {
    const link = await createInviteLink({
      baseUrl: "https://connect.example.com/",
      clientId: "client_a",
      clientSecret: CLIENTS.client_a!,
      clientUserId: "user-42",
      email: "ada@example.com",
      expiresIn: 600,
      now: NOW,
    });
    const url = new URL(link.url);
    expect(url.origin + url.pathname).toBe("https://connect.example.com/invite");
    expect(url.searchParams.get("token")).toBe(link.token);
    expect((await verify(link.token)).ok).toBe(true);
    await expect(
      createInviteLink({ ...{ clientId: "c", clientSecret: "s", clientUserId: "u", email: "a@b.co", expiresIn: 60 }, baseUrl: "javascript:alert(1)" }),
    ).rejects.toThrow(InviteOptionsError);
  });

  it("lets several links for one user work at once", async () => {
    const base = { clientId: "client_a", clientSecret: CLIENTS.client_a!, clientUserId: "u", email: "a@b.co", now: NOW };
    const first = await createInviteToken({ ...base, expiresIn: "1h" });
    const second = await createInviteToken({ ...base, expiresIn: "2h" });
    expect(first.token).not.toBe(second.token);
    expect((await verify(first.token)).ok).toBe(true);
    expect((await verify(second.token)).ok).toBe(true);
  });
});

describe("verifyInviteToken refuses", () => {
  it("alg none", async () => {
    const token = handMadeToken({ alg: "none", typ: "JWT" }, goodPayload(), null);
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_ALGORITHM_NOT_ALLOWED" });
  });

  it("an HS512 token signed with the right secret", async () => {
    const token = await new SignJWT(goodPayload()).setProtectedHeader({ alg: "HS512" }).sign(new TextEncoder().encode(CLIENTS.client_a!));
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_ALGORITHM_NOT_ALLOWED" });
  });

  it("an RS256 token, and an RS256 header over an HMAC signature", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const rsa = await new SignJWT(goodPayload()).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
    expect(await verify(rsa)).toEqual({ ok: false, code: "INVITE_ALGORITHM_NOT_ALLOWED" });
    const confused = handMadeToken({ alg: "RS256", typ: "JWT" }, goodPayload(), CLIENTS.client_a!);
    expect(await verify(confused)).toEqual({ ok: false, code: "INVITE_ALGORITHM_NOT_ALLOWED" });
  });

  it("a wrong secret", async () => {
    const token = await tokenFor({}, "not-the-secret");
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_SIGNATURE_INVALID" });
  });

  it("another client's cid signed with client A's secret", async () => {
    const token = await tokenFor({ cid: "client_b" }, CLIENTS.client_a!);
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_SIGNATURE_INVALID" });
  });

  it("an unknown client", async () => {
    const token = await tokenFor({ cid: "client_zzz" });
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_UNKNOWN_CLIENT" });
  });

  it("a tampered payload", async () => {
    const token = await tokenFor();
    const [header, , signature] = token.split(".");
    const tampered = `${header}.${b64url(JSON.stringify(goodPayload({ cuid: "admin" })))}.${signature}`;
    expect(await verify(tampered)).toEqual({ ok: false, code: "INVITE_SIGNATURE_INVALID" });
    const flipped = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    expect(await verify(flipped)).toMatchObject({ ok: false });
  });

  it("a missing exp", async () => {
    const { exp: _exp, ...noExp } = goodPayload();
    const token = handMadeToken({ alg: "HS256", typ: "JWT" }, noExp, CLIENTS.client_a!);
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("a non-numeric exp", async () => {
    const token = handMadeToken({ alg: "HS256" }, goodPayload({ exp: String(NOW_S + 60) }), CLIENTS.client_a!);
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("a token expired past the 30 s skew, but not one within it", async () => {
    const token = await tokenFor({ exp: NOW_S - 31 });
    expect(await verify(token)).toEqual({ ok: false, code: "INVITE_EXPIRED" });
    const recent = await tokenFor({ exp: NOW_S - 25 });
    expect((await verify(recent)).ok).toBe(true);
  });

  it("an exp more than 30 days (plus skew) ahead", async () => {
    const tooFar = await tokenFor({ exp: NOW_S + 30 * 86400 + 31 });
    expect(await verify(tooFar)).toEqual({ ok: false, code: "INVITE_EXPIRY_TOO_FAR" });
    const farthest = await tokenFor({ exp: NOW_S + 30 * 86400 });
    expect((await verify(farthest)).ok).toBe(true);
  });

  it("a wrong mtd", async () => {
    expect(await verify(await tokenFor({ mtd: "login" }))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
    const { mtd: _mtd, ...noMtd } = goodPayload();
    expect(await verify(handMadeToken({ alg: "HS256" }, noMtd, CLIENTS.client_a!))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("a missing or bad cuid", async () => {
    const { cuid: _cuid, ...noCuid } = goodPayload();
    expect(await verify(handMadeToken({ alg: "HS256" }, noCuid, CLIENTS.client_a!))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
    expect(await verify(await tokenFor({ cuid: "" }))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
    expect(await verify(await tokenFor({ cuid: 42 }))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
    expect(await verify(await tokenFor({ cuid: "x".repeat(256) }))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("a missing or bad email", async () => {
    const { email: _email, ...noEmail } = goodPayload();
    expect(await verify(handMadeToken({ alg: "HS256" }, noEmail, CLIENTS.client_a!))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
    expect(await verify(await tokenFor({ email: "nobody" }))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("a missing cid", async () => {
    const { cid: _cid, ...noCid } = goodPayload();
    expect(await verify(handMadeToken({ alg: "HS256" }, noCid, CLIENTS.client_a!))).toEqual({ ok: false, code: "INVITE_CLAIMS_INVALID" });
  });

  it("an oversized token before parsing it", async () => {
    const token = await tokenFor({ padding: "x".repeat(MAX_INVITE_TOKEN_LENGTH) });
    expect(token.length).toBeGreaterThan(MAX_INVITE_TOKEN_LENGTH);
    let looked = false;
    const result = await verifyInviteToken(token, { lookupSecret: async () => ((looked = true), CLIENTS.client_a!), now: NOW });
    expect(result).toEqual({ ok: false, code: "INVITE_TOO_LARGE" });
    expect(looked).toBe(false);
  });

  it("garbage", async () => {
    const garbage: unknown[] = [
      "",
      "abc",
      "a.b",
      "a.b.c.d",
      "....",
      "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
      `${b64url("[1,2]")}.${b64url("{}")}.sig`,
      `${b64url(JSON.stringify({ alg: "HS256" }))}.${b64url("[1]")}.sig`,
      "<script>alert(1)</script>",
      "💥.💥.💥",
      null,
      undefined,
      42,
      { token: "x" },
    ];
    for (const value of garbage) {
      const result = await verify(value);
      expect(result.ok, JSON.stringify(value)).toBe(false);
      if (!result.ok) expect(INVITE_ERROR_CODES).toContain(result.code);
    }
  });
});

describe("describeInviteError", () => {
  it("tells an expired link apart and says the same for every other reason", () => {
    expect(describeInviteError("INVITE_EXPIRED").title).toMatch(/expired/);
    const others = INVITE_ERROR_CODES.filter((code) => code !== "INVITE_EXPIRED").map((code) => JSON.stringify(describeInviteError(code)));
    expect(new Set(others).size).toBe(1);
  });
});
