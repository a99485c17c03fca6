// Opens the service's database: an embedded SQLite file by default, or PostgreSQL when a database URL is given.
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { kyselyStore } from "./kysely/kysely-store.ts";
import { rateLimitStore } from "./kysely/rate-limits.ts";
import { RATE_LIMITS_FILE, openSqliteRateLimits } from "./sqlite-rate-limits.ts";
import { DurableSqliteDialect } from "./sqlite-durable-driver.ts";
import { startCheckpointer } from "./sqlite-checkpointer.ts";
import { migrationProvider } from "./migrations.ts";
import type { Database } from "./schema.ts";
import type { DialectName, RateLimitStore, Store } from "./types.ts";

/** File name of the SQLite database inside the data dir. */
export const DATABASE_FILE = "connect.sqlite";

/** Where the store lives: a SQLite file in `dataDir`, or the PostgreSQL database at `databaseUrl`. */
export interface StoreLocation {
  dataDir: string;
  /** postgres:// URL; when set, the data dir holds no database. */
  databaseUrl?: string | undefined;
}

// Any fixed number: every instance of this service takes the same advisory lock to migrate and seed one at a time.
const SETUP_LOCK_KEY = 7_146_353_881;
const PG_INT8_OID = 20;

/** True when `url` names a PostgreSQL database. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** A store with its setup step: `setUp` runs once per database at a time, across every instance. */
export interface OpenedStore {
  store: Store;
  /** Runs `fn` holding the database-wide setup lock (a PostgreSQL advisory lock; SQLite's file has one writer). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  exclusive: OpenedStore["exclusive"];
  rateLimits: RateLimitStore;
  close(): Promise<void>;
}

function openSqlite(dataDir: string): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new BetterSqlite3(join(dataDir, DATABASE_FILE));
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("temp_store = MEMORY");
  // The checkpointer's worker copies the WAL back instead (see sqlite-checkpointer.ts); a WAL that grew under load
  // is cut back to 64 MB once copied.
  sqlite.pragma("wal_autocheckpoint = 0");
  sqlite.pragma("journal_size_limit = 67108864");
  // An acknowledged write survives a power cut, not only a process crash: the driver answers only after an fsync.
  const db = new Kysely<Database>({ dialect: new DurableSqliteDialect(sqlite) });
  const checkpointer = startCheckpointer(join(dataDir, DATABASE_FILE));
  const rateLimits = openSqliteRateLimits(join(dataDir, RATE_LIMITS_FILE));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await checkpointer.stop();
      rateLimits.close();
      await db.destroy();
    })());
  return { db, dialect: "sqlite", exclusive: (fn) => fn(), rateLimits, close };
}

function openPostgres(url: string): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // bigint columns hold times and counts, all far below 2^53: read them as numbers, in this one place.
    types: { getTypeParser: (oid: number, format?: string) => (oid === PG_INT8_OID ? Number : pg.types.getTypeParser(oid, format as "text")) } as never,
  });
  // An idle connection the server drops (a restart, a terminated backend) is an 'error' event on the pool: without a
  // listener it would end the process; the pool replaces the connection on the next query.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query("select pg_advisory_lock($1)", [SETUP_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await client.query("select pg_advisory_unlock($1)", [SETUP_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  };
  return { db, dialect: "postgres", exclusive, rateLimits: rateLimitStore(db), close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`);
  }
}

/** Opens the database and applies pending migrations, once across instances. */
export async function openStore(location: StoreLocation): Promise<OpenedStore> {
  const { db, dialect, exclusive, rateLimits, close } = location.databaseUrl ? openPostgres(location.databaseUrl) : openSqlite(location.dataDir);
  try {
    await exclusive(() => migrate(db, dialect));
  } catch (err) {
    await close();
    throw err;
  }
  return { store: kyselyStore(db, dialect, rateLimits, close), exclusive };
}
