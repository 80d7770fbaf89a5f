import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { parsePostgresPoolSettings } from '../src/config.js';
import { openStore } from '../src/store/open-store.js';
import {
  createPostgresStore,
  isPostgresUnavailable,
} from '../src/store/postgres/postgres-store.js';
import { parsePostgresUrl } from '../src/store/postgres/postgres-url.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { StoreUnavailableError } from '../src/store/store.js';
import { migrations } from '../src/store/migrations/index.js';
import { TABLE_NAMES } from '../src/transfer/transfer-format.js';
import { UNTRANSFERRED_TABLES } from '../src/transfer/transfer-store.js';
import { recordingStore } from './helpers/recording-store.js';
import { seedConferences, seedProject } from './helpers/seed-data.js';
import { freePort } from './helpers/server-process.js';
import { createTestDatabase, testEngine, withPgClient } from './helpers/test-database.js';

const onPostgres = testEngine() === 'postgres';
const needsPostgres = onPostgres ? {} : { skip: 'runs in the PostgreSQL pass' };

describe('PostgreSQL connection settings', () => {
  it('reads the schema from ?schema= or from libpq options, and keeps the rest of the URL', () => {
    assert.deepEqual(
      parsePostgresUrl('postgres://u:p%40ss@db:6543/app?schema=tenant_1&sslmode=require'),
      {
        connectionString: 'postgres://u:p%40ss@db:6543/app?sslmode=require',
        schema: 'tenant_1',
        options: undefined,
      },
    );
    assert.deepEqual(parsePostgresUrl('postgres://db/app?options=-csearch_path%3Dxyz'), {
      connectionString: 'postgres://db/app',
      schema: 'xyz',
      options: '-csearch_path=xyz',
    });
    assert.equal(parsePostgresUrl('postgresql://db/app').schema, undefined);
    assert.throws(() => parsePostgresUrl('postgres://db/app?schema=x;drop'), /plain identifier/);
  });

  it('takes the pool size and timeouts from CONCLAVE_PG_*', () => {
    assert.deepEqual(
      parsePostgresPoolSettings({
        CONCLAVE_PG_POOL_SIZE: '25',
        CONCLAVE_PG_STATEMENT_TIMEOUT_MS: '2000',
        CONCLAVE_PG_CONNECT_TIMEOUT_MS: '1500',
      }),
      { max: 25, statementTimeoutMs: 2000, connectTimeoutMs: 1500 },
    );
    assert.deepEqual(parsePostgresPoolSettings({}), {
      max: undefined,
      statementTimeoutMs: undefined,
      connectTimeoutMs: undefined,
    });
    assert.throws(() => parsePostgresPoolSettings({ CONCLAVE_PG_POOL_SIZE: '0' }), /≥ 1/);
  });

  it('tells "the database is not there" from "this statement is wrong"', () => {
    for (const unavailable of [
      { code: 'ECONNREFUSED' },
      { code: '57P01', message: 'terminating connection due to administrator command' },
      { code: '57P03', message: 'the database system is starting up' },
      { code: '08006' },
      { code: '57014', message: 'canceling statement due to statement timeout' },
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }]), { code: undefined }),
    ]) {
      assert.equal(isPostgresUnavailable(unavailable), true, JSON.stringify(unavailable));
    }
    for (const wrong of [{ code: '23505' }, { code: '42P01' }, new Error('boom'), null, 'x']) {
      assert.equal(isPostgresUnavailable(wrong), false, JSON.stringify(wrong));
    }
  });
});

describe('PostgreSQL store', needsPostgres, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  async function freshDatabase() {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => database.drop());
    return database;
  }
  async function open(
    url: string,
    options: Parameters<typeof createPostgresStore>[0] | object = {},
  ) {
    const store = createPostgresStore({ connectionString: url, max: 4, ...options });
    cleanups.push(() => store.close());
    return store;
  }

  it('keeps every table, its own migration record included, in the schema the URL names', async () => {
    const database = await freshDatabase();
    const store = await openStore({ databaseUrl: database.url });
    cleanups.push(() => store.close());
    const tables = await withPgClient(database.url.replace(/\?.*$/, ''), async (client) => {
      const { rows } = await client.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 order by 1`,
        [database.schema],
      );
      return rows.map((r) => r.table_name);
    });
    // The transferred tables, the ones that stay behind (outbox, webhooks, nodes), Kysely's own.
    assert.deepEqual(
      tables,
      [...TABLE_NAMES, ...UNTRANSFERRED_TABLES, 'kysely_migration', 'kysely_migration_lock'].sort(),
    );
  });

  it('migrates exactly once when several stores start together', async () => {
    const database = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => open(database.url)));
    await Promise.all(stores.map((s) => s.migrate()));
    const { rows } = await stores[0]!.db.executeQuery<{ name: string }>(
      CompiledQuery.raw('select name from kysely_migration'),
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      Object.keys(migrations('postgres')),
    );
  });

  it('reads int8 as numbers: times past 2^31 and counts', async () => {
    const database = await freshDatabase();
    const store = await open(database.url);
    await store.migrate();
    const createdAt = 4_102_444_800_123; // 2100-01-01, in ms
    await store.createProject({ id: 'p-int8', name: 'int8', createdAt });
    const [row] = await store.scanRows('projects', 'p-int8', undefined, 1);
    assert.equal(row!.created_at, createdAt);
    assert.equal(typeof (await store.countRows('projects')), 'number');
    assert.equal((await store.getProject('p-int8'))!.created_at, '2100-01-01T00:00:00Z');
  });

  it('opens no more connections than the pool size', async () => {
    const database = await freshDatabase();
    const store = await open(database.url, { max: 2 });
    const pids = await Promise.all(
      Array.from({ length: 8 }, () =>
        sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`
          .execute(store.db)
          .then((r) => r.rows[0]!.pid),
      ),
    );
    assert.equal(new Set(pids).size, 2);
  });

  it('cancels a statement past its timeout and reports the database unavailable', async () => {
    const database = await freshDatabase();
    const store = await open(database.url, { statementTimeoutMs: 200 });
    const started = Date.now();
    const error = await sql`select pg_sleep(5)`.execute(store.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((error as { code?: string }).code, '57014');
    assert.equal(isPostgresUnavailable(error), true);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  it('answers 503 at once, and /readyz too, when nothing listens at the address', async () => {
    const port = await freePort();
    const store = await open(`postgres://postgres@127.0.0.1:${port}/test`, {
      connectTimeoutMs: 1000,
    });
    await assert.rejects(store.ping(), StoreUnavailableError);
    const app = await buildApp({
      store,
      config: { publicUrl: 'http://localhost', adminToken: undefined, rateLimitPerMinute: 0 },
    });
    cleanups.push(() => app.close());
    const started = Date.now();
    const auth =
      'Basic ' + Buffer.from(`${crypto.randomUUID()}:PT${'0'.repeat(48)}`).toString('base64');
    const list = await app.inject({
      url: '/api/video/conferences',
      headers: { authorization: auth },
    });
    assert.equal(list.statusCode, 503);
    assert.deepEqual(list.json(), { error: 'Service Unavailable' });
    assert.equal(list.headers['retry-after'], '1');
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { error: 'Service Unavailable' });
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  describe('query plans', () => {
    let store: KyselyStore;
    let projectId: string;
    /** The statement the store sends for `run`, as pinned in postgres-sql.test.ts. */
    const statementOf = async (run: (s: KyselyStore) => Promise<unknown>) => {
      const recorder = recordingStore('postgres');
      await run(recorder.store);
      return recorder.take()[0]!;
    };

    before(async () => {
      const database = await freshDatabase();
      store = await open(database.url);
      await store.migrate();
      projectId = await seedProject(store, 'plans', 1_600_000_000_000);
      await seedConferences(store, projectId, 3000);
      await sql`vacuum analyze conferences`.execute(store.db);
    });

    const explain = async (text: string, parameters: unknown[]) => {
      const { rows } = await store.db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain (costs off) ${text}`, parameters),
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };

    it('walks the list in index order, without sorting, at any depth', async () => {
      const first = await statementOf((s) => s.listConferences('p', {}, { limit: 50 }));
      const deep = await statementOf((s) =>
        s.listConferences('p', {}, { limit: 50, after: { createdAt: 1_700_000_005_000, id: 'x' } }),
      );
      const firstPlan = await explain(first, [projectId, 51]);
      assert.match(firstPlan, /Index Scan using conferences_order on conferences/);
      assert.doesNotMatch(firstPlan, /Sort/);
      const deepPlan = await explain(deep, [projectId, 1_700_000_005_000, 'x', 51]);
      assert.match(deepPlan, /Index Scan using conferences_order on conferences/);
      assert.match(deepPlan, /Index Cond: .*ROW\(created_at, id\) < ROW/);
      assert.doesNotMatch(deepPlan, /Sort/);
    });

    it('checks starts_after / ends_before in the index alone', async () => {
      const filtered = await statementOf((s) =>
        s.listConferences('p', { startsAfter: 1, endsBefore: 2 }, { limit: 50 }),
      );
      const text = await explain(filtered, [projectId, 1_700_000_000, 1_700_100_000, 51]);
      assert.match(
        text,
        /Index Only Scan using conferences_order on conferences conferences_1\n\s+Index Cond: \(project_id = .*\)\n\s+Filter: \(\(join_from >= .*\) AND \(join_until <= .*\)\)/,
      );
    });
  });
});
