import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import { KyselyStore } from '../kysely-store.js';

export interface PostgresOptions {
  connectionString: string;
  /** Pool size; defaults to 10. */
  max?: number;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
]);

export function createPostgresStore(options: PostgresOptions): KyselyStore {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    // int8 columns hold Unix times well inside 2^53: read them as numbers.
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === 20
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore(db, {
    engine: 'postgres',
    isUniqueViolation: (error) => (error as { code?: string } | null)?.code === '23505',
    isConnectionError: (error) => {
      const e = error as { code?: string; message?: string } | null;
      if (!e) return false;
      if (e.code && CONNECTION_ERROR_CODES.has(e.code)) return true;
      return /timeout|terminat|Connection|ECONNREFUSED/i.test(e.message ?? '');
    },
    // Kysely's Migrator already takes a transaction-scoped advisory lock on PostgreSQL.
    withMigrationLock: async (_db, run) => run(),
  });
}
