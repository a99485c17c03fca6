// The contract of the SMART store (settings of SMART sources, encrypted tokens of their connections), on SQLite and
// PostgreSQL alike.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore } from "../../src/server/store/open-store.ts";
import type { SmartGrantRecord, Store } from "../../src/server/store/types.ts";
import { createTestDatabase, testDialects, type TestDatabase } from "../helpers/postgres.ts";

const SOURCE = "f0f0f0f0f0f0f0f0f0f0f0f1";

describe.each(testDialects())("smart store on %s", (dialect) => {
  let store: Store;
  let dataDir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `hc-smart-store-${dialect}-`));
    database = dialect === "postgres" ? await createTestDatabase() : undefined;
    store = (await openStore({ dataDir, databaseUrl: database?.url })).store;
    await store.sources.upsert([{ id: SOURCE, name: "EHR", type: "hospital", city: "Boston", state: "MA", auth: "smart", description: "", behavior: "normal" }], 1);
    await store.clients.insert(
      { clientId: "c1", name: "C", primaryColor: null, logoUrl: null, allowedOrigins: ["http://localhost:3000"], permissions: { idTokens: true, clientTokens: false }, disabled: false, redirectUrl: null, createdAt: 1 },
      "sealed",
    );
    for (const id of ["h1", "h2", "h3"]) await store.humans.upsert({ humanId: id, clientId: "c1", clientUserId: `u-${id}`, email: null, createdAt: 1, invitedAt: null, engagedAt: null, connectedAt: null });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const grant = (humanId: string, access: string, at: number): SmartGrantRecord => ({
    humanId,
    sourceId: SOURCE,
    accessTokenEncrypted: access,
    refreshTokenEncrypted: `r-${access}`,
    expiresAt: at + 3_600_000,
    patient: "p1",
    scope: "patient/*.rs",
    updatedAt: at,
  });

  test("source settings are inserted, then replaced", async () => {
    await store.smart.putSources([{ sourceId: SOURCE, fhirBaseUrl: "https://a.example/fhir", clientId: "one", clientSecretEncrypted: null, scopes: "s1" }], 1);
    await store.smart.putSources([{ sourceId: SOURCE, fhirBaseUrl: "https://b.example/fhir", clientId: "two", clientSecretEncrypted: "v1.x.y.z", scopes: "s2" }], 2);
    expect(await store.smart.getSource(SOURCE)).toEqual({ sourceId: SOURCE, fhirBaseUrl: "https://b.example/fhir", clientId: "two", clientSecretEncrypted: "v1.x.y.z", scopes: "s2" });
    expect(await store.smart.getSource("f0f0f0f0f0f0f0f0f0f0f0f9")).toBeUndefined();
  });

  test("grants: put replaces, list is per human, replaceTokens only over the tokens it read, delete", async () => {
    await store.smart.putGrant(grant("h1", "a1", 10));
    await store.smart.putGrant(grant("h1", "a2", 20));
    await store.smart.putGrant(grant("h2", "b1", 30));
    expect(await store.smart.getGrant("h1", SOURCE)).toEqual(grant("h1", "a2", 20));
    expect((await store.smart.listGrants("h1")).map((g) => g.accessTokenEncrypted)).toEqual(["a2"]);
    expect(await store.smart.replaceTokens("a1", grant("h1", "a3", 40))).toBe(false);
    expect(await store.smart.replaceTokens("a2", { ...grant("h1", "a3", 40), refreshTokenEncrypted: null, expiresAt: null })).toBe(true);
    expect(await store.smart.getGrant("h1", SOURCE)).toMatchObject({ accessTokenEncrypted: "a3", refreshTokenEncrypted: null, expiresAt: null, patient: "p1", updatedAt: 40 });
    await store.smart.deleteGrant("h1", SOURCE);
    expect(await store.smart.getGrant("h1", SOURCE)).toBeUndefined();
    expect(await store.smart.getGrant("h2", SOURCE)).toBeDefined();
  });

  test("the refresh lease: one holder at a time, until it runs out, is released or the tokens are replaced", async () => {
    await store.smart.putGrant(grant("h3", "c1", 10));
    expect(await store.smart.claimRefresh("h3", SOURCE, "c1", 1_000, 100)).toBe(true);
    // Another instance, before the lease ends: refused; after it: taken.
    expect(await store.smart.claimRefresh("h3", SOURCE, "c1", 1_500, 999)).toBe(false);
    expect(await store.smart.claimRefresh("h3", SOURCE, "c1", 2_000, 1_000)).toBe(true);
    // Tokens it did not read are not leased: someone refreshed already.
    expect(await store.smart.claimRefresh("h3", SOURCE, "stale", 9_000, 5_000)).toBe(false);
    await store.smart.releaseRefresh("h3", SOURCE, "c1");
    expect(await store.smart.claimRefresh("h3", SOURCE, "c1", 3_000, 1_100)).toBe(true);
    // Replacing the tokens ends the lease: the new tokens can be leased at once.
    expect(await store.smart.replaceTokens("c1", grant("h3", "c2", 20))).toBe(true);
    expect(await store.smart.claimRefresh("h3", SOURCE, "c2", 4_000, 1_200)).toBe(true);
    // A new sign-in (a repair) ends it too.
    await store.smart.putGrant(grant("h3", "c3", 30));
    expect(await store.smart.claimRefresh("h3", SOURCE, "c3", 5_000, 1_300)).toBe(true);
  });
});
