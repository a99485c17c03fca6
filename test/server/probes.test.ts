// Liveness and readiness as a load balancer or an orchestrator sees them: /healthz while the process runs, /readyz
// only while the database answers and the instance is not shutting down.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { createTestDatabase, testDialects, type TestDatabase } from "../helpers/postgres.ts";
import { api } from "./support.ts";

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function startOn(dialect: "sqlite" | "postgres", extra: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
  if (dialect === "sqlite") return startTestService({ catalogSize: 2000, ...extra });
  const db = await createTestDatabase();
  databases.push(db);
  return startTestService({ catalogSize: 2000, databaseUrl: db.url, masterKey: randomBytes(32), ...extra });
}

describe.each(testDialects())("on %s", (dialect) => {
  test("both probes answer 200 while the service runs, without caching", async () => {
    const svc = await startOn(dialect);
    try {
      const health = await api(svc.url, "GET", "/healthz", null);
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: "ok" });
      const ready = await api(svc.url, "GET", "/readyz", null);
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ready" });
      expect(ready.headers.get("cache-control")).toBe("no-store");
    } finally {
      await svc.close();
    }
  });

  test("/readyz answers 503 database_unavailable once the database is gone, while /healthz still answers 200", async () => {
    const svc = await startOn(dialect);
    try {
      await svc.store.close();
      const ready = await api(svc.url, "GET", "/readyz", null);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: "not_ready", reason: "database_unavailable" });
      const health = await api(svc.url, "GET", "/healthz", null);
      expect(health.status).toBe(200);
    } finally {
      await svc.close().catch(() => undefined);
    }
  });
});

test("/readyz answers 503 shutting_down from the start of close() while requests are still served", async () => {
  const svc = await startTestService({ catalogSize: 2000, shutdownDrainMs: 800 });
  expect((await api(svc.url, "GET", "/readyz", null)).status).toBe(200);
  const closing = svc.close();
  try {
    const ready = await api(svc.url, "GET", "/readyz", null);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: "not_ready", reason: "shutting_down" });
    expect((await api(svc.url, "GET", "/healthz", null)).status).toBe(200);
  } finally {
    await closing;
  }
});
