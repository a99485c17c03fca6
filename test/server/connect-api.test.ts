import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import {
  api,
  CLEVELAND,
  ENTERPRISE_MFA,
  errorCodeOf,
  HOLODECK_OAUTH,
  ROMULAN_UNAVAILABLE,
  STARFLEET,
  VULCAN_SLOW,
} from "./support.ts";

const ORIGIN = "http://localhost:3000";
const clock = new ManualClock(Date.UTC(2032, 0, 1));
let svc: TestService;
let client: { client_id: string; client_secret: string };
let userCounter = 0;

beforeAll(async () => {
  svc = await startTestService({ clock });
  client = await svc.createClient({
    name: "Acme <Health>",
    origins: [ORIGIN, "https://app.acme.example"],
    primaryColor: "#0055ff",
    logoUrl: "https://acme.example/logo.png",
  });
});
afterAll(() => svc.close());

async function newToken(): Promise<string> {
  userCounter += 1;
  return svc.sessionToken(client.client_id, client.client_secret, `api-user-${userCounter}`);
}

const connect = (token: string, source_id: string, username: string, password: string) =>
  api(svc.url, "POST", "/v1/connect/connections", token, { source_id, username, password });

describe("authorisation", () => {
  test("MISSING_SESSION_TOKEN without a token", async () => {
    for (const headers of [{}, { Authorization: "" }, { Authorization: "Bearer " }] as Record<string, string>[]) {
      const res = await fetch(`${svc.url}/v1/connect/session`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ errorCode: "MISSING_SESSION_TOKEN", message: expect.any(String) });
    }
  });

  test("SESSION_TOKEN_INVALID for a malformed or unknown token", async () => {
    for (const auth of ["Bearer nope", "Basic abc", `Bearer ${"A".repeat(43)}`, "Bearer a b c d e f g h i j k l", `Bearer ${"x".repeat(500)}`]) {
      const res = await fetch(`${svc.url}/v1/connect/session`, { headers: { Authorization: auth } });
      expect(res.status, auth.slice(0, 30)).toBe(401);
      expect(((await res.json()) as { errorCode: string }).errorCode).toBe("SESSION_TOKEN_INVALID");
    }
  });

  test("SESSION_TOKEN_EXPIRED after the token's lifetime", async () => {
    const token = await newToken();
    clock.advance(3600_000);
    const r = await api(svc.url, "GET", "/v1/connect/sources?q=a", token);
    expect(r.status).toBe(401);
    expect(errorCodeOf(r)).toBe("SESSION_TOKEN_EXPIRED");
  });

  test("ORIGIN_NOT_ALLOWED when the parent origin is not allowed; allowed origins and no header pass", async () => {
    const token = await newToken();
    const bad = await api(svc.url, "GET", "/v1/connect/session", token, undefined, { "Human-Connect-Parent-Origin": "https://evil.example" });
    expect(bad.status).toBe(403);
    expect(errorCodeOf(bad)).toBe("ORIGIN_NOT_ALLOWED");
    const nullOrigin = await api(svc.url, "GET", "/v1/connect/session", token, undefined, { "Human-Connect-Parent-Origin": "null" });
    expect(errorCodeOf(nullOrigin)).toBe("ORIGIN_NOT_ALLOWED");
    const blocked = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" }, { "Human-Connect-Parent-Origin": "https://evil.example" });
    expect(errorCodeOf(blocked)).toBe("ORIGIN_NOT_ALLOWED");
    for (const origin of [ORIGIN, "https://app.acme.example"]) {
      const ok = await api(svc.url, "GET", "/v1/connect/session", token, undefined, { "Human-Connect-Parent-Origin": origin });
      expect(ok.status).toBe(200);
    }
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.body.connections).toEqual([]);
  });
});

describe("session view", () => {
  test("shows the human, the client's branding, connections and saved UI state", async () => {
    const token = await newToken();
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.status).toBe(200);
    expect(view.headers.get("cache-control")).toBe("no-store");
    expect(view.body).toEqual({
      human_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      token_kind: "session",
      expires_at: new Date(clock.now() + 3600_000).toISOString(),
      client: { name: "Acme <Health>", primary_color: "#0055ff", logo_url: "https://acme.example/logo.png" },
      connections: [],
      connection_health: [],
      ui_state: null,
    });
    const put = await api(svc.url, "PUT", "/v1/connect/ui-state", token, { state: { step: "search", query: "cle", nested: { a: [1, "ü"] } } });
    expect(put.status).toBe(204);
    expect(put.text).toBe("");
    const again = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(again.body.ui_state).toEqual({ step: "search", query: "cle", nested: { a: [1, "ü"] } });
    // a new token for the same user sees the same state
    const second = await svc.sessionToken(client.client_id, client.client_secret, `api-user-${userCounter}`);
    expect((await api(svc.url, "GET", "/v1/connect/session", second)).body.ui_state).toEqual({ step: "search", query: "cle", nested: { a: [1, "ü"] } });
  });
});

describe("catalog", () => {
  test("search finds sources by name, prefix and typo, filters by type and pages", async () => {
    const token = await newToken();
    const exact = await api(svc.url, "GET", "/v1/connect/sources?q=Cleveland%20Clinic", token);
    expect(exact.status).toBe(200);
    const results = exact.body.results as { id: string; name: string }[];
    expect(results[0]).toEqual({ id: CLEVELAND, name: "Cleveland Clinic", type: "hospital", city: "Cleveland", state: "OH", auth: "credentials" });
    expect(exact.body).toMatchObject({ query: "Cleveland Clinic", type: null, page: 1, per_page: 20 });

    const prefix = await api(svc.url, "GET", "/v1/connect/sources?q=starf", token);
    expect((prefix.body.results as { id: string }[]).map((r) => r.id)).toContain(STARFLEET);
    const typo = await api(svc.url, "GET", "/v1/connect/sources?q=starfleat%20pharmacy", token);
    expect((typo.body.results as { id: string }[])[0]?.id).toBe(STARFLEET);

    const pharmacies = await api(svc.url, "GET", "/v1/connect/sources?type=pharmacy&per_page=50", token);
    const list = pharmacies.body.results as { type: string }[];
    expect(list).toHaveLength(50);
    expect(list.every((r) => r.type === "pharmacy")).toBe(true);
    expect(pharmacies.body.total as number).toBeGreaterThan(1000);

    const page1 = await api(svc.url, "GET", "/v1/connect/sources?q=clinic&per_page=5&page=1", token);
    const page2 = await api(svc.url, "GET", "/v1/connect/sources?q=clinic&per_page=5&page=2", token);
    const ids1 = (page1.body.results as { id: string }[]).map((r) => r.id);
    const ids2 = (page2.body.results as { id: string }[]).map((r) => r.id);
    expect(ids1).toHaveLength(5);
    expect(ids2).toHaveLength(5);
    expect(ids1.filter((id) => ids2.includes(id))).toEqual([]);
    expect(page2.body.page).toBe(2);
  });

  test("source detail with description and connected flag; SOURCE_NOT_FOUND otherwise", async () => {
    const token = await newToken();
    const d = await api(svc.url, "GET", `/v1/connect/sources/${STARFLEET}`, token);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ id: STARFLEET, name: "Starfleet Pharmacy", auth: "credentials", connected: false, available: true });
    expect(typeof d.body.description).toBe("string");
    const down = await api(svc.url, "GET", `/v1/connect/sources/${ROMULAN_UNAVAILABLE}`, token);
    expect(down.body).toMatchObject({ id: ROMULAN_UNAVAILABLE, available: false });
    for (const id of ["ffffffffffffffffffffffff", "not-an-id", "5B1DAF3F079C652EAF41FD23"]) {
      const r = await api(svc.url, "GET", `/v1/connect/sources/${id}`, token);
      expect(r.status).toBe(404);
      expect(errorCodeOf(r)).toBe("SOURCE_NOT_FOUND");
    }
  });
});

describe("suggested sources (the first screen)", () => {
  const ids = (list: unknown) => (list as { id: string }[]).map((s) => s.id);

  test("popular sources by rank, in summaries without description", async () => {
    const token = await newToken();
    const r = await api(svc.url, "GET", "/v1/connect/suggested-sources", token);
    expect(r.status).toBe(200);
    expect(r.body.pinned).toEqual([]);
    expect(ids(r.body.popular)).toHaveLength(6);
    expect(ids(r.body.popular).slice(0, 4)).toEqual([STARFLEET, CLEVELAND, HOLODECK_OAUTH, ENTERPRISE_MFA]);
    expect((r.body.popular as object[])[0]).toEqual({ id: STARFLEET, name: "Starfleet Pharmacy", type: "pharmacy", city: "San Francisco", state: "CA", auth: "credentials" });
  });

  test("pinned sources first, in the asked order, once each, unknown and malformed ids left out; popular without them", async () => {
    const token = await newToken();
    const pinned = [HOLODECK_OAUTH, "f".repeat(24), ROMULAN_UNAVAILABLE, "not-an-id", HOLODECK_OAUTH, CLEVELAND];
    const r = await api(svc.url, "GET", `/v1/connect/suggested-sources?pinned=${pinned.join(",")}`, token);
    expect(r.status).toBe(200);
    expect(ids(r.body.pinned)).toEqual([HOLODECK_OAUTH, ROMULAN_UNAVAILABLE, CLEVELAND]);
    expect(ids(r.body.popular)).not.toContain(HOLODECK_OAUTH);
    expect(ids(r.body.popular)).not.toContain(CLEVELAND);
    expect(ids(r.body.popular)[0]).toBe(STARFLEET);
  });

  test("INVALID_REQUEST for more than 20 pinned ids or an id longer than 64 characters; a token is needed", async () => {
    const token = await newToken();
    const many = await api(svc.url, "GET", `/v1/connect/suggested-sources?pinned=${Array(21).fill(STARFLEET).join(",")}`, token);
    expect(many.status).toBe(400);
    expect(errorCodeOf(many)).toBe("INVALID_REQUEST");
    const long = await api(svc.url, "GET", `/v1/connect/suggested-sources?pinned=${"a".repeat(65)}`, token);
    expect(errorCodeOf(long)).toBe("INVALID_REQUEST");
    const anonymous = await api(svc.url, "GET", "/v1/connect/suggested-sources", null);
    expect(anonymous.status).toBe(401);
  });
});

describe("connecting with credentials (sandbox rules)", () => {
  test("demo/demo connects; ALREADY_CONNECTED next time; disconnect; NOT_CONNECTED after", async () => {
    const token = await newToken();
    const r = await connect(token, STARFLEET, "demo", "demo");
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      status: "connected",
      source: { name: "Starfleet Pharmacy", id: STARFLEET },
      connections: [{ name: "Starfleet Pharmacy", id: STARFLEET }],
      repaired: false,
    });
    const second = await connect(token, CLEVELAND, "demo", "demo");
    expect(second.body.connections).toEqual([
      { name: "Starfleet Pharmacy", id: STARFLEET },
      { name: "Cleveland Clinic", id: CLEVELAND },
    ]);
    const again = await connect(token, STARFLEET, "demo", "demo");
    expect(again.status).toBe(409);
    expect(errorCodeOf(again)).toBe("ALREADY_CONNECTED");
    expect((await api(svc.url, "GET", `/v1/connect/sources/${STARFLEET}`, token)).body.connected).toBe(true);

    const del = await api(svc.url, "DELETE", `/v1/connect/connections/${STARFLEET}`, token);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ source: { name: "Starfleet Pharmacy", id: STARFLEET }, connections: [{ name: "Cleveland Clinic", id: CLEVELAND }] });
    const delAgain = await api(svc.url, "DELETE", `/v1/connect/connections/${STARFLEET}`, token);
    expect(delAgain.status).toBe(404);
    expect(errorCodeOf(delAgain)).toBe("NOT_CONNECTED");
    const delUnknown = await api(svc.url, "DELETE", `/v1/connect/connections/ffffffffffffffffffffffff`, token);
    expect(errorCodeOf(delUnknown)).toBe("SOURCE_NOT_FOUND");
  });

  test("demo with another password -> INVALID_CREDENTIALS; other users too; locked -> ACCOUNT_LOCKED", async () => {
    const token = await newToken();
    const wrong = await connect(token, STARFLEET, "demo", "wrong");
    expect(wrong.status).toBe(400);
    expect(errorCodeOf(wrong)).toBe("INVALID_CREDENTIALS");
    expect(errorCodeOf(await connect(token, STARFLEET, "alice", "demo"))).toBe("INVALID_CREDENTIALS");
    const locked = await connect(token, STARFLEET, "locked", "demo");
    expect(locked.status).toBe(403);
    expect(errorCodeOf(locked)).toBe("ACCOUNT_LOCKED");
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
  });

  test("unavailable source -> 503 SOURCE_UNAVAILABLE; oauth source refuses credentials; unknown source", async () => {
    const token = await newToken();
    const down = await connect(token, ROMULAN_UNAVAILABLE, "demo", "demo");
    expect(down.status).toBe(503);
    expect(errorCodeOf(down)).toBe("SOURCE_UNAVAILABLE");
    const oauth = await connect(token, HOLODECK_OAUTH, "demo", "demo");
    expect(oauth.status).toBe(400);
    expect(errorCodeOf(oauth)).toBe("INVALID_REQUEST");
    const missing = await connect(token, "ffffffffffffffffffffffff", "demo", "demo");
    expect(missing.status).toBe(404);
    expect(errorCodeOf(missing)).toBe("SOURCE_NOT_FOUND");
  });

  test("the slow source answers after about 3 s", async () => {
    const token = await newToken();
    const started = performance.now();
    const r = await connect(token, VULCAN_SLOW, "demo", "demo");
    const took = performance.now() - started;
    expect(r.status).toBe(201);
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(6000);
  });
});

describe("MFA", () => {
  test("username mfa asks for a code; 123456 connects; the challenge works once", async () => {
    const token = await newToken();
    const r = await connect(token, STARFLEET, "mfa", "demo");
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("mfa_required");
    const challenge = r.body.challenge as { challenge_id: string; prompt: string; expires_in: number };
    expect(challenge.prompt).toMatch(/code/);
    expect(challenge.expires_in).toBe(300);
    const wrong = await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge.challenge_id, code: "000000" });
    expect(wrong.status).toBe(400);
    expect(errorCodeOf(wrong)).toBe("INVALID_MFA_CODE");
    const ok = await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge.challenge_id, code: "123456" });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ status: "connected", source: { name: "Starfleet Pharmacy", id: STARFLEET }, connections: [{ name: "Starfleet Pharmacy", id: STARFLEET }], repaired: false });
    const replay = await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: challenge.challenge_id, code: "123456" });
    expect(errorCodeOf(replay)).toBe("MFA_CHALLENGE_INVALID");
  });

  test("an MFA source asks demo/demo for a code; wrong password never reaches MFA", async () => {
    const token = await newToken();
    const r = await connect(token, ENTERPRISE_MFA, "demo", "demo");
    expect(r.body.status).toBe("mfa_required");
    expect(errorCodeOf(await connect(token, ENTERPRISE_MFA, "mfa", "nope"))).toBe("INVALID_CREDENTIALS");
  });

  test("MFA_CHALLENGE_EXPIRED after 5 minutes; MFA_CHALLENGE_INVALID for another user's or unknown challenge", async () => {
    const token = await newToken();
    const other = await newToken();
    const r = await connect(token, ENTERPRISE_MFA, "demo", "demo");
    const id = (r.body.challenge as { challenge_id: string }).challenge_id;
    const foreign = await api(svc.url, "POST", "/v1/connect/connections/mfa", other, { challenge_id: id, code: "123456" });
    expect(foreign.status).toBe(400);
    expect(errorCodeOf(foreign)).toBe("MFA_CHALLENGE_INVALID");
    expect(errorCodeOf(await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: "mfa_unknown", code: "123456" }))).toBe("MFA_CHALLENGE_INVALID");
    clock.advance(5 * 60_000);
    const late = await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: id, code: "123456" });
    expect(late.status).toBe(400);
    expect(errorCodeOf(late)).toBe("MFA_CHALLENGE_EXPIRED");
  });

  test("five wrong codes void the challenge", async () => {
    const token = await newToken();
    const r = await connect(token, ENTERPRISE_MFA, "demo", "demo");
    const id = (r.body.challenge as { challenge_id: string }).challenge_id;
    for (let i = 0; i < 5; i++) {
      expect(errorCodeOf(await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: id, code: "111111" }))).toBe("INVALID_MFA_CODE");
    }
    expect(errorCodeOf(await api(svc.url, "POST", "/v1/connect/connections/mfa", token, { challenge_id: id, code: "123456" }))).toBe("MFA_CHALLENGE_INVALID");
  });
});
