// The embedded SQLite file's driver for kysely. Two things differ from kysely's own SqliteDriver:
//
// - Durability without holding the event loop. synchronous=FULL makes every COMMIT wait for an fsync of the WAL
//   inside better-sqlite3, which is synchronous: on a virtual disk that is milliseconds per commit during which the
//   process serves nothing. Here SQLite commits with synchronous=NORMAL (no fsync at commit) and the driver fsyncs the
//   WAL from Node's thread pool once the connection is released, before the query or transaction that wrote resolves.
//   So a write is on disk before anyone is answered about it, as with FULL, while other requests keep running; writes
//   that finish while an fsync is under way share the next one (group commit).
// - Statements are prepared once per SQL text and reused.
import type BetterSqlite3 from "better-sqlite3";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { SharedSync } from "./shared-sync.ts";
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from "kysely";

/** Most prepared statements kept; the service issues a few hundred distinct ones. */
const STATEMENT_CACHE_SIZE = 1000;

/** A kysely dialect over one better-sqlite3 database whose writes resolve only once they are on disk. */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.sqlite);
  }
}

class DurableSqliteDriver implements Driver {
  private readonly connection: CachedStatementConnection;
  private readonly mutex = new Mutex();
  private readonly wal: SharedSync;
  private walFile: Promise<FileHandle> | undefined;

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    this.connection = new CachedStatementConnection(sqlite);
    this.wal = new SharedSync(() => this.syncWal());
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: a statement run while a transaction is open would join it.
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    const wrote = this.connection.takeWrote();
    // The connection is free before the wait, so that others run while the disk works.
    this.mutex.unlock();
    if (wrote && !this.sqlite.inTransaction) await this.wal.sync();
  }

  async destroy(): Promise<void> {
    await this.wal.idle();
    await (await this.walFile)?.close();
    this.sqlite.close();
  }

  private async syncWal(): Promise<void> {
    if (!this.walFile) {
      // The WAL exists once the first write is done; its directory entry is made durable once, here.
      const path = `${this.sqlite.name}-wal`;
      this.walFile = open(path, "r");
      const dir = await open(dirname(path), "r");
      await dir.sync().finally(() => dir.close());
    }
    await (await this.walFile).sync();
  }
}

class CachedStatementConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private wrote = false;

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  /** True when a statement that may change the database ran since the last call. */
  takeWrote(): boolean {
    const wrote = this.wrote;
    this.wrote = false;
    return wrote;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepare(compiledQuery.sql);
    if (!stmt.readonly) this.wrote = true;
    const parameters = compiledQuery.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not used with the embedded database");
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.sqlite.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

class Mutex {
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unlock(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}
