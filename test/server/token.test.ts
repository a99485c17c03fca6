import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf, postJson, STARFLEET } from "./support.ts";

let svc: TestService;
let tokenUrl: string;
let client: { client_id: string; client_secret: string };
const clock = new ManualClock(Date.UTC(2031, 5, 1));

beforeAll(async () => {
  svc = await startTestService({ clock, catalogSize: 2000 });
  tokenUrl = `${svc.url}/v1/connect/token`;
  client = await svc.createClient({ name: "Acme", origins: ["http://localhost:3000"] });
});
afterAll(() => svc.close());

function sessionBody(clientUserId: string, extra: Record<string, unknown> = {}) {
  return {
    type: "session",
    client_id: client.client_id,
    client_secret: client.client_secret,
    client_user_id: clientUserId,
    client_user_email: "someone@example.com",
    ...extra,
  };
}

async function connectStarfleet(sessionToken: string) {
  const r = await api(svc.url, "POST", "/v1/connect/connections", sessionToken, {
    source_id: STARFLEET,
    username: "demo",
    password: "demo",
  });
  expect(r.status).toBe(201);
}

describe("type session", () => {
  test("returns a session token, a 32-hex human_id and expires_in 3600, with no CORS headers", async () => {
    const r = await postJson(tokenUrl, sessionBody("user-1"), { Origin: "https://evil.example" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["expires_in", "human_id", "session_token"]);
    expect(r.body.expires_in).toBe(3600);
    expect(r.body.human_id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof r.body.session_token).toBe("string");
    // >= 128 bits of randomness as base64url
    expect((r.body.session_token as string).length).toBeGreaterThanOrEqual(22);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  test("the same client_user_id keeps its human_id and gets a new token each time", async () => {
    const a = await postJson(tokenUrl, sessionBody("user-2"));
    const b = await postJson(tokenUrl, sessionBody("user-2"));
    expect(a.body.human_id).toBe(b.body.human_id);
    expect(a.body.session_token).not.toBe(b.body.session_token);
    const other = await postJson(tokenUrl, sessionBody("user-3"));
    expect(other.body.human_id).not.toBe(a.body.human_id);
  });

  test("a preflight gets no CORS permission", async () => {
    const res = await fetch(tokenUrl, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-methods")).toBeNull();
  });

  test("accepts a form-encoded body", async () => {
    const form = new URLSearchParams(sessionBody("form-user") as Record<string, string>);
    const res = await fetch(tokenUrl, { method: "POST", body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.human_id).toMatch(/^[0-9a-f]{32}$/);
  });

  test("a session token authorises the Connect API until it expires after 3600 s", async () => {
    const r = await postJson(tokenUrl, sessionBody("expiring"));
    const token = r.body.session_token as string;
    const ok = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(ok.status).toBe(200);
    expect(ok.body.token_kind).toBe("session");
    expect(ok.body.human_id).toBe(r.body.human_id);
    clock.advance(3599_000);
    expect((await api(svc.url, "GET", "/v1/connect/session", token)).status).toBe(200);
    clock.advance(1_000);
    const expired = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(expired.status).toBe(401);
    expect(errorCodeOf(expired)).toBe("SESSION_TOKEN_EXPIRED");
  });

  test("once the user connected a source: 403 SESSION_TOKEN_GENERATION_NOT_ALLOWED", async () => {
    const r = await postJson(tokenUrl, sessionBody("connected-user"));
    await connectStarfleet(r.body.session_token as string);
    const again = await postJson(tokenUrl, sessionBody("connected-user"));
    expect(again.status).toBe(403);
    expect(again.body).toEqual({ errorCode: "SESSION_TOKEN_GENERATION_NOT_ALLOWED", message: expect.any(String) });
  });

  test("the session window stays closed after the user disconnects everything; id tokens keep working", async () => {
    const r = await postJson(tokenUrl, sessionBody("left-user"));
    const token = r.body.session_token as string;
    await connectStarfleet(token);
    const gone = await api(svc.url, "DELETE", "/v1/connect/connections/5b1daf3f079c652eaf41fd23", token);
    expect(gone.status).toBe(200);
    expect(gone.body.connections).toEqual([]);
    const again = await postJson(tokenUrl, sessionBody("left-user"));
    expect(again.status).toBe(403);
    expect(again.body.errorCode).toBe("SESSION_TOKEN_GENERATION_NOT_ALLOWED");
    const { client_user_email: _email, ...idBody } = sessionBody("left-user");
    const id = await postJson(tokenUrl, { ...idBody, type: "id" });
    expect(id.status).toBe(200);
    expect(id.body.token_type).toBe("Bearer");
  });
});

describe("type id and refresh", () => {
  let humanId: string;

  beforeAll(async () => {
    const r = await postJson(tokenUrl, sessionBody("returning"));
    humanId = r.body.human_id as string;
    await connectStarfleet(r.body.session_token as string);
  });

  const idBody = (clientUserId: string) => ({
    type: "id",
    client_id: client.client_id,
    client_secret: client.client_secret,
    client_user_id: clientUserId,
  });

  test("returns token_type, id_token, id_refresh_token and id_token_expires_in 86400 (no email needed)", async () => {
    const r = await postJson(tokenUrl, idBody("returning"));
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["id_refresh_token", "id_token", "id_token_expires_in", "token_type"]);
    expect(r.body.token_type).toBe("Bearer");
    expect(r.body.id_token_expires_in).toBe(86400);
    expect(r.body.id_refresh_token).toMatch(/^idrt-/);
    const view = await api(svc.url, "GET", "/v1/connect/session", r.body.id_token as string);
    expect(view.status).toBe(200);
    expect(view.body.token_kind).toBe("id");
    expect(view.body.human_id).toBe(humanId);
    expect(view.body.connections).toEqual([{ name: "Starfleet Pharmacy", id: STARFLEET }]);
  });

  test("an id token expires after 86400 s", async () => {
    const r = await postJson(tokenUrl, idBody("returning"));
    clock.advance(86_399_000);
    expect((await api(svc.url, "GET", "/v1/connect/session", r.body.id_token as string)).status).toBe(200);
    clock.advance(1_000);
    const expired = await api(svc.url, "GET", "/v1/connect/session", r.body.id_token as string);
    expect(errorCodeOf(expired)).toBe("SESSION_TOKEN_EXPIRED");
  });

  test("UNKNOWN_CLIENT_USER_ID for an unknown user and for one without connections", async () => {
    const unknown = await postJson(tokenUrl, idBody("nobody-ever"));
    expect(unknown.status).toBe(404);
    expect(errorCodeOf(unknown)).toBe("UNKNOWN_CLIENT_USER_ID");
    await postJson(tokenUrl, sessionBody("never-connected"));
    const unconnected = await postJson(tokenUrl, idBody("never-connected"));
    expect(errorCodeOf(unconnected)).toBe("UNKNOWN_CLIENT_USER_ID");
  });

  test("a refresh token gives a new id token once, and is rotated", async () => {
    const first = await postJson(tokenUrl, idBody("returning"));
    const refreshBody = (t: unknown) => ({
      type: "refresh",
      client_id: client.client_id,
      client_secret: client.client_secret,
      id_refresh_token: t,
    });
    const refreshed = await postJson(tokenUrl, refreshBody(first.body.id_refresh_token));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.id_token).not.toBe(first.body.id_token);
    expect(refreshed.body.id_refresh_token).not.toBe(first.body.id_refresh_token);
    expect((await api(svc.url, "GET", "/v1/connect/session", refreshed.body.id_token as string)).body.human_id).toBe(humanId);

    const replay = await postJson(tokenUrl, refreshBody(first.body.id_refresh_token));
    expect(replay.status).toBe(400);
    expect(errorCodeOf(replay)).toBe("INVALID_REFRESH_TOKEN");
    // an id token is not a refresh token
    expect(errorCodeOf(await postJson(tokenUrl, refreshBody(refreshed.body.id_token)))).toBe("INVALID_REFRESH_TOKEN");
    // another client cannot use it
    const other = await svc.createClient({ origins: [] });
    const stolen = await postJson(tokenUrl, { ...refreshBody(refreshed.body.id_refresh_token), client_id: other.client_id, client_secret: other.client_secret });
    expect(errorCodeOf(stolen)).toBe("INVALID_REFRESH_TOKEN");
    // ...and the rightful client still can
    expect((await postJson(tokenUrl, refreshBody(refreshed.body.id_refresh_token))).status).toBe(200);
  });

  test("ID_TOKEN_GENERATION_NOT_ALLOWED for a client without id-token permission", async () => {
    const noId = await svc.createClient({ origins: [], permissions: { idTokens: false } });
    const r = await postJson(tokenUrl, { ...idBody("returning"), client_id: noId.client_id, client_secret: noId.client_secret });
    expect(r.status).toBe(403);
    expect(errorCodeOf(r)).toBe("ID_TOKEN_GENERATION_NOT_ALLOWED");
  });
});

describe("type client", () => {
  test("CLIENT_TOKEN_GENERATION_NOT_ALLOWED without the permission", async () => {
    const r = await postJson(tokenUrl, { type: "client", client_id: client.client_id, client_secret: client.client_secret });
    expect(r.status).toBe(403);
    expect(errorCodeOf(r)).toBe("CLIENT_TOKEN_GENERATION_NOT_ALLOWED");
  });

  test("with the permission returns a client token that is not a session token", async () => {
    const c = await svc.createClient({ origins: [], permissions: { clientTokens: true } });
    const r = await postJson(tokenUrl, { type: "client", client_id: c.client_id, client_secret: c.client_secret });
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe("Bearer");
    expect(r.body.expires_in).toBe(3600);
    expect(typeof r.body.client_token).toBe("string");
    const asSession = await api(svc.url, "GET", "/v1/connect/session", r.body.client_token as string);
    expect(errorCodeOf(asSession)).toBe("SESSION_TOKEN_INVALID");
  });
});

describe("errors of the seed's table", () => {
  test("INVALID_TOKEN_TYPE for an unknown, missing or non-string type", async () => {
    for (const type of ["bogus", undefined, 42, null, ["session"]]) {
      const r = await postJson(tokenUrl, sessionBody("x", { type }));
      expect(r.status).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_TOKEN_TYPE");
    }
  });

  test("INVALID_CLIENT_ID for an unknown client_id", async () => {
    const r = await postJson(tokenUrl, sessionBody("x", { client_id: "0".repeat(40) }));
    expect(r.status).toBe(401);
    expect(errorCodeOf(r)).toBe("INVALID_CLIENT_ID");
  });

  test("INVALID_CLIENT_ID_OR_SECRET for a wrong secret, and nothing is stored", async () => {
    const before = await svc.store.humans.count();
    const r = await postJson(tokenUrl, sessionBody("wrong-secret-user", { client_secret: client.client_secret + "x" }));
    expect(r.status).toBe(401);
    expect(errorCodeOf(r)).toBe("INVALID_CLIENT_ID_OR_SECRET");
    expect(await svc.store.humans.count()).toBe(before);
    expect(await svc.store.humans.find(client.client_id, "wrong-secret-user")).toBeUndefined();
  });

  test("NOT_AUTHORIZED for a disabled client, on the token endpoint and the Connect API", async () => {
    const c = await svc.createClient({ origins: [] });
    const token = await svc.sessionToken(c.client_id, c.client_secret, "soon-disabled");
    await svc.services.clients.setDisabled(c.client_id, true);
    const r = await postJson(tokenUrl, sessionBody("d", { client_id: c.client_id, client_secret: c.client_secret }));
    expect(r.status).toBe(403);
    expect(errorCodeOf(r)).toBe("NOT_AUTHORIZED");
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.status).toBe(403);
    expect(errorCodeOf(view)).toBe("NOT_AUTHORIZED");
  });
});
