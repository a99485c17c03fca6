// The store contract: every concern's observable behaviour through the `Store` interface, run against each database
// the service can open. SQLite always; PostgreSQL when HC_TEST_DATABASE_URL is set (always under CI), and then an
// unreachable server fails the suite instead of leaving it out.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { SourceRecord } from "../../src/server/catalog/types.ts";
import { openStore } from "../../src/server/store/open-store.ts";
import type { ClientRecord, DialectName, HumanRecord, OAuthAttemptRecord, Store } from "../../src/server/store/types.ts";
import type { AttemptInfo } from "../../src/server/webhooks/outbox-worker.ts";
import { createTestDatabase, testDialects } from "../helpers/postgres.ts";

/** A store on a fresh, empty database of one dialect, and how to throw it away. */
interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}

async function openTestStore(dialect: DialectName): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), `hc-store-${dialect}-`));
  const database = dialect === "postgres" ? await createTestDatabase() : undefined;
  try {
    const { store } = await openStore({ dataDir, databaseUrl: database?.url });
    return {
      store,
      async dispose() {
        await store.close();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

const hex = (n: number) => n.toString(16).padStart(24, "0");
const source = (n: number, name = `Source ${n}`): SourceRecord => ({
  id: hex(n), name, type: "clinic", city: "Boston", state: "MA", auth: "credentials", description: `about ${n}`, behavior: "normal",
});
const client = (clientId: string, createdAt = 1): ClientRecord => ({
  clientId, name: `Client ${clientId}`, primaryColor: null, logoUrl: null, allowedOrigins: ["http://localhost:3000"],
  permissions: { idTokens: true, clientTokens: false }, disabled: false, redirectUrl: null, createdAt,
});
const human = (humanId: string, clientId: string, clientUserId: string, createdAt = 1, email: string | null = null): HumanRecord => ({
  humanId, clientId, clientUserId, email, createdAt, invitedAt: null, engagedAt: null, connectedAt: null,
});
const attempt = (n: number, outcome: AttemptInfo["outcome"], status: number | null, at = 5_000 + n): AttemptInfo => ({
  attempt: n, at, outcome, status, error: outcome === "delivered" ? null : `HTTP ${status}`, durationMs: 12, responseSnippet: null,
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(testDialects())("store contract on %s", (dialect) => {
  let opened: TestStore;
  let store: Store;
  const fresh = { version: -1, sources: -1, humans: -1, clients: -1, anySecret: "unset" as string | undefined };

  /** A client and one human of it, the parents most rows need. */
  async function clientWithHuman(id: string): Promise<{ clientId: string; humanId: string }> {
    await store.clients.insert(client(id), `sealed-${id}`);
    await store.humans.upsert(human(`h-${id}`, id, "user"));
    return { clientId: id, humanId: `h-${id}` };
  }

  beforeAll(async () => {
    opened = await openTestStore(dialect);
    store = opened.store;
    Object.assign(fresh, {
      version: await store.sources.version(),
      sources: await store.sources.count(),
      humans: await store.humans.count(),
      clients: (await store.clients.list()).length,
      anySecret: await store.clients.anySecret(),
    });
    await store.sources.upsert(range(6).map((i) => source(i + 1)), 1);
  });
  afterAll(async () => {
    await opened?.dispose();
  });

  test("opens the requested dialect, answers ping, and starts empty", async () => {
    expect(store.dialect).toBe(dialect);
    expect(await store.ping()).toBe(true);
    expect(fresh).toStrictEqual({ version: 0, sources: 0, humans: 0, clients: 0, anySecret: undefined });
  });

  describe("clients", () => {
    test("insert, get, list oldest first, secrets", async () => {
      await store.clients.insert(client("cl-b", 200), "sealed-b");
      await store.clients.insert(client("cl-a", 100), "sealed-a");
      await store.clients.insert(client("cl-c", 200), "sealed-c");
      const got = await store.clients.get("cl-a");
      expect(got).toStrictEqual(client("cl-a", 100));
      expect(typeof got?.createdAt).toBe("number");
      expect(await store.clients.get("cl-none")).toBeUndefined();
      const ids = (await store.clients.list()).map((c) => c.clientId).filter((id) => id.startsWith("cl-"));
      expect(ids).toStrictEqual(["cl-a", "cl-b", "cl-c"]);
      expect(await store.clients.getSecret("cl-b")).toBe("sealed-b");
      expect(await store.clients.getSecret("cl-none")).toBeUndefined();
      expect(await store.clients.anySecret()).toMatch(/^sealed-/);
      expect(await store.clients.setSecret("cl-b", "sealed-b2", 300)).toBe(true);
      expect(await store.clients.getSecret("cl-b")).toBe("sealed-b2");
      expect(await store.clients.setSecret("cl-none", "x", 300)).toBe(false);
    });

    test("setDisabled and update change only what they are given; unknown ids answer false", async () => {
      await store.clients.insert(client("cl-u", 1), "sealed");
      expect(await store.clients.setDisabled("cl-u", true)).toBe(true);
      expect((await store.clients.get("cl-u"))?.disabled).toBe(true);
      expect(await store.clients.setDisabled("cl-u", false)).toBe(true);
      expect((await store.clients.get("cl-u"))?.disabled).toBe(false);
      expect(await store.clients.setDisabled("cl-none", true)).toBe(false);

      const changes = { name: "Renamed", primaryColor: "#112233", logoUrl: "https://x.example/logo.png", redirectUrl: "https://x.example/done" };
      expect(await store.clients.update("cl-u", { ...changes, allowedOrigins: ["https://x.example"], permissions: { clientTokens: true } })).toBe(true);
      expect(await store.clients.get("cl-u")).toStrictEqual({
        ...client("cl-u", 1), ...changes, allowedOrigins: ["https://x.example"], permissions: { idTokens: true, clientTokens: true },
      });
      expect(await store.clients.update("cl-u", { primaryColor: null, permissions: { idTokens: false } })).toBe(true);
      expect(await store.clients.get("cl-u")).toMatchObject({ name: "Renamed", primaryColor: null, permissions: { idTokens: false, clientTokens: true } });
      expect(await store.clients.update("cl-u", {})).toBe(true);
      expect(await store.clients.update("cl-none", {})).toBe(false);
      expect(await store.clients.update("cl-none", { name: "x" })).toBe(false);
    });
  });

  describe("humans", () => {
    test("upsert creates once per (client, client_user_id), keeps the first human_id, updates email only when given", async () => {
      await store.clients.insert(client("hu-1"), "s");
      await store.clients.insert(client("hu-2"), "s");
      const before = await store.humans.count();
      expect(await store.humans.upsert(human("hu-h1", "hu-1", "u1", 10, "a@example.com"))).toStrictEqual(human("hu-h1", "hu-1", "u1", 10, "a@example.com"));
      expect(await store.humans.upsert(human("hu-other", "hu-1", "u1", 20, null))).toStrictEqual(human("hu-h1", "hu-1", "u1", 10, "a@example.com"));
      expect((await store.humans.upsert(human("hu-third", "hu-1", "u1", 30, "b@example.com"))).email).toBe("b@example.com");
      expect(await store.humans.get("hu-other")).toBeUndefined();
      // The same client_user_id under another client is another human.
      expect((await store.humans.upsert(human("hu-h2", "hu-2", "u1", 40))).humanId).toBe("hu-h2");
      // Racing upserts of one new user end in one human.
      const raced = await Promise.all(range(6).map((i) => store.humans.upsert(human(`hu-race-${i}`, "hu-1", "racer", 50))));
      expect(new Set(raced.map((h) => h.humanId)).size).toBe(1);
      expect(await store.humans.find("hu-1", "u1")).toMatchObject({ humanId: "hu-h1", email: "b@example.com" });
      expect(await store.humans.find("hu-1", "nobody")).toBeUndefined();
      expect(await store.humans.count()).toBe(before + 3);
    });

    test("markFirst sets a time only the first time", async () => {
      await clientWithHuman("mf");
      for (const field of ["invitedAt", "engagedAt", "connectedAt"] as const) {
        expect(await store.humans.markFirst("h-mf", field, 100)).toBe(true);
        expect(await store.humans.markFirst("h-mf", field, 200)).toBe(false);
      }
      const h = await store.humans.get("h-mf");
      expect(h).toMatchObject({ invitedAt: 100, engagedAt: 100, connectedAt: 100 });
      expect(typeof h?.invitedAt).toBe("number");
      expect(await store.humans.markFirst("nobody", "invitedAt", 1)).toBe(false);
    });

    test("list: newest first with connection counts, status filters with totals, pagination", async () => {
      await store.clients.insert(client("ls"), "s");
      for (const [i, id] of ["ls-created", "ls-invited", "ls-engaged", "ls-connected", "ls-both"].entries()) {
        await store.humans.upsert(human(id, "ls", id, 100 + i));
      }
      await store.humans.markFirst("ls-invited", "invitedAt", 1);
      await store.humans.markFirst("ls-engaged", "invitedAt", 1);
      await store.humans.markFirst("ls-engaged", "engagedAt", 2);
      await store.humans.markFirst("ls-both", "engagedAt", 2);
      await store.connections.add("ls-connected", hex(1), 3);
      await store.connections.add("ls-both", hex(1), 3);
      await store.connections.add("ls-both", hex(2), 3);

      const all = await store.humans.list("ls", { limit: 10, offset: 0 });
      expect(all.total).toBe(5);
      expect(all.users.map((u) => [u.humanId, u.connections])).toStrictEqual([
        ["ls-both", 2], ["ls-connected", 1], ["ls-engaged", 0], ["ls-invited", 0], ["ls-created", 0],
      ]);
      const ids = async (status: "connected" | "engaged" | "invited") => {
        const page = await store.humans.list("ls", { status, limit: 10, offset: 0 });
        return { total: page.total, ids: page.users.map((u) => u.humanId) };
      };
      expect(await ids("connected")).toStrictEqual({ total: 2, ids: ["ls-both", "ls-connected"] });
      expect(await ids("engaged")).toStrictEqual({ total: 1, ids: ["ls-engaged"] });
      expect(await ids("invited")).toStrictEqual({ total: 1, ids: ["ls-invited"] });
      const page = await store.humans.list("ls", { limit: 2, offset: 1 });
      expect({ total: page.total, ids: page.users.map((u) => u.humanId) }).toStrictEqual({ total: 5, ids: ["ls-connected", "ls-engaged"] });
      expect((await store.humans.list("ls", { limit: 2, offset: 10 })).users).toStrictEqual([]);
      expect(await store.humans.list("nobody", { limit: 10, offset: 0 })).toStrictEqual({ total: 0, users: [] });
    });
  });

  describe("tokens", () => {
    const base = { clientId: "tk", humanId: "h-tk", createdAt: 1, expiresAt: 10_000, usedAt: null, issuedVia: null };

    test("insert and find by hash; consume exactly once, even when raced", async () => {
      await clientWithHuman("tk");
      await store.tokens.insert("tk-refresh", { ...base, kind: "refresh", issuedVia: "invite_link" });
      const found = await store.tokens.find("tk-refresh");
      expect(found).toStrictEqual({ ...base, kind: "refresh", issuedVia: "invite_link" });
      expect(typeof found?.expiresAt).toBe("number");
      expect(await store.tokens.find("tk-none")).toBeUndefined();
      const pair = await Promise.all([store.tokens.consume("tk-refresh", 50), store.tokens.consume("tk-refresh", 51)]);
      expect(pair.filter(Boolean)).toHaveLength(1);
      expect((await store.tokens.find("tk-refresh"))?.usedAt).toBe(pair[0] ? 50 : 51);
      await store.tokens.insert("tk-id", { ...base, kind: "id" });
      const many = await Promise.all(range(10).map(() => store.tokens.consume("tk-id", 60)));
      expect(many.filter(Boolean)).toHaveLength(1);
      expect(await store.tokens.consume("tk-none", 60)).toBe(false);
    });

    test("deleteOfClient with some kinds, then all; count by kind", async () => {
      await clientWithHuman("tk2");
      await clientWithHuman("tk3");
      const mine = { ...base, clientId: "tk2", humanId: "h-tk2" };
      await store.tokens.insert("tk2-session", { ...mine, kind: "session" });
      await store.tokens.insert("tk2-id", { ...mine, kind: "id" });
      await store.tokens.insert("tk2-client", { ...mine, kind: "client", humanId: null });
      await store.tokens.insert("tk3-session", { ...base, clientId: "tk3", humanId: "h-tk3", kind: "session" });
      const clientTokens = await store.tokens.count("client");
      const total = await store.tokens.count();
      expect(clientTokens).toBeGreaterThanOrEqual(1);
      await store.tokens.deleteOfClient("tk2", ["client", "id"]);
      expect(await store.tokens.find("tk2-client")).toBeUndefined();
      expect(await store.tokens.find("tk2-id")).toBeUndefined();
      expect(await store.tokens.find("tk2-session")).toBeDefined();
      expect(await store.tokens.count("client")).toBe(clientTokens - 1);
      await store.tokens.deleteOfClient("tk2");
      expect(await store.tokens.find("tk2-session")).toBeUndefined();
      expect(await store.tokens.find("tk3-session")).toBeDefined();
      expect(await store.tokens.count()).toBe(total - 3);
    });
  });

  describe("sources", () => {
    test("upsert inserts and replaces, and each one moves the version on", async () => {
      const v1 = await store.sources.version();
      expect(v1).toBeGreaterThan(0);
      expect(typeof v1).toBe("number");
      expect(await store.sources.get(hex(3))).toStrictEqual(source(3));
      expect(await store.sources.get(hex(999))).toBeUndefined();
      await store.sources.upsert([{ ...source(2, "Renamed Two"), auth: "oauth", behavior: "slow" }, source(7)], 2);
      const v2 = await store.sources.version();
      expect(v2).toBeGreaterThan(v1);
      expect(await store.sources.get(hex(2))).toStrictEqual({ ...source(2, "Renamed Two"), auth: "oauth", behavior: "slow" });
      expect(await store.sources.count()).toBe(7);
      expect((await store.sources.list()).map((s) => s.id)).toStrictEqual(range(7).map((i) => hex(i + 1)));
      await store.sources.upsert([], 3);
      expect(await store.sources.version()).toBeGreaterThan(v2);
    });

    test("keeps rank and logo_url, and leaves them out where a source has none", async () => {
      const ranked = { ...source(8), rank: 0, logoUrl: "https://cdn.example/eight.png" };
      await store.sources.upsert([ranked, { ...source(9), rank: 2_147_483_647 }], 4);
      expect(await store.sources.get(hex(8))).toStrictEqual(ranked);
      expect((await store.sources.get(hex(9)))?.rank).toBe(2_147_483_647);
      expect(await store.sources.get(hex(1))).not.toHaveProperty("rank");
      expect(await store.sources.get(hex(1))).not.toHaveProperty("logoUrl");
      // A later import without them clears them.
      await store.sources.upsert([source(8)], 5);
      expect(await store.sources.get(hex(8))).toStrictEqual(source(8));
      expect((await store.sources.list()).find((s) => s.id === hex(9))?.rank).toBe(2_147_483_647);
    });
  });

  describe("connections and session activity", () => {
    test("add is false the second time, list keeps the order made, remove and has", async () => {
      const { humanId } = await clientWithHuman("cn");
      expect(await store.connections.add(humanId, hex(5), 10)).toBe(true);
      expect(await store.connections.add(humanId, hex(1), 10)).toBe(true);
      expect(await store.connections.add(humanId, hex(3), 9)).toBe(true);
      expect(await store.connections.add(humanId, hex(5), 11)).toBe(false);
      expect(await store.connections.list(humanId)).toStrictEqual([5, 1, 3].map((n) => ({ name: `Source ${n}`, id: hex(n) })));
      expect(await store.connections.get(humanId, hex(1))).toBeDefined();
      expect(await store.connections.remove(humanId, hex(1))).toBe(true);
      expect(await store.connections.remove(humanId, hex(1))).toBe(false);
      expect(await store.connections.get(humanId, hex(1))).toBeUndefined();
      expect(await store.connections.add(humanId, hex(1), 12)).toBe(true);
      expect((await store.connections.list(humanId)).map((c) => c.id)).toStrictEqual([hex(5), hex(3), hex(1)]);
      const raced = await Promise.all(range(5).map(() => store.connections.add(humanId, hex(6), 13)));
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await store.connections.list("nobody")).toStrictEqual([]);
    });

    test("a connection starts active; setStatus changes its health once and answers what it was", async () => {
      const { humanId } = await clientWithHuman("health");
      await store.connections.add(humanId, hex(2), 20);
      await store.connections.add(humanId, hex(3), 21);
      // Earlier checks may have renamed these sources: the names are read, not assumed.
      const nameOf = async (n: number) => (await store.sources.get(hex(n)))!.name;
      const fresh = { source: { name: await nameOf(2), id: hex(2) }, status: "active", statusReason: null, connectedAt: 20, statusChangedAt: 20 };
      expect(await store.connections.get(humanId, hex(2))).toStrictEqual(fresh);
      expect(await store.connections.setStatus(humanId, hex(2), "active", null, 25)).toBeUndefined();
      expect(await store.connections.setStatus(humanId, hex(9), "needs_reauth", "token_expired", 25)).toBeUndefined();
      // Of concurrent changes to the same health, exactly one answers with the health it replaced.
      const raced = await Promise.all(range(4).map(() => store.connections.setStatus(humanId, hex(2), "needs_reauth", "token_expired", 30)));
      expect(raced.filter((r) => r !== undefined)).toStrictEqual([fresh]);
      expect(await store.connections.details(humanId)).toStrictEqual([
        { ...fresh, status: "needs_reauth", statusReason: "token_expired", statusChangedAt: 30 },
        { source: { name: await nameOf(3), id: hex(3) }, status: "active", statusReason: null, connectedAt: 21, statusChangedAt: 21 },
      ]);
      expect(await store.connections.setStatus(humanId, hex(2), "needs_reauth", "consent_revoked", 31)).toMatchObject({ statusReason: "token_expired" });
      expect(await store.connections.setStatus(humanId, hex(2), "active", null, 40)).toMatchObject({ status: "needs_reauth", statusReason: "consent_revoked" });
      expect(await store.connections.get(humanId, hex(2))).toStrictEqual({ ...fresh, statusChangedAt: 40 });
      expect(await store.connections.get(humanId, hex(9))).toBeUndefined();
    });

    test("activity is listed in the order recorded, scoped by session and human; a session closes once", async () => {
      const a = (await clientWithHuman("sa1")).humanId;
      const b = (await clientWithHuman("sa2")).humanId;
      await store.activity.record("ses-1", a, hex(4), "connected", 5);
      await store.activity.record("ses-1", b, hex(3), "connected", 5);
      await store.activity.record("ses-2", a, hex(5), "connected", 5);
      await store.activity.record("ses-1", a, hex(1), "connected", 4);
      await store.activity.record("ses-1", a, hex(4), "disconnected", 5);
      expect(await store.activity.list("ses-1", a)).toStrictEqual([
        { action: "connected", source: { name: "Source 4", id: hex(4) } },
        { action: "connected", source: { name: "Source 1", id: hex(1) } },
        { action: "disconnected", source: { name: "Source 4", id: hex(4) } },
      ]);
      expect((await store.activity.list("ses-1", b)).map((c) => c.source.id)).toStrictEqual([hex(3)]);
      expect(await store.activity.list("ses-2", b)).toStrictEqual([]);
      const closes = await Promise.all(["SUCCESS", "CANCELLED", "ERROR"].map((s) => store.activity.close("ses-1", a, s, 9)));
      const winner = closes.filter((c) => c.closedNow);
      expect(winner).toHaveLength(1);
      expect(closes.every((c) => c.status === winner[0]!.status)).toBe(true);
      expect(await store.activity.close("ses-1", a, "OTHER", 10)).toStrictEqual({ closedNow: false, status: winner[0]!.status });
    });
  });

  describe("MFA challenges and OAuth attempts", () => {
    test("mfa: insert, get, failures counted, consumed once", async () => {
      const { humanId } = await clientWithHuman("mfa");
      await store.mfa.insert("mfa-1", { humanId, sourceId: hex(2), createdAt: 1, expiresAt: 99, failedAttempts: 0, usedAt: null });
      expect(await store.mfa.get("mfa-1")).toStrictEqual({ humanId, sourceId: hex(2), expiresAt: 99, failedAttempts: 0, usedAt: null });
      expect(await store.mfa.recordFailure("mfa-1")).toBe(1);
      const failures = await Promise.all(range(4).map(() => store.mfa.recordFailure("mfa-1")));
      expect(failures.sort((p, q) => p - q)).toStrictEqual([2, 3, 4, 5]);
      expect(await store.mfa.recordFailure("mfa-none")).toBe(0);
      const consumed = await Promise.all([store.mfa.consume("mfa-1", 7), store.mfa.consume("mfa-1", 7)]);
      expect(consumed.filter(Boolean)).toHaveLength(1);
      expect(await store.mfa.get("mfa-1")).toMatchObject({ failedAttempts: 5, usedAt: 7 });
      expect(await store.mfa.get("mfa-none")).toBeUndefined();
    });

    test("oauth: found by id, state and code; a code is set once while pending, consumed once; finish only from pending", async () => {
      const { humanId } = await clientWithHuman("oa");
      const oauthAttempt = (id: string): OAuthAttemptRecord => ({
        attemptId: id, humanId, sourceId: hex(4), codeVerifier: "verifier", codeChallenge: "challenge", redirectUri: "http://x/cb",
        codeHash: null, codeExpiresAt: null, codeUsedAt: null, status: "pending", sessionId: "ses-oa", errorCode: null, errorMessage: null, expiresAt: 500,
        returnUrl: null, completionHash: null, completionExpiresAt: null, completionUsedAt: null,
      });
      await store.oauth.insert({ ...oauthAttempt("oa-1"), stateHash: "state-1", createdAt: 1 });
      await store.oauth.insert({ ...oauthAttempt("oa-2"), stateHash: "state-2", createdAt: 1 });
      expect(await store.oauth.get("oa-1")).toStrictEqual(oauthAttempt("oa-1"));
      expect((await store.oauth.findByState("state-2"))?.attemptId).toBe("oa-2");
      expect(await store.oauth.findByState("state-none")).toBeUndefined();

      expect(await store.oauth.setCode("oa-1", "code-1", 300)).toBe(true);
      expect(await store.oauth.setCode("oa-1", "code-1b", 300)).toBe(false);
      expect(await store.oauth.findByCode("code-1")).toStrictEqual({ ...oauthAttempt("oa-1"), codeHash: "code-1", codeExpiresAt: 300 });
      expect(await store.oauth.findByCode("code-1b")).toBeUndefined();
      const consumed = await Promise.all([store.oauth.consumeCode("code-1", 8), store.oauth.consumeCode("code-1", 8)]);
      expect(consumed.filter(Boolean)).toHaveLength(1);
      expect(await store.oauth.consumeCode("code-1", 9)).toBe(false);
      expect((await store.oauth.get("oa-1"))?.codeUsedAt).toBe(8);

      await store.oauth.finish("oa-1", { status: "connected" });
      await store.oauth.finish("oa-1", { status: "failed", errorCode: "LATE", message: "too late" });
      expect(await store.oauth.get("oa-1")).toMatchObject({ status: "connected", errorCode: null, errorMessage: null });
      await store.oauth.finish("oa-2", { status: "failed", errorCode: "DENIED", message: "user said no" });
      await store.oauth.finish("oa-2", { status: "connected" });
      expect(await store.oauth.get("oa-2")).toMatchObject({ status: "failed", errorCode: "DENIED", errorMessage: "user said no" });
      // A finished attempt takes no code.
      expect(await store.oauth.setCode("oa-2", "code-2", 300)).toBe(false);
    });

    test("oauth by redirect: the return URL is kept; a completion secret is set once and consumed once, with its own hash only", async () => {
      const { humanId } = await clientWithHuman("oar");
      const attempt: OAuthAttemptRecord = {
        attemptId: "oar-1", humanId, sourceId: hex(4), codeVerifier: "verifier", codeChallenge: "challenge", redirectUri: "http://x/cb",
        codeHash: null, codeExpiresAt: null, codeUsedAt: null, status: "pending", sessionId: "ses-oar", errorCode: null, errorMessage: null, expiresAt: 500,
        returnUrl: "sealed-return-url", completionHash: null, completionExpiresAt: null, completionUsedAt: null,
      };
      await store.oauth.insert({ ...attempt, stateHash: "state-oar", createdAt: 1 });
      expect(await store.oauth.get("oar-1")).toStrictEqual(attempt);
      expect(await store.oauth.consumeCompletion("oar-1", "done-1", 5)).toBe(false);
      expect(await store.oauth.setCompletion("oar-1", "done-1", 900)).toBe(true);
      expect(await store.oauth.setCompletion("oar-1", "done-2", 900)).toBe(false);
      expect(await store.oauth.consumeCompletion("oar-1", "done-2", 6)).toBe(false);
      expect(await store.oauth.consumeCompletion("oar-none", "done-1", 6)).toBe(false);
      const consumed = await Promise.all([store.oauth.consumeCompletion("oar-1", "done-1", 7), store.oauth.consumeCompletion("oar-1", "done-1", 7)]);
      expect(consumed.filter(Boolean)).toHaveLength(1);
      expect(await store.oauth.consumeCompletion("oar-1", "done-1", 8)).toBe(false);
      expect(await store.oauth.get("oar-1")).toStrictEqual({ ...attempt, completionHash: "done-1", completionExpiresAt: 900, completionUsedAt: 7 });
    });
  });

  describe("Portal sessions, templates and UI state", () => {
    test("portal sessions: insert, get, delete one, delete a client's", async () => {
      await clientWithHuman("ps1");
      await clientWithHuman("ps2");
      for (const [hash, clientId] of [["ps-a", "ps1"], ["ps-b", "ps1"], ["ps-c", "ps2"]] as const) {
        await store.portalSessions.insert(hash, { clientId, csrfToken: `csrf-${hash}`, createdAt: 1, expiresAt: 900 });
      }
      expect(await store.portalSessions.get("ps-a")).toStrictEqual({ clientId: "ps1", csrfToken: "csrf-ps-a", expiresAt: 900 });
      await store.portalSessions.delete("ps-a");
      expect(await store.portalSessions.get("ps-a")).toBeUndefined();
      await store.portalSessions.deleteOfClient("ps1");
      expect(await store.portalSessions.get("ps-b")).toBeUndefined();
      expect(await store.portalSessions.get("ps-c")).toBeDefined();
    });

    test("templates: put inserts then replaces, per client; delete once", async () => {
      await clientWithHuman("tp1");
      await clientWithHuman("tp2");
      await store.templates.put("tp1", { alias: "welcome", subject: "S1", html: "<p>1</p>", text: null, updatedAt: 1 });
      await store.templates.put("tp1", { alias: "reminder", subject: "R", html: "<p>r</p>", text: "r", updatedAt: 1 });
      await store.templates.put("tp1", { alias: "welcome", subject: "S2", html: "<p>2</p>", text: "two", updatedAt: 2 });
      await store.templates.put("tp2", { alias: "welcome", subject: "Other", html: "<p>o</p>", text: null, updatedAt: 3 });
      expect(await store.templates.get("tp1", "welcome")).toStrictEqual({ alias: "welcome", subject: "S2", html: "<p>2</p>", text: "two", updatedAt: 2 });
      expect((await store.templates.list("tp1")).map((t) => t.alias).sort()).toStrictEqual(["reminder", "welcome"]);
      expect((await store.templates.get("tp2", "welcome"))?.subject).toBe("Other");
      expect(await store.templates.delete("tp1", "welcome")).toBe(true);
      expect(await store.templates.delete("tp1", "welcome")).toBe(false);
      expect(await store.templates.get("tp1", "welcome")).toBeUndefined();
      expect(await store.templates.get("tp2", "welcome")).toBeDefined();
    });

    test("ui state: null until saved, save replaces", async () => {
      const { humanId } = await clientWithHuman("ui");
      expect(await store.uiState.get(humanId)).toBeNull();
      await store.uiState.save(humanId, { screen: "search", query: "clinic", picked: [1, 2] }, 1);
      await store.uiState.save(humanId, { screen: "done" }, 2);
      expect(await store.uiState.get(humanId)).toStrictEqual({ screen: "done" });
    });
  });

  describe("rate limits", () => {
    const W = 60_000;

    test("hit counts per key in the keys' order; peek counts nothing; a new window starts over", async () => {
      expect(await store.rateLimits.hit(["rl-a", "rl-b"], W, W)).toStrictEqual([{ current: 1, previous: 0 }, { current: 1, previous: 0 }]);
      expect(await store.rateLimits.hit(["rl-b", "rl-a"], W, W)).toStrictEqual([{ current: 2, previous: 0 }, { current: 2, previous: 0 }]);
      expect(await store.rateLimits.hit(["rl-b"], W, W)).toStrictEqual([{ current: 3, previous: 0 }]);
      expect(await store.rateLimits.peek("rl-b", W, W)).toStrictEqual({ current: 3, previous: 0 });
      expect(await store.rateLimits.peek("rl-b", W, W)).toStrictEqual({ current: 3, previous: 0 });
      expect(await store.rateLimits.peek("rl-none", W, W)).toStrictEqual({ current: 0, previous: 0 });
      // The next window remembers this one's count; a later one remembers nothing.
      expect(await store.rateLimits.peek("rl-b", 2 * W, W)).toStrictEqual({ current: 0, previous: 3 });
      expect(await store.rateLimits.hit(["rl-b"], 2 * W, W)).toStrictEqual([{ current: 1, previous: 3 }]);
      expect(await store.rateLimits.hit(["rl-a"], 4 * W, W)).toStrictEqual([{ current: 1, previous: 0 }]);
      expect(await store.rateLimits.peek("rl-b", 4 * W, W)).toStrictEqual({ current: 0, previous: 0 });
    });

    test("every concurrent hit is counted, whatever order the keys come in", async () => {
      const hits = await Promise.all(range(50).map((i) => store.rateLimits.hit(i % 2 ? ["rl-x", "rl-y"] : ["rl-y", "rl-x"], W, W)));
      const countsOf = (key: "rl-x" | "rl-y") => hits.map((h, i) => h[(i % 2 ? ["rl-x", "rl-y"] : ["rl-y", "rl-x"]).indexOf(key)]!.current);
      expect(countsOf("rl-x").sort((p, q) => p - q)).toStrictEqual(range(50).map((i) => i + 1));
      expect(countsOf("rl-y").sort((p, q) => p - q)).toStrictEqual(range(50).map((i) => i + 1));
      expect(await store.rateLimits.peek("rl-x", W, W)).toStrictEqual({ current: 50, previous: 0 });
    });
  });

  describe("transaction", () => {
    test("writes of every concern commit together and the result comes back", async () => {
      const result = await store.transaction(async (tx) => {
        await tx.clients.insert(client("tx-ok"), "sealed");
        await tx.humans.upsert(human("tx-ok-h", "tx-ok", "u"));
        await tx.connections.add("tx-ok-h", hex(1), 1);
        return "done";
      });
      expect(result).toBe("done");
      expect(await store.connections.get("tx-ok-h", hex(1))).toBeDefined();
    });

    test("a throw inside rolls every write back", async () => {
      const version = await store.sources.version();
      const humans = await store.humans.count();
      await expect(
        store.transaction(async (tx) => {
          await tx.clients.insert(client("tx-no"), "sealed");
          await tx.humans.upsert(human("tx-no-h", "tx-no", "u"));
          await tx.connections.add("tx-no-h", hex(1), 1);
          await tx.tokens.insert("tx-no-token", { kind: "session", humanId: "tx-no-h", clientId: "tx-no", createdAt: 1, expiresAt: 2, usedAt: null, issuedVia: null });
          await tx.sources.upsert([source(50)], 1);
          await tx.webhooks.insertEndpoint("tx-no", { endpointId: "tx-no-ep", url: "https://x.example", enabled: true, disabledReason: null, createdAt: 1, updatedAt: 1 }, "s");
          await tx.webhooks.enqueue({ messageId: "tx-no-msg", endpointId: "tx-no-ep", clientId: "tx-no", eventType: "user.engaged", body: "{}", now: 1 });
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.clients.get("tx-no")).toBeUndefined();
      expect(await store.humans.get("tx-no-h")).toBeUndefined();
      expect(await store.humans.count()).toBe(humans);
      expect(await store.tokens.find("tx-no-token")).toBeUndefined();
      expect(await store.sources.get(hex(50))).toBeUndefined();
      expect(await store.sources.version()).toBe(version);
      expect(await store.webhooks.getEndpoint("tx-no")).toBeUndefined();
    });

    test("transactions started together each commit or roll back on their own, and each answers its own result", async () => {
      await store.clients.insert(client("tx-many"), "sealed");
      const outcomes = await Promise.allSettled(
        range(20).map((i) =>
          store.transaction(async (tx) => {
            await tx.humans.upsert(human(`tx-many-${i}`, "tx-many", `u${i}`));
            await tx.tokens.insert(`tx-many-token-${i}`, { kind: "session", humanId: `tx-many-${i}`, clientId: "tx-many", createdAt: 1, expiresAt: 2, usedAt: null, issuedVia: null });
            if (i % 3 === 0) throw new Error(`refused ${i}`);
            return i;
          }),
        ),
      );
      for (const i of range(20)) {
        const outcome = outcomes[i]!;
        const token = await store.tokens.find(`tx-many-token-${i}`);
        if (i % 3 === 0) {
          expect(outcome).toMatchObject({ status: "rejected", reason: { message: `refused ${i}` } });
          expect(token).toBeUndefined();
          expect(await store.humans.get(`tx-many-${i}`)).toBeUndefined();
        } else {
          expect(outcome).toStrictEqual({ status: "fulfilled", value: i });
          expect(token).toMatchObject({ humanId: `tx-many-${i}` });
        }
      }
    });
  });

  describe("webhooks", () => {
    let clientsSeen = 0;
    const endpoints: string[] = [];
    /** A new client with an enabled endpoint; disabled after the test so that its rows are never due to another. */
    async function endpoint(tag: string): Promise<{ clientId: string; endpointId: string }> {
      const clientId = `wh-${tag}-${++clientsSeen}`;
      await store.clients.insert(client(clientId), "s");
      const endpointId = `ep-${clientId}`;
      await store.webhooks.insertEndpoint(clientId, { endpointId, url: `https://${clientId}.example/in`, enabled: true, disabledReason: null, createdAt: 1, updatedAt: 1 }, `whsec-${clientId}`);
      endpoints.push(endpointId);
      return { clientId, endpointId };
    }
    const enqueue = (e: { clientId: string; endpointId: string }, messageId: string, now: number) =>
      store.webhooks.enqueue({ ...e, messageId, eventType: "user.engaged", body: `{"m":"${messageId}"}`, now });
    afterEach(async () => {
      for (const id of endpoints.splice(0)) await store.webhooks.disableEndpoint(id, "test over");
    });

    test("endpoints: insert, get, update with and without a new secret, disable", async () => {
      const e = await endpoint("ep");
      const got = await store.webhooks.getEndpoint(e.clientId);
      expect(got).toStrictEqual({ endpointId: e.endpointId, url: `https://${e.clientId}.example/in`, enabled: true, disabledReason: null, createdAt: 1, updatedAt: 1 });
      expect(typeof got?.updatedAt).toBe("number");
      expect(await store.webhooks.enabledEndpointId(e.clientId)).toBe(e.endpointId);
      expect(await store.webhooks.getEndpoint("nobody")).toBeUndefined();

      expect(await store.webhooks.disableClientEndpoint(e.clientId, "by the client", 5)).toBe(true);
      expect(await store.webhooks.getEndpoint(e.clientId)).toMatchObject({ enabled: false, disabledReason: "by the client", updatedAt: 5 });
      expect(await store.webhooks.enabledEndpointId(e.clientId)).toBeUndefined();
      expect(await store.webhooks.disableClientEndpoint("nobody", "x", 5)).toBe(false);

      await store.webhooks.updateEndpoint(e.endpointId, "https://new.example/in", null, 6);
      expect(await store.webhooks.getEndpoint(e.clientId)).toMatchObject({ url: "https://new.example/in", enabled: true, disabledReason: null, updatedAt: 6 });
      await enqueue(e, "ep-m1", 10);
      expect((await store.webhooks.claimDue(10, 10, 1000)).map((r) => r.secretEncrypted)).toStrictEqual([`whsec-${e.clientId}`]);
      await store.webhooks.updateEndpoint(e.endpointId, "https://new.example/in", "whsec-rotated", 7);
      expect((await store.webhooks.claimDue(1010, 10, 1000)).map((r) => r.secretEncrypted)).toStrictEqual(["whsec-rotated"]);

      await store.webhooks.disableEndpoint(e.endpointId, "410");
      expect(await store.webhooks.getEndpoint(e.clientId)).toMatchObject({ enabled: false, disabledReason: "410" });
    });

    test("claimDue takes due rows of enabled endpoints only, oldest first, and leases them", async () => {
      const e = await endpoint("claim");
      const off = await endpoint("off");
      await enqueue(e, "c-later", 300);
      await enqueue(e, "c-first", 100);
      await enqueue(e, "c-second", 200);
      await enqueue(e, "c-future", 5_000);
      await enqueue(off, "c-off", 50);
      await store.webhooks.disableEndpoint(off.endpointId, "gone");

      const claimed = await store.webhooks.claimDue(1_000, 2, 10_000);
      expect(claimed).toStrictEqual([
        { id: expect.any(String), messageId: "c-first", endpointId: e.endpointId, url: `https://${e.clientId}.example/in`, secretEncrypted: `whsec-${e.clientId}`, body: '{"m":"c-first"}', attempts: 0 },
        expect.objectContaining({ messageId: "c-second" }),
      ]);
      expect((await store.webhooks.claimDue(1_000, 10, 10_000)).map((r) => r.messageId)).toStrictEqual(["c-later"]);
      // Leased: nothing more at the same time, nor just before the lease ends.
      expect(await store.webhooks.claimDue(1_000, 10, 10_000)).toStrictEqual([]);
      expect((await store.webhooks.claimDue(10_999, 10, 10_000)).map((r) => r.messageId)).toStrictEqual(["c-future"]);
      // When the lease ends the unfinished rows are due again, with no attempt counted.
      const again = await store.webhooks.claimDue(11_000, 10, 10_000);
      expect(again.map((r) => `${r.messageId}:${r.attempts}`).sort()).toStrictEqual(["c-first:0", "c-later:0", "c-second:0"]);
    });

    test("recordAttempt: delivered and failed rows are done, pending ones come back at their time; the delivery log", async () => {
      const e = await endpoint("log");
      for (const [i, id] of ["l-ok", "l-retry", "l-fail", "l-new"].entries()) await enqueue(e, id, 100 + i);
      const rows = await store.webhooks.claimDue(1_000, 3, 60_000);
      const id = (messageId: string) => rows.find((r) => r.messageId === messageId)!.id;
      await store.webhooks.recordAttempt(id("l-ok"), attempt(1, "delivered", 200), "delivered", null);
      await store.webhooks.recordAttempt(id("l-retry"), attempt(1, "retry", 500), "pending", 2_000);
      await store.webhooks.recordAttempt(id("l-fail"), attempt(1, "retry", 503), "pending", 3_000);
      await store.webhooks.recordAttempt(id("l-fail"), attempt(2, "retry", 502), "failed", null);

      const due = await store.webhooks.claimDue(2_000, 10, 60_000);
      expect(due.map((r) => [r.messageId, r.attempts])).toStrictEqual([["l-new", 0], ["l-retry", 1]]);
      expect(await store.webhooks.claimDue(2_000, 10, 60_000)).toStrictEqual([]);
      await store.webhooks.recordAttempt(id("l-retry"), attempt(2, "retry", 500), "pending", 9_000);

      const page = await store.webhooks.listDeliveries(e.clientId, 2, 1);
      expect(page.total).toBe(4);
      expect(typeof page.total).toBe("number");
      expect(page.deliveries.map((d) => d.messageId)).toStrictEqual(["l-fail", "l-retry"]);
      const [failed, retrying] = page.deliveries;
      expect(failed).toStrictEqual({
        messageId: "l-fail", eventType: "user.engaged", state: "failed", attempts: 2, nextAttemptAt: null, createdAt: 102,
        lastStatus: 502, lastError: "HTTP 502", body: '{"m":"l-fail"}',
        log: [
          { attempt: 1, at: 5_001, outcome: "retry", status: 503, error: "HTTP 503", durationMs: 12 },
          { attempt: 2, at: 5_002, outcome: "retry", status: 502, error: "HTTP 502", durationMs: 12 },
        ],
      });
      expect(retrying).toMatchObject({ state: "pending", attempts: 2, nextAttemptAt: 9_000, lastStatus: 500 });
      expect(typeof retrying!.nextAttemptAt).toBe("number");
      expect(typeof retrying!.log[0]!.at).toBe("number");
      const all = await store.webhooks.listDeliveries(e.clientId, 10, 0);
      expect(all.deliveries.map((d) => [d.messageId, d.state, d.log.length])).toStrictEqual([
        ["l-new", "pending", 0], ["l-fail", "failed", 2], ["l-retry", "pending", 2], ["l-ok", "delivered", 1],
      ]);
      expect(await store.webhooks.listDeliveries("nobody", 10, 0)).toStrictEqual({ total: 0, deliveries: [] });
    });

    test("concurrent claims never return the same row, and together take every due row once", async () => {
      const e = await endpoint("race");
      for (let round = 0; round < 3; round++) {
        const ids = range(24).map((i) => `r${round}-${i}`);
        for (const [i, id] of ids.entries()) await enqueue(e, id, 100 + i);
        const now = 1_000 + round * 1_000_000;
        const batches = await Promise.all(range(4).map(() => store.webhooks.claimDue(now, 5, 60_000)));
        const taken = batches.flat().map((r) => r.messageId);
        expect(new Set(taken).size).toBe(taken.length);
        // Whatever the racing claims left is taken once by the next ones; nothing is returned twice.
        for (let rest = await store.webhooks.claimDue(now, 5, 60_000); rest.length > 0; rest = await store.webhooks.claimDue(now, 5, 60_000)) {
          taken.push(...rest.map((r) => r.messageId));
        }
        expect(taken.sort()).toStrictEqual([...ids].sort());
        // Mark them done so that the next round starts with only its own rows due.
        for (const row of batches.flat()) await store.webhooks.recordAttempt(row.id, attempt(1, "delivered", 200), "delivered", null);
        const leftovers = await store.webhooks.claimDue(now + 60_000, 100, 60_000);
        for (const row of leftovers) await store.webhooks.recordAttempt(row.id, attempt(1, "delivered", 200), "delivered", null);
      }
    });
  });

  describe("overview", () => {
    test("counts a client's humans, connections and webhook messages made since a time, and no other client's", async () => {
      const since = 5_000;
      await store.clients.insert(client("ov"), "s");
      await store.clients.insert(client("ov-other"), "s");
      await store.sources.upsert([{ ...source(60), type: "lab" }, { ...source(61), type: "wearable" }], 3);
      const make = async (id: string, createdAt: number, marks: ("invitedAt" | "engagedAt")[] = [], clientId = "ov") => {
        await store.humans.upsert(human(id, clientId, `user-${id}`, createdAt));
        for (const mark of marks) await store.humans.markFirst(id, mark, createdAt + 1);
      };
      await make("ov-old", 1_000, ["invitedAt"]);
      await make("ov-created", 5_000);
      await make("ov-invited", 5_000, ["invitedAt"]);
      await make("ov-engaged", 6_000, ["invitedAt", "engagedAt"]);
      await make("ov-connected", 6_000, ["engagedAt"]);
      await make("ov-left", 7_000, ["engagedAt"]);
      await make("ov-elsewhere", 7_000, ["engagedAt"], "ov-other");
      await store.connections.add("ov-connected", hex(1), 6_500);
      await store.connections.add("ov-connected", hex(60), 6_500);
      await store.connections.add("ov-left", hex(2), 7_500);
      await store.connections.remove("ov-left", hex(2));
      await store.connections.add("ov-old", hex(3), 1_500);
      await store.connections.add("ov-old", hex(4), 8_000);
      await store.connections.add("ov-elsewhere", hex(61), 8_000);

      const profiles = await store.overview.humanProfiles("ov", since);
      const key = (p: { connected: boolean; engaged: boolean; invited: boolean }) => `${+p.connected}${+p.engaged}${+p.invited}`;
      expect(Object.fromEntries(profiles.map((p) => [key(p), p.count]))).toStrictEqual({ "000": 1, "001": 1, "011": 1, "110": 1, "010": 1 });
      // The same humans, as the users listing sees them: one per profile, and only those created since.
      const { users } = await store.humans.list("ov", { limit: 100, offset: 0 });
      const listed = users.filter((u) => u.createdAt >= since);
      expect(listed).toHaveLength(profiles.reduce((n, p) => n + p.count, 0));
      for (const u of listed) {
        const profile = key({ connected: u.connections > 0, engaged: u.engagedAt !== null, invited: u.invitedAt !== null });
        expect(profiles.some((p) => key(p) === profile), u.humanId).toBe(true);
      }
      expect(await store.overview.humanProfiles("ov", 100_000)).toStrictEqual([]);

      expect(await store.overview.connectionsBySourceType("ov", since)).toStrictEqual([
        { type: "clinic", count: 2 },
        { type: "lab", count: 1 },
      ]);
      expect(await store.overview.connectionsBySourceType("ov-other", since)).toStrictEqual([{ type: "wearable", count: 1 }]);

      const endpointId = "ep-ov";
      await store.webhooks.insertEndpoint("ov", { endpointId, url: "https://ov.example/in", enabled: true, disabledReason: null, createdAt: 1, updatedAt: 1 }, "whsec-ov");
      for (const [messageId, now] of [["ov-m-old", 1_000], ["ov-m-ok", 5_000], ["ov-m-retry", 5_100], ["ov-m-fail", 5_200], ["ov-m-queued", 9_000]] as const) {
        await store.webhooks.enqueue({ messageId, endpointId, clientId: "ov", eventType: "user.engaged", body: "{}", now });
      }
      const claimed = (await store.webhooks.claimDue(6_000, 100, 60_000)).filter((r) => r.messageId.startsWith("ov-m-"));
      const id = (m: string) => claimed.find((r) => r.messageId === m)!.id;
      await store.webhooks.recordAttempt(id("ov-m-old"), attempt(1, "delivered", 200), "delivered", null);
      await store.webhooks.recordAttempt(id("ov-m-ok"), attempt(1, "delivered", 200), "delivered", null);
      await store.webhooks.recordAttempt(id("ov-m-retry"), attempt(1, "retry", 500), "pending", 90_000);
      await store.webhooks.recordAttempt(id("ov-m-fail"), attempt(1, "retry", 500), "failed", null);
      await store.webhooks.disableEndpoint(endpointId, "test over");
      const states = await store.overview.outboxStates("ov", since);
      const order = (r: { state: string; attempted: boolean }) => `${r.state}-${r.attempted}`;
      expect([...states].sort((a, b) => order(a).localeCompare(order(b)))).toStrictEqual([
        { state: "delivered", attempted: true, count: 1 },
        { state: "failed", attempted: true, count: 1 },
        { state: "pending", attempted: false, count: 1 },
        { state: "pending", attempted: true, count: 1 },
      ]);
      expect(await store.overview.outboxStates("ov-other", since)).toStrictEqual([]);
    });
  });

  describe("housekeeping", () => {
    test("purgeExpired removes tokens, challenges, attempts and Portal sessions that expired before the cutoff", async () => {
      const { clientId, humanId } = await clientWithHuman("pg");
      for (const [tag, expiresAt] of [["old", 999], ["edge", 1_000], ["new", 5_000]] as const) {
        await store.tokens.insert(`pg-${tag}`, { kind: "session", humanId, clientId, createdAt: 1, expiresAt, usedAt: null, issuedVia: null });
        await store.mfa.insert(`pg-${tag}`, { humanId, sourceId: hex(1), createdAt: 1, expiresAt, failedAttempts: 0, usedAt: null });
        await store.oauth.insert({
          attemptId: `pg-${tag}`, humanId, sourceId: hex(1), codeVerifier: "v", codeChallenge: "c", redirectUri: "http://x/cb", codeHash: null,
          codeExpiresAt: null, codeUsedAt: null, status: "pending", sessionId: null, errorCode: null, errorMessage: null, expiresAt, stateHash: `pg-${tag}`, createdAt: 1,
          returnUrl: null, completionHash: null, completionExpiresAt: null, completionUsedAt: null,
        });
        await store.portalSessions.insert(`pg-${tag}`, { clientId, csrfToken: "c", createdAt: 1, expiresAt });
      }
      await store.purgeExpired(1_000);
      const present = async (tag: string) => [
        (await store.tokens.find(`pg-${tag}`)) !== undefined,
        (await store.mfa.get(`pg-${tag}`)) !== undefined,
        (await store.oauth.get(`pg-${tag}`)) !== undefined,
        (await store.portalSessions.get(`pg-${tag}`)) !== undefined,
      ];
      expect(await present("old")).toStrictEqual([false, false, false, false]);
      expect(await present("edge")).toStrictEqual([true, true, true, true]);
      expect(await present("new")).toStrictEqual([true, true, true, true]);
    });

    test("ping is false once the store is closed", async () => {
      const other = await openTestStore(dialect);
      expect(await other.store.ping()).toBe(true);
      await other.dispose();
      expect(await other.store.ping()).toBe(false);
    });
  });
});
