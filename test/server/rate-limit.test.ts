import { afterAll, beforeAll, expect, test } from "vitest";
import { ManualClock } from "../../src/server/clock.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf, postJson, STARFLEET } from "./support.ts";

const clock = new ManualClock(Date.UTC(2034, 0, 1, 0, 0, 0));
let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ clock, catalogSize: 2000, rateLimits: { windowMs: 60_000, tokenPerIp: 8, tokenPerClient: 5, connectPerHuman: 3, credentialFailuresPerIp: 8 } });
});
afterAll(() => svc.close());

const body = (c: { client_id: string; client_secret: string }, user: string) => ({
  type: "session",
  client_id: c.client_id,
  client_secret: c.client_secret,
  client_user_id: user,
  client_user_email: "r@example.com",
});

test("per client: 429 RATE_LIMITED with Retry-After, nothing stored, and room again as the window slides", async () => {
  clock.set(Date.UTC(2034, 0, 1, 0, 0, 0));
  const a = await svc.createClient({ origins: [] });
  for (let i = 0; i < 5; i++) expect((await postJson(`${svc.url}/v1/connect/token`, body(a, `u${i}`))).status).toBe(200);
  clock.advance(15_000);
  const humans = await svc.store.humans.count();
  const limited = await postJson(`${svc.url}/v1/connect/token`, body(a, "one-too-many"));
  expect(limited.status).toBe(429);
  expect(errorCodeOf(limited)).toBe("RATE_LIMITED");
  // The window slides: the five hits of this window fade through the next one, so room comes back just after it starts.
  expect(limited.headers.get("retry-after")).toBe("46");
  expect(await svc.store.humans.count()).toBe(humans);
  // A wrong secret proves nothing, so it neither spends nor meets the client's budget: it is simply refused.
  expect(errorCodeOf(await postJson(`${svc.url}/v1/connect/token`, { ...body(a, "x"), client_secret: "guess" }))).toBe("INVALID_CLIENT_ID_OR_SECRET");
  clock.advance(45_000);
  expect((await postJson(`${svc.url}/v1/connect/token`, body(a, "window-start"))).status).toBe(429);
  clock.advance(1);
  expect((await postJson(`${svc.url}/v1/connect/token`, body(a, "next-window"))).status).toBe(200);
});

test("per IP: unknown client ids and wrong secrets count against the caller's address", async () => {
  clock.set(Date.UTC(2034, 0, 2, 0, 0, 0));
  for (let i = 0; i < 8; i++) {
    const r = await postJson(`${svc.url}/v1/connect/token`, body({ client_id: `unknown${i}`, client_secret: "s" }, "u"));
    expect(errorCodeOf(r)).toBe("INVALID_CLIENT_ID");
  }
  const b = await svc.createClient({ origins: [] });
  const limited = await postJson(`${svc.url}/v1/connect/token`, body(b, "u"));
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
});

test("per human: connect attempts (password guessing) are limited", async () => {
  clock.set(Date.UTC(2034, 0, 3, 0, 0, 0));
  const c = await svc.createClient({ origins: [] });
  const token = await svc.sessionToken(c.client_id, c.client_secret, "guesser");
  for (let i = 0; i < 3; i++) {
    const r = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: `guess${i}` });
    expect(errorCodeOf(r)).toBe("INVALID_CREDENTIALS");
  }
  const limited = await api(svc.url, "POST", "/v1/connect/connections", token, { source_id: STARFLEET, username: "demo", password: "demo" });
  expect(limited.status).toBe(429);
  expect(errorCodeOf(limited)).toBe("RATE_LIMITED");
  expect(limited.headers.get("retry-after")).toBe("61");
  expect((await api(svc.url, "GET", "/v1/connect/session", token)).body.connections).toEqual([]);
});
