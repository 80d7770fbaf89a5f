import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { migrations, type Engine } from '../src/store/migrations/index.js';
import { recordingStore } from './helpers/recording-store.js';

/**
 * One implementation, two dialects: the SQL each engine receives for the queries that carry the
 * design (keyset pages, the index-only filter walk, idempotent bulk writes, the indexes) is pinned
 * here, so a change to either is a visible, reviewed change. No database is needed.
 */

/** `?` placeholders → `$1, $2…`: the one difference the two dialects have in these queries. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

const cursor = { createdAt: 1_700_000_000_000, id: '00000000-0000-4000-8000-000000000000' };

describe('SQL pinned per engine', () => {
  const cases: {
    name: string;
    run: (store: KyselyStore) => Promise<unknown>;
    /** The statements, written with `?`; per engine where they differ beyond placeholders. */
    sql: string[] | Record<Engine, string[]>;
  }[] = [
    {
      name: 'first page of conferences: one index range scan, one extra row',
      run: (s) => s.listConferences('p', {}, { limit: 50 }),
      sql: [
        'select "id", "created_at", "wire" from "conferences" where "project_id" = ? order by "created_at" desc, "id" desc limit ? + 0',
      ],
    },
    {
      name: 'a page after a cursor: the (created_at, id) row comparison the index serves',
      run: (s) => s.listConferences('p', {}, { limit: 50, after: cursor }),
      sql: [
        'select "id", "created_at", "wire" from "conferences" where "project_id" = ? and (created_at, id) < (?, ?) order by "created_at" desc, "id" desc limit ? + 0',
      ],
    },
    {
      // PostgreSQL checks the filter in the index (INCLUDE columns) only in an index-only scan,
      // so it reads ids first and then the page's rows; SQLite checks index columns before it
      // seeks the table anyway, so one statement does (both measured at 1M rows).
      name: 'a filtered page: the filter checked in the index, the table read for the page only',
      run: (s) =>
        s.listConferences('p', { startsAfter: 1, endsBefore: 2 }, { limit: 50, after: cursor }),
      sql: {
        sqlite: [
          'select "id", "created_at", "wire" from "conferences" where "project_id" = ? and "join_from" >= ? and "join_until" <= ? and (created_at, id) < (?, ?) order by "created_at" desc, "id" desc limit ? + 0',
        ],
        postgres: [
          'select "id", "created_at", "wire" from "conferences" where "id" in (select "id" from "conferences" where "project_id" = ? and "join_from" >= ? and "join_until" <= ? and (created_at, id) < (?, ?) order by "created_at" desc, "id" desc limit ? + 0) order by "created_at" desc, "id" desc',
        ],
      },
    },
    {
      name: 'a page before a cursor, then the probe for older rows',
      run: (s) => s.listConferences('p', {}, { limit: 50, before: cursor }),
      sql: [
        'select "id", "created_at", "wire" from "conferences" where "project_id" = ? and (created_at, id) > (?, ?) order by "created_at" asc, "id" asc limit ? + 0',
        'select "id" from "conferences" where "project_id" = ? and (created_at, id) <= (?, ?) order by "created_at" desc, "id" desc limit ?',
      ],
    },
    {
      name: 'a resumed import leaves stored rows alone',
      run: (s) =>
        s.insertRows({ projects: [{ id: 'a', name: 'b', created_at: 1 }] }, { skipExisting: true }),
      sql: [
        'insert into "projects" ("id", "name", "created_at") values (?, ?, ?) on conflict ("id") do nothing',
      ],
    },
  ];

  for (const engine of ['sqlite', 'postgres'] as const) {
    describe(engine, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const { store, take } = recordingStore(engine);
          await c.run(store);
          assert.deepEqual(
            take(),
            (Array.isArray(c.sql) ? c.sql : c.sql[engine]).map((s) =>
              engine === 'postgres' ? numbered(s) : s,
            ),
          );
        });
      }
    });
  }

  describe('schema', () => {
    /** Every migration's statements, in order. */
    async function ddl(engine: Engine): Promise<string[]> {
      const { db, take } = recordingStore(engine);
      for (const migration of Object.values(migrations(engine))) {
        await migration.up(db as Kysely<unknown>);
      }
      return take();
    }

    it('keeps the join window in the conference order index (a key on SQLite, INCLUDE on PostgreSQL)', async () => {
      const index = (statements: string[]) =>
        statements.find((s) => s.startsWith('create index "conferences_order"'));
      assert.equal(
        index(await ddl('sqlite')),
        'create index "conferences_order" on "conferences" (project_id, created_at desc, id desc, join_from, join_until)',
      );
      assert.equal(
        index(await ddl('postgres')),
        'create index "conferences_order" on "conferences" (project_id, created_at desc, id desc) include (join_from, join_until)',
      );
    });

    it('orders ids bytewise on PostgreSQL, as SQLite does, whatever the database collation', async () => {
      // Every table is keyed by a text id (bytewise on both engines), or by an ascending sequence
      // (the event outbox and delivery attempts, which are read in insertion order).
      const keys = (statements: string[]) =>
        statements
          .filter((s) => s.startsWith('create table'))
          .map((s) => /^create table "\w+" \("(\w+)" ([^,]+),/.exec(s)?.slice(1).join(' '));
      const expected = (id: string, seq: string) => (key: string | undefined) =>
        key?.startsWith('seq ') ? `seq ${seq}` : key?.startsWith('kid ') ? `kid ${id}` : `id ${id}`;
      const sqlite = keys(await ddl('sqlite'));
      assert.deepEqual(
        sqlite,
        sqlite.map(expected('text primary key', 'integer primary key autoincrement')),
      );
      const postgres = keys(await ddl('postgres'));
      assert.deepEqual(
        postgres,
        postgres.map(
          expected(
            'text collate "C" primary key',
            'bigint generated by default as identity primary key',
          ),
        ),
      );
    });

    it('differs between the engines only where pinned above', async () => {
      const sqlite = await ddl('sqlite');
      const postgres = (await ddl('postgres')).map((s) =>
        s
          .replaceAll(' collate "C"', '')
          .replaceAll('bigint generated by default as identity', 'integer')
          .replace(/("seq" integer primary key)/, '$1 autoincrement')
          .replace(') include (join_from, join_until)', ', join_from, join_until)')
          .replace(/\$\d+/g, '?'),
      );
      assert.deepEqual(postgres, sqlite);
    });
  });
});
