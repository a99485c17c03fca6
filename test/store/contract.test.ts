// The store contract: one suite, run against every implementation the service can open. SQLite always; PostgreSQL
// when HC_TEST_DATABASE_URL is set, which CI requires (an unreachable server fails the suite, it is never skipped).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SourceRecord } from "../../src/server/catalog/types.ts";
import { openStore } from "../../src/server/store/open-store.ts";
import type { ClientRecord, HumanRecord, Store } from "../../src/server/store/types.ts";
import type { AttemptInfo } from "../../src/server/webhooks/outbox-worker.ts";
import { createTestDatabase, testDialects, type TestDatabase } from "../helpers/postgres.ts";

const hex = (n: number, width = 24) => n.toString(16).padStart(width, "0");

function source(n: number, name = `Source ${n}`): SourceRecord {
  return { id: hex(n), name, type: "clinic", city: "Boston", state: "MA", auth: "credentials", description: "", behavior: "normal" };
}

function client(id: string, createdAt: number): ClientRecord {
  return {
    clientId: id,
    name: `Client ${id}`,
    primaryColor: null,
    logoUrl: null,
    allowedOrigins: ["http://localhost:3000"],
    permissions: { idTokens: true, clientTokens: false },
    disabled: false,
    redirectUrl: null,
    createdAt,
  };
}

function human(id: string, clientId: string, clientUserId: string, email: string | null, createdAt: number): HumanRecord {
  return { humanId: id, clientId, clientUserId, email, createdAt, invitedAt: null, engagedAt: null, connectedAt: null };
}

const attempt = (n: number, outcome: AttemptInfo["outcome"] = "delivered"): AttemptInfo => ({
  attempt: n,
  at: 1000 + n,
  outcome,
  status: outcome === "delivered" ? 200 : 500,
  error: outcome === "delivered" ? null : "status 500",
  durationMs: 5,
  responseSnippet: null,
});

describe.each(testDialects())("store contract on %s", (dialect) => {
  let store: Store;
  let dir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hc-contract-"));
    if (dialect === "postgres") database = await createTestDatabase();
    ({ store } = await openStore({ dataDir: dir, databaseUrl: database?.url }));
    expect(store.dialect).toBe(dialect);
    await store.sources.upsert([1, 2, 3, 4].map((n) => source(n)), 1);
    await store.clients.insert(client("c1", 10), "sealed-1");
    await store.clients.insert(client("c2", 20), "sealed-2");
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("clients: insert, get, list oldest first, secrets, disable, update", async () => {
    expect(await store.clients.get("c1")).toStrictEqual(client("c1", 10));
    expect((await store.clients.list()).map((c) => c.clientId).slice(0, 2)).toStrictEqual(["c1", "c2"]);
    expect(await store.clients.getSecret("c2")).toBe("sealed-2");
    expect(await store.clients.setSecret("c2", "sealed-2b", 30)).toBe(true);
    expect(await store.clients.getSecret("c2")).toBe("sealed-2b");
    expect(await store.clients.setSecret("nobody", "x", 30)).toBe(false);
    expect(await store.clients.setDisabled("c2", true)).toBe(true);
    expect((await store.clients.get("c2"))?.disabled).toBe(true);
    expect(await store.clients.update("c2", { name: "Renamed", allowedOrigins: ["https://a.example"], permissions: { clientTokens: true } })).toBe(true);
    expect(await store.clients.get("c2")).toMatchObject({ name: "Renamed", allowedOrigins: ["https://a.example"], permissions: { idTokens: true, clientTokens: true } });
    expect(await store.clients.update("nobody", {})).toBe(false);
    expect(typeof (await store.clients.get("c1"))?.createdAt).toBe("number");
  });

  test("humans: one per (client, user id), email kept unless given, first times set once, status lists", async () => {
    const first = await store.humans.upsert(human("h1", "c1", "u1", "a@example.com", 100));
    expect(first.humanId).toBe("h1");
    const again = await store.humans.upsert(human("other", "c1", "u1", null, 200));
    expect(again).toMatchObject({ humanId: "h1", email: "a@example.com", createdAt: 100 });
    expect((await store.humans.upsert(human("x", "c1", "u1", "b@example.com", 300))).email).toBe("b@example.com");
    await store.humans.upsert(human("h2", "c1", "u2", null, 101));
    await store.humans.upsert(human("h3", "c1", "u3", null, 102));
    await store.humans.upsert(human("h4", "c2", "u1", null, 103));
    expect(await store.humans.markFirst("h2", "invitedAt", 500)).toBe(true);
    expect(await store.humans.markFirst("h2", "invitedAt", 600)).toBe(false);
    expect((await store.humans.get("h2"))?.invitedAt).toBe(500);
    await store.humans.markFirst("h3", "engagedAt", 700);
    await store.connections.add("h1", hex(1), 800);
    const all = await store.humans.list("c1", { limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.users.map((u) => u.humanId)).toStrictEqual(["h3", "h2", "h1"]);
    expect(all.users.find((u) => u.humanId === "h1")?.connections).toBe(1);
    for (const [status, id] of [["connected", "h1"], ["engaged", "h3"], ["invited", "h2"]] as const) {
      const only = await store.humans.list("c1", { status, limit: 10, offset: 0 });
      expect(only.users.map((u) => u.humanId)).toStrictEqual([id]);
      expect(only.total).toBe(1);
    }
    expect((await store.humans.list("c1", { limit: 1, offset: 1 })).users.map((u) => u.humanId)).toStrictEqual(["h2"]);
    expect(await store.humans.find("c2", "u1")).toMatchObject({ humanId: "h4" });
    expect(await store.humans.count()).toBeGreaterThanOrEqual(4);
  });

  test("tokens: found by hash, consumed once even when raced, deleted per client and kind", async () => {
    const base = { humanId: "h1", clientId: "c1", createdAt: 1, expiresAt: 2, usedAt: null, issuedVia: null };
    await store.tokens.insert("t-session", { ...base, kind: "session" });
    await store.tokens.insert("t-client", { ...base, kind: "client", humanId: null });
    await store.tokens.insert("t-refresh", { ...base, kind: "refresh", issuedVia: "invite_link" });
    expect(await store.tokens.find("t-refresh")).toStrictEqual({ ...base, kind: "refresh", issuedVia: "invite_link" });
    const raced = await Promise.all(Array.from({ length: 8 }, () => store.tokens.consume("t-refresh", 5)));
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect((await store.tokens.find("t-refresh"))?.usedAt).toBe(5);
    await store.tokens.deleteOfClient("c1", ["client"]);
    expect(await store.tokens.find("t-client")).toBeUndefined();
    expect(await store.tokens.find("t-session")).toBeDefined();
    await store.tokens.deleteOfClient("c1");
    expect(await store.tokens.find("t-session")).toBeUndefined();
  });

  test("sources: upsert replaces, and every upsert moves the catalog version on", async () => {
    const v1 = await store.sources.version();
    expect(v1).toBeGreaterThan(0);
    await store.sources.upsert([source(2, "Renamed Two"), source(5)], 2);
    expect(await store.sources.version()).toBe(v1 + 1);
    expect((await store.sources.get(hex(2)))?.name).toBe("Renamed Two");
    expect(await store.sources.count()).toBe(5);
    expect((await store.sources.list()).map((s) => s.id)).toStrictEqual([1, 2, 3, 4, 5].map((n) => hex(n)));
  });

  test("connections and session activity keep their order", async () => {
    expect(await store.connections.add("h2", hex(3), 10)).toBe(true);
    expect(await store.connections.add("h2", hex(1), 10)).toBe(true);
    expect(await store.connections.add("h2", hex(3), 11)).toBe(false);
    expect((await store.connections.list("h2")).map((c) => c.id)).toStrictEqual([hex(3), hex(1)]);
    expect(await store.connections.has("h2", hex(1))).toBe(true);
    expect(await store.connections.remove("h2", hex(1))).toBe(true);
    expect(await store.connections.remove("h2", hex(1))).toBe(false);
    await store.activity.record("s1", "h2", hex(3), "connected", 1);
    await store.activity.record("s1", "h2", hex(3), "disconnected", 1);
    await store.activity.record("s2", "h2", hex(1), "connected", 1);
    expect(await store.activity.list("s1", "h2")).toStrictEqual([
      { action: "connected", source: { name: "Source 3", id: hex(3) } },
      { action: "disconnected", source: { name: "Source 3", id: hex(3) } },
    ]);
    expect(await store.activity.close("s1", "h2", "SUCCESS", 5)).toStrictEqual({ closedNow: true, status: "SUCCESS" });
    expect(await store.activity.close("s1", "h2", "CONNECT_UNAVAILABLE", 6)).toStrictEqual({ closedNow: false, status: "SUCCESS" });
  });

  test("MFA challenges and OAuth attempts", async () => {
    await store.mfa.insert("m1", { humanId: "h1", sourceId: hex(2), createdAt: 1, expiresAt: 99, failedAttempts: 0, usedAt: null });
    expect(await store.mfa.recordFailure("m1")).toBe(1);
    expect(await store.mfa.recordFailure("m1")).toBe(2);
    expect((await Promise.all([store.mfa.consume("m1", 3), store.mfa.consume("m1", 4)])).filter(Boolean)).toHaveLength(1);
    expect(await store.mfa.get("m1")).toMatchObject({ failedAttempts: 2, expiresAt: 99 });

    const a = {
      attemptId: "a1", humanId: "h1", sourceId: hex(4), codeVerifier: "v", codeChallenge: "c", redirectUri: "http://x/cb",
      codeHash: null, codeExpiresAt: null, codeUsedAt: null, status: "pending" as const, sessionId: "s1", errorCode: null,
      errorMessage: null, expiresAt: 50, stateHash: "st1", createdAt: 1,
    };
    await store.oauth.insert(a);
    expect(await store.oauth.findByState("st1")).toMatchObject({ attemptId: "a1", sessionId: "s1" });
    expect(await store.oauth.setCode("a1", "code1", 60)).toBe(true);
    expect(await store.oauth.setCode("a1", "code2", 60)).toBe(false);
    expect(await store.oauth.findByCode("code1")).toMatchObject({ attemptId: "a1", codeExpiresAt: 60 });
    expect(await store.oauth.consumeCode("code1", 7)).toBe(true);
    expect(await store.oauth.consumeCode("code1", 8)).toBe(false);
    await store.oauth.finish("a1", { status: "failed", errorCode: "E", message: "m" });
    await store.oauth.finish("a1", { status: "connected" });
    expect(await store.oauth.get("a1")).toMatchObject({ status: "failed", errorCode: "E" });
  });

  test("Portal sessions, templates and UI state", async () => {
    await store.portalSessions.insert("p1", { clientId: "c1", csrfToken: "csrf", createdAt: 1, expiresAt: 9 });
    expect(await store.portalSessions.get("p1")).toStrictEqual({ clientId: "c1", csrfToken: "csrf", expiresAt: 9 });
    await store.portalSessions.deleteOfClient("c1");
    expect(await store.portalSessions.get("p1")).toBeUndefined();

    await store.templates.put("c1", { alias: "welcome", subject: "S", html: "<p>1</p>", text: null, updatedAt: 1 });
    await store.templates.put("c1", { alias: "welcome", subject: "S2", html: "<p>2</p>", text: "t", updatedAt: 2 });
    expect(await store.templates.list("c1")).toStrictEqual([{ alias: "welcome", subject: "S2", html: "<p>2</p>", text: "t", updatedAt: 2 }]);
    expect(await store.templates.delete("c1", "welcome")).toBe(true);
    expect(await store.templates.delete("c1", "welcome")).toBe(false);

    await store.uiState.save("h1", { screen: "search" } as never, 1);
    await store.uiState.save("h1", { screen: "done" } as never, 2);
    expect(await store.uiState.get("h1")).toStrictEqual({ screen: "done" });
    expect(await store.uiState.get("h2")).toBeNull();
  });

  test("rate limits: every concurrent hit is counted, and a new window keeps the previous one's count", async () => {
    const hits = await Promise.all(Array.from({ length: 40 }, () => store.rateLimits.hit(["k1", "k2"], 60_000, 60_000)));
    expect(hits.map((h) => h[0]!.current).sort((x, y) => x - y)).toStrictEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await store.rateLimits.peek("k2", 60_000, 60_000)).toStrictEqual({ current: 40, previous: 0 });
    expect(await store.rateLimits.hit(["k1"], 120_000, 60_000)).toStrictEqual([{ current: 1, previous: 40 }]);
    expect(await store.rateLimits.peek("k2", 120_000, 60_000)).toStrictEqual({ current: 0, previous: 40 });
    expect(await store.rateLimits.hit(["k1"], 240_000, 60_000)).toStrictEqual([{ current: 1, previous: 0 }]);
  });

  test("transaction: writes commit together, and a throw rolls every one back", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.humans.upsert(human("h-rolled", "c1", "rolled", null, 1));
        await tx.connections.add("h-rolled", hex(1), 1);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.humans.get("h-rolled")).toBeUndefined();
    await store.transaction(async (tx) => {
      await tx.humans.upsert(human("h-kept", "c1", "kept", null, 1));
      await tx.connections.add("h-kept", hex(1), 1);
    });
    expect(await store.connections.has("h-kept", hex(1))).toBe(true);
  });

  test("webhooks: endpoint, enqueue, leased claims never shared by concurrent workers, attempts and the log", async () => {
    const endpoint = { endpointId: "ep1", url: "https://hooks.example/in", enabled: true, disabledReason: null, createdAt: 1, updatedAt: 1 };
    await store.webhooks.insertEndpoint("c1", endpoint, "sealed-whsec");
    expect(await store.webhooks.enabledEndpointId("c1")).toBe("ep1");
    for (let i = 0; i < 12; i++) {
      await store.webhooks.enqueue({ messageId: `msg_${i}`, endpointId: "ep1", clientId: "c1", eventType: "user.engaged", body: `{"n":${i}}`, now: 100 + i });
    }
    const [a, b] = await Promise.all([store.webhooks.claimDue(1000, 8, 5000), store.webhooks.claimDue(1000, 8, 5000)]);
    const ids = [...a, ...b].map((r) => r.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(12);
    expect(a[0]).toMatchObject({ url: endpoint.url, secretEncrypted: "sealed-whsec", attempts: 0 });
    expect(await store.webhooks.claimDue(2000, 50, 5000)).toStrictEqual([]);
    const leased = [...a, ...b].sort((x, y) => Number(x.id) - Number(y.id));
    await store.webhooks.recordAttempt(leased[0]!.id, attempt(1), "delivered", null);
    await store.webhooks.recordAttempt(leased[1]!.id, attempt(1, "retry"), "pending", 3000);
    await store.webhooks.recordAttempt(leased[2]!.id, attempt(1, "retry"), "failed", null);
    // After the lease (and at its retry time) the unfinished rows are due again; the finished ones never are.
    const again = await store.webhooks.claimDue(6001, 50, 5000);
    expect(again.map((r) => r.messageId).sort()).toStrictEqual(leased.slice(1).filter((_, i) => i !== 1).map((r) => r.messageId).sort());
    expect(again.find((r) => r.messageId === leased[1]!.messageId)?.attempts).toBe(1);
    await store.webhooks.disableEndpoint("ep1", "gone");
    expect(await store.webhooks.claimDue(20_000, 50, 5000)).toStrictEqual([]);
    expect(await store.webhooks.enabledEndpointId("c1")).toBeUndefined();
    await store.webhooks.updateEndpoint("ep1", "https://hooks.example/v2", null, 5);
    expect(await store.webhooks.getEndpoint("c1")).toMatchObject({ url: "https://hooks.example/v2", enabled: true, disabledReason: null });
    const log = await store.webhooks.listDeliveries("c1", 3, 9);
    expect(log.total).toBe(12);
    expect(log.deliveries.map((d) => d.messageId)).toStrictEqual(["msg_2", "msg_1", "msg_0"]);
    expect(log.deliveries.find((d) => d.messageId === leased[0]!.messageId)).toMatchObject({ state: "delivered", nextAttemptAt: null, log: [{ attempt: 1, outcome: "delivered", status: 200 }] });
  });

  test("purgeExpired removes what expired before the cutoff; ping answers", async () => {
    const base = { humanId: "h1", clientId: "c1", createdAt: 1, usedAt: null, issuedVia: null, kind: "session" as const };
    await store.tokens.insert("old", { ...base, expiresAt: 10 });
    await store.tokens.insert("new", { ...base, expiresAt: 10_000 });
    await store.purgeExpired(1000);
    expect(await store.tokens.find("old")).toBeUndefined();
    expect(await store.tokens.find("new")).toBeDefined();
    expect(await store.ping()).toBe(true);
  });
});
