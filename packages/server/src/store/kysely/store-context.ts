import type { Database as SqliteConnection } from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { ArrayQuery } from './direct-page.js';
import type { Engine } from '../migrations/index.js';
import { StoreUnavailableError, type TableName } from '../store.js';
import { GroupCommit } from './group-commit.js';

/** What differs between the engines beyond SQL text: error classification and lifecycle. */
export interface EngineHooks {
  engine: Engine;
  isUniqueViolation(error: unknown): boolean;
  isConnectionError(error: unknown): boolean;
  /** Runs the migrations, under whatever lock the engine needs. */
  withMigrationLock(db: Kysely<Database>, run: () => Promise<void>): Promise<void>;
  /**
   * A separate connection for migrations, without the per-statement timeouts requests have (an
   * index build on a big table may take minutes); closed once they are done.
   */
  migrationDb?(): Kysely<Database>;
  /** The schema holding Kysely's migration tables, where the engine has schemas. */
  migrationSchema?(db: Kysely<Database>): Promise<string>;
  /** Waits for whatever else holds the database (SQLite's checkpoint thread) to let go. */
  afterClose?(): Promise<void>;
  /** Brings the planner's statistics up to date after a bulk load. */
  analyze?(db: Kysely<Database>, tables: readonly TableName[]): Promise<void>;
  /** SQLite: the connection itself (whether it is inside a transaction decides a direct read). */
  sqlite?: SqliteConnection;
  /** Hot reads on statements prepared once (direct-page.ts), rows as arrays. */
  arrayQuery?: ArrayQuery;
}

export type Trx = Transaction<Database>;

/** What every resource's queries are given: the database, the engine's hooks, error mapping. */
export class StoreContext {
  readonly engine: Engine;
  readonly #group = new GroupCommit(this);

  constructor(
    readonly db: Kysely<Database>,
    readonly hooks: EngineHooks,
  ) {
    this.engine = hooks.engine;
  }

  /** Runs `fn`, turning connection failures into StoreUnavailableError (→ 503). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (this.hooks.isConnectionError(error)) throw new StoreUnavailableError(error);
      throw error;
    }
  }

  /** `fn` in one transaction, with connection failures mapped as by `run`. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.run(() => this.db.transaction().execute(fn));
  }

  /**
   * A write transaction. On SQLite, writes that arrive together commit together (group commit:
   * group-commit.ts); PostgreSQL runs each on a connection of its own.
   */
  write<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.engine === 'sqlite' ? this.#group.run(fn) : this.transaction(fn);
  }

  /**
   * A transaction that runs alone, across processes too: it takes SQLite's write lock at its start
   * (BEGIN IMMEDIATE, waiting for it as for any write), or PostgreSQL's transaction-scoped
   * advisory lock `key`. For check-then-write work a unique index cannot guard.
   */
  lockedTransaction<T>(key: number, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.engine === 'postgres') {
      return this.transaction(async (trx) => {
        await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
        return fn(trx);
      });
    }
    return this.run(() =>
      this.db.connection().execute(async (db) => {
        await sql`begin immediate`.execute(db);
        try {
          const result = await fn(db);
          await sql`commit`.execute(db);
          return result;
        } catch (error) {
          await sql`rollback`.execute(db);
          throw error;
        }
      }),
    );
  }

  isUniqueViolation(error: unknown): boolean {
    return this.hooks.isUniqueViolation(error);
  }

  /**
   * Inserts a row that several callers may insert at once (a bootstrap project, a first signing
   * key): when another caller's row took the unique key first, that row is returned instead.
   */
  async insertOrFindWinner<T>(
    insert: () => Promise<unknown>,
    inserted: T,
    findWinner: () => Promise<T | undefined>,
  ): Promise<T> {
    try {
      await this.run(insert);
      return inserted;
    } catch (error) {
      if (!this.isUniqueViolation(error)) throw error;
      const winner = await this.run(findWinner);
      if (winner === undefined) throw error;
      return winner;
    }
  }
}
