import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import type { ArrayQuery } from '../kysely/direct-page.js';
import { createKyselyStore, type KyselyStore } from '../kysely-store.js';
import { parsePostgresUrl } from './postgres-url.js';
import { timeQuery } from '../query-timing.js';
import { registerPool } from '../pool-stats.js';

export interface PostgresOptions {
  /** `postgres://…`; a `schema` query parameter (or `options=-c search_path=…`) picks the schema. */
  connectionString: string;
  /** Schema holding Conclave's tables, created at migration when missing; overrides the URL's. */
  schema?: string | undefined;
  /** Most connections this process opens; default 10. */
  max?: number | undefined;
  /**
   * Longest a statement may run, in ms; default 10 000. The
   * server cancels it; a server that stops answering is given one more second before the client
   * gives up on the connection.
   */
  statementTimeoutMs?: number | undefined;
  /** Longest wait for a connection, new or from the pool, in ms; default 5 000. */
  connectTimeoutMs?: number | undefined;
}

// Errors meaning "the database is not there right now" rather than "this statement is wrong".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57014', // query_canceled: statement_timeout hit, the server is overloaded or stuck
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|connection error/i;

export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) {
    return true;
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  // A host name with several addresses fails with all of them at once.
  return Array.isArray(e.errors) && e.errors.some(isPostgresUnavailable);
}

/**
 * The pool as Kysely sees it. A client whose query timed out on our side is still waiting for
 * that answer; handing it out again would queue the next query behind a reply that may never
 * come, so it is destroyed instead of returned.
 */
function discardingTimedOutClients(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let broken = false;
    const query = (text: unknown, values?: unknown) => {
      const result = client.query(text as string, values as unknown[]) as unknown;
      if (result instanceof Promise) {
        return result.catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Query read timeout') broken = true;
          throw error;
        });
      }
      return result; // a cursor
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy || broken || undefined),
    };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

const INT8_OID = 20;

/**
 * Hot reads (direct-page.ts) as named statements: each connection parses and plans one once,
 * then only binds and runs it. A query that fails or times out destroys its client (pg's
 * `pool.query`), as `discardingTimedOutClients` does for Kysely's.
 */
function namedStatements(pool: pg.Pool): ArrayQuery {
  const names = new Map<string, string>();
  return async (text, parameters) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `conclave_direct_${names.size + 1}`;
      names.set(text, name);
    }
    const result = await pool.query({
      name,
      text,
      values: parameters as unknown[],
      rowMode: 'array',
    });
    return result.rows as unknown[][];
  };
}

export function createPostgresStore(options: PostgresOptions): KyselyStore {
  const url = parsePostgresUrl(options.connectionString);
  const schema = options.schema ?? url.schema;
  const statementTimeout = options.statementTimeoutMs ?? 10_000;
  const pgOptions = [url.options, schema && `-c search_path=${schema}`].filter(Boolean).join(' ');
  const connection: pg.PoolConfig = {
    connectionString: url.connectionString,
    ...(pgOptions ? { options: pgOptions } : {}),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    keepAlive: true,
    application_name: 'conclave',
    // int8 columns hold Unix times (and counts) well inside 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const max = options.max ?? 10;
  const pool = new pg.Pool({
    ...connection,
    max,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1_000,
    // A transaction left open by a stuck client must not hold its locks for ever.
    idle_in_transaction_session_timeout: 60_000,
  });
  // A connection lost while idle (the pool's 'error') or while checked out between two queries
  // (the client's own 'error', which nothing else listens to) must not crash the process: the
  // client is dropped from the pool, the query in flight fails (→ 503), the next one reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: discardingTimedOutClients(pool) }),
    log: timeQuery,
  });
  const store = createKyselyStore(db, {
    engine: 'postgres',
    isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
    isConnectionError: isPostgresUnavailable,
    // Kysely's Migrator takes a session advisory lock around the migrations on PostgreSQL, so
    // processes starting together apply each migration exactly once.
    withMigrationLock: async (_db, run) => run(),
    migrationDb: () =>
      new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ ...connection, max: 2 }) }),
      }),
    arrayQuery: namedStatements(pool),
    analyze: async (kdb, tables) => {
      for (const table of tables) await sql`analyze ${sql.table(table)}`.execute(kdb);
    },
    // Kysely looks for its own tables in every schema unless told which one is ours.
    migrationSchema: async (kdb) => {
      if (schema) return schema;
      const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(kdb);
      return rows[0]?.s ?? 'public';
    },
  });
  return registerPool(store, () => ({
    open: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max,
  }));
}
