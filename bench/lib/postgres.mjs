// A fresh PostgreSQL database for the throughput rows on PostgreSQL, on the server that HC_BENCH_DATABASE_URL (or
// the tests' HC_TEST_DATABASE_URL) names; dropped at the end of the run.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** Creates the database, or resolves undefined when no server is configured. */
export async function createBenchDatabase() {
  const admin = process.env.HC_BENCH_DATABASE_URL || process.env.HC_TEST_DATABASE_URL;
  if (!admin) return undefined;
  const name = `hc_bench_${randomBytes(6).toString("hex")}`;
  const run = async (sql) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    masterKey: randomBytes(32).toString("hex"),
    drop: () => run(`drop database if exists ${name} with (force)`),
  };
}
