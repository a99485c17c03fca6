// The embedded database's WAL is copied back into the database file by the checkpointer's worker, not by the
// commits of the event loop: after a burst of writes the WAL is soon fully checkpointed, and the data reads back.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, expect, test } from "vitest";
import { DATABASE_FILE, openStore } from "../../src/server/store/open-store.ts";
import { CHECKPOINT_EVERY_MS } from "../../src/server/store/sqlite-checkpointer.ts";

const dir = mkdtempSync(join(tmpdir(), "hc-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a burst of commits is copied back into the database file by the worker", async () => {
  const { store } = await openStore({ dataDir: dir });
  const file = join(dir, DATABASE_FILE);
  await store.clients.insert(
    { clientId: "c", name: "C", primaryColor: null, logoUrl: null, allowedOrigins: [], permissions: { idTokens: true, clientTokens: true }, disabled: false, redirectUrl: null, createdAt: 1 },
    "sealed",
  );
  // Whatever setup wrote is copied back first.
  await new Promise((r) => setTimeout(r, CHECKPOINT_EVERY_MS * 2));
  const sizeBefore = statSync(file).size;
  await Promise.all(
    Array.from({ length: 2000 }, (_, i) =>
      store.tokens.insert(String(i).padStart(64, "a"), { kind: "client", clientId: "c", humanId: null, createdAt: 1, expiresAt: 2, usedAt: null, issuedVia: null }),
    ),
  );
  // Right after the commits the rows are in the WAL only: nothing checkpointed them on the way.
  expect(statSync(file).size).toBe(sizeBefore);
  const probe = new BetterSqlite3(file, { readonly: true });
  try {
    const deadline = Date.now() + CHECKPOINT_EVERY_MS * 5;
    while (statSync(file).size === sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(file).size).toBeGreaterThan(sizeBefore);
    expect(probe.prepare("select count(*) as n from tokens").get()).toEqual({ n: 2000 });
  } finally {
    probe.close();
    await store.close();
  }
});
