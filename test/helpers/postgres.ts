// PostgreSQL for tests: HC_TEST_DATABASE_URL names a server where the tests may create and drop databases. Under
// CI=true it must be set and reachable (.ci/run starts one): the PostgreSQL runs are required there, never left out.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin URL of the test server, or undefined when none is configured (outside CI only). */
export const testPostgresUrl: string | undefined = process.env.HC_TEST_DATABASE_URL || undefined;

/** Fails under CI=true when no test database is configured. */
export function assertPostgresConfigured(): void {
  if (process.env.CI === "true" && !testPostgresUrl) {
    throw new Error("CI=true but HC_TEST_DATABASE_URL is not set: the PostgreSQL runs are required in CI");
  }
}

/** The dialects to run a suite against: SQLite always, PostgreSQL when configured (always in CI). */
export function testDialects(): ("sqlite" | "postgres")[] {
  assertPostgresConfigured();
  return testPostgresUrl ? ["sqlite", "postgres"] : ["sqlite"];
}

/** A fresh, empty database on the test server, dropped by `drop()`. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh database on the test server (throws when the server cannot be reached). */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testPostgresUrl) throw new Error("HC_TEST_DATABASE_URL is not set");
  const name = `hc_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: testPostgresUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
