import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from '../database.js';
import { KyselyStore } from '../kysely-store.js';

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  filename: string;
  /**
   * `NORMAL` (default): with WAL, a committed write survives a crash of the process (the OS holds
   * it); `FULL` also survives power loss, at an fsync per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
}

/** Reads `sqlite:relative/path`, `sqlite:///abs/path`, `file:…` or a bare path. */
export function sqliteFilename(url: string): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length) || ':memory:';
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length) || ':memory:';
  if (url.startsWith('file:')) return url.slice('file:'.length);
  return url;
}

/**
 * Kysely prepares every query afresh; the server runs the same few dozen statements all day, so
 * prepared statements are kept and reused (bounded, least recently used out first). Safe because
 * the SQLite dialect runs one query at a time on its single connection.
 */
function withStatementCache(database: SQLite.Database, limit = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

export function createSqliteStore(options: SqliteOptions): KyselyStore {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
  const database = new SQLite(options.filename);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('cache_size = -65536');
  database.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  return new KyselyStore(db, {
    engine: 'sqlite',
    isUniqueViolation: (error) =>
      error instanceof SQLite.SqliteError &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
    // An embedded database has no connection to lose.
    isConnectionError: () => false,
    withMigrationLock: async (_db, run) => run(),
  });
}
