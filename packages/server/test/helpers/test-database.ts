import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Engine } from '../../src/store/migrations/index.js';

/**
 * Which engine the suite runs on: `CONCLAVE_TEST_ENGINE=postgres` puts every test store in a fresh
 * schema of `DATABASE_URL_TEST`; anything else (or nothing) gives each one a fresh SQLite file.
 */
export function testEngine(): Engine {
  return process.env.CONCLAVE_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export const DEFAULT_DATABASE_URL_TEST = 'postgres://postgres@127.0.0.1:5432/test';

export function postgresTestUrl(): string {
  return process.env.DATABASE_URL_TEST || DEFAULT_DATABASE_URL_TEST;
}

/** Names start with the run's id (set by the suite runner), so a run can sweep up after itself. */
export function testSchemaPrefix(runId = process.env.CONCLAVE_TEST_RUN_ID): string {
  return `conclave_test_${runId ?? 'adhoc'}_`;
}

/** A database of its own for one test: its URL, and how to throw it away. */
export interface TestDatabase {
  engine: Engine;
  /** A `DATABASE_URL` for a Conclave process or `openStore`. */
  url: string;
  /** The PostgreSQL schema (postgres only). */
  schema?: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given engine (default: the one under test). */
export async function createTestDatabase(engine: Engine = testEngine()): Promise<TestDatabase> {
  if (engine === 'postgres') {
    const schema = testSchemaPrefix() + randomBytes(6).toString('hex');
    const base = new URL(postgresTestUrl());
    base.searchParams.set('schema', schema);
    return {
      engine,
      url: base.toString(),
      schema,
      drop: () => dropSchemas(postgresTestUrl(), [schema]),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'conclave-test-'));
  return {
    engine,
    url: join(dir, 'test.sqlite'),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `fn` with a short-lived client on `url`. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  await withPgClient(url, async (client) => {
    for (const schema of schemas) {
      await client.query(`drop schema if exists "${schema}" cascade`);
    }
  });
}

/** Schemas whose name starts with `prefix` (a run's leftovers). */
export async function schemasLike(url: string, prefix: string): Promise<string[]> {
  return withPgClient(url, async (client) => {
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where starts_with(nspname, $1)`,
      [prefix],
    );
    return rows.map((r) => r.nspname);
  });
}
