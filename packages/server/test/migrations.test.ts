import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Generated, type Kysely } from 'kysely';
import {
  conferenceFieldsToRow,
  conferenceWire,
  rowToConference,
} from '../src/routes/video/conferences/conference-rows.js';
import { appendEvents } from '../src/events/event-outbox.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { migrations, type Engine } from '../src/store/migrations/index.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { parsePostgresUrl } from '../src/store/postgres/postgres-url.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { recordingStore } from './helpers/recording-store.js';
import { createTestDatabase } from './helpers/test-database.js';

/**
 * A database migrated by an earlier release migrates further: the shipped migrations keep their
 * names and send, statement for statement, the DDL they sent when they shipped (recorded in the
 * fixture), on each engine.
 */
const shipped = JSON.parse(
  readFileSync(new URL('./fixtures/migrations-0001-0004.json', import.meta.url), 'utf8'),
) as Record<Engine, Record<string, string[]>>;

describe('migrations', () => {
  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`send the DDL they shipped with on ${engine}`, async () => {
      const { db, take } = recordingStore(engine);
      const all = migrations(engine);
      for (const [name, statements] of Object.entries(shipped[engine])) {
        const migration = all[name];
        assert.ok(migration, `migration ${name} is still there`);
        await migration.up(db as Kysely<unknown>);
        assert.deepEqual(take(), statements, name);
      }
      const names = Object.keys(all);
      assert.deepEqual(names.slice(0, 4), Object.keys(shipped[engine]), 'shipped ones come first');
      assert.deepEqual([...names].sort(), names, 'names sort in the order they apply');
    });
  }
});

/** Migrations shipped later, pinned the same way from when they were written. */
const pinnedLater = Object.fromEntries(
  (['sqlite', 'postgres'] as const).map((engine) => [
    engine,
    Object.assign(
      {},
      ...[
        'migrations-0007.json',
        'migrations-0008.json',
        'migrations-0009.json',
        'migrations-0010.json',
      ].map(
        (file) =>
          (
            JSON.parse(
              readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8'),
            ) as Record<Engine, Record<string, string[]>>
          )[engine],
      ),
    ) as Record<string, string[]>,
  ]),
) as Record<Engine, Record<string, string[]>>;

describe('later migrations', () => {
  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`send their pinned DDL on ${engine}`, async () => {
      const all = migrations(engine);
      for (const [name, statements] of Object.entries(pinnedLater[engine])) {
        const { db, take } = recordingStore(engine);
        const migration = all[name];
        assert.ok(migration, `migration ${name} is there`);
        await migration.up(db as Kysely<unknown>);
        assert.deepEqual(take(), statements, name);
      }
    });
  }
});

describe('0006_conference_wire', () => {
  it('gives the conferences already stored their wire JSON', async () => {
    const database = await createTestDatabase();
    const store =
      database.engine === 'postgres'
        ? createPostgresStore({ connectionString: database.url, max: 2 })
        : createSqliteStore({ filename: database.url });
    try {
      // The tables of an earlier release: every migration up to 0005.
      const schema =
        store.engine === 'postgres' ? parsePostgresUrl(database.url).schema : undefined;
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(store.db);
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => migrations(store.engine) },
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      assert.equal(
        (await migrator.migrateTo('0005_conference_tokens_by_project')).error,
        undefined,
      );
      const { row } = await seedOne(store);
      await store.migrate();
      const read = await store.getConference(row.project_id, row.id);
      const page = await store.listConferenceWires(row.project_id, {}, { limit: 10 });
      assert.deepEqual(page.items, [conferenceWire(row)]);
      assert.deepEqual(JSON.parse(page.items[0]!), read!.wire);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

describe('0011_conference_wire_ascii', () => {
  it('writes the stored wire JSON with non-ASCII text again, escaped, and leaves the rest', async () => {
    const database = await createTestDatabase();
    const store =
      database.engine === 'postgres'
        ? createPostgresStore({ connectionString: database.url, max: 2 })
        : createSqliteStore({ filename: database.url });
    try {
      const schema =
        store.engine === 'postgres' ? parsePostgresUrl(database.url).schema : undefined;
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(store.db);
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => migrations(store.engine) },
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      assert.equal((await migrator.migrateTo('0010_event_positions')).error, undefined);
      const { row } = await seedOne(store);
      const db = store.db as unknown as Kysely<{
        conferences: { id: string; wire: string | null; description: string | null };
      }>;
      // As the code before 0011 wrote it: JSON.stringify's UTF-8 text.
      const before = JSON.stringify(rowToConference(row));
      assert.match(before, /«0006»/);
      await db.updateTable('conferences').set({ wire: before }).where('id', '=', row.id).execute();
      const { row: plain } = await seedOne(store, 'plain ascii');
      const plainWire = JSON.stringify(rowToConference(plain));
      await db
        .updateTable('conferences')
        .set({ wire: plainWire })
        .where('id', '=', plain.id)
        .execute();
      await store.migrate();
      const wires = await db.selectFrom('conferences').select(['id', 'wire']).execute();
      const after = wires.find((w) => w.id === row.id)!.wire!;
      assert.equal(after, conferenceWire(row));
      assert.match(after, /Before \\u00ab0006\\u00bb/);
      assert.ok(
        [...after].every((c) => c.charCodeAt(0) < 0x80),
        after,
      );
      assert.deepEqual(JSON.parse(after), JSON.parse(before));
      assert.equal(wires.find((w) => w.id === plain.id)!.wire, plainWire);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

describe('0010_event_positions', () => {
  it('keeps the ids of the events already stored; new ones continue above the highest', async () => {
    const database = await createTestDatabase();
    const store =
      database.engine === 'postgres'
        ? createPostgresStore({ connectionString: database.url, max: 2 })
        : createSqliteStore({ filename: database.url });
    try {
      const schema =
        store.engine === 'postgres' ? parsePostgresUrl(database.url).schema : undefined;
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(store.db);
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => migrations(store.engine) },
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      assert.equal((await migrator.migrateTo('0009_events_retention')).error, undefined);
      const projectId = randomUUID();
      const event = (name: string, dispatched: number) => ({
        project_id: projectId,
        type: 'room.created',
        object_id: randomUUID(),
        ordering_key: randomUUID(),
        data: JSON.stringify({ name }),
        detail: null,
        created_at: Date.now(),
        dispatched,
      });
      const db = store.db as unknown as Kysely<{
        events: ReturnType<typeof event> & { seq: Generated<number> };
      }>;
      // Ids as the code before 0010 gave them (one skipped, as a rolled-back insert leaves).
      await db.insertInto('events').values(event('a', 1)).execute();
      await db.insertInto('events').values(event('skipped', 1)).execute();
      await db.deleteFrom('events').where('data', '=', '{"name":"skipped"}').execute();
      await db.insertInto('events').values(event('b', 0)).execute();
      const before = await db.selectFrom('events').select('seq').orderBy('seq').execute();
      await store.migrate();
      // Another test's dispatcher on the same PostgreSQL database may hold the turn a moment.
      const dispatch = async () => {
        for (;;) {
          const round = await store.dispatchEvents(Date.now(), 100);
          if (round) return round;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const round = await dispatch();
      assert.deepEqual(round, { events: 1, deliveries: 0 }, 'b is dispatched, keeping its id');
      await store.db.transaction().execute((trx) =>
        appendEvents(trx, [
          {
            projectId,
            type: 'room.created',
            objectId: randomUUID(),
            orderingKey: randomUUID(),
            object: { name: 'c' },
            at: Date.now(),
          },
        ]),
      );
      await dispatch();
      const read = await store.readEvents(projectId, 0, 10);
      assert.deepEqual(
        read.map((e) => [JSON.parse(e.data).name, e.position]),
        [
          ['a', before[0]!.seq],
          ['b', before[1]!.seq],
          ['c', before[1]!.seq + 1],
        ],
      );
      assert.deepEqual(
        (await store.readEvents(projectId, before[0]!.seq, 10)).map((e) => e.position),
        [before[1]!.seq, before[1]!.seq + 1],
        'a cursor saved before the upgrade resumes where it did',
      );
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

/** A conference as the code before 0006 wrote it: no `wire`. */
async function seedOne(store: KyselyStore, displayName = 'Before «0006»') {
  const row = {
    id: randomUUID(),
    project_id: randomUUID(),
    name: `stored-${randomUUID()}`,
    ...conferenceFieldsToRow({
      display_name: displayName,
      description: 'kept',
      join_from: 1_900_000_000,
      join_until: null,
      quality: '1080p',
      layout: 'grid-responsive',
      size: 'small',
      record_on_start: true,
      tone_on_entry_and_exit: false,
      user_join_video_off: false,
      room_join_video_off: false,
      enable_chat: true,
      enable_room_previews: null,
      dark_primary: '#111111',
      dark_background: null,
      dark_foreground: null,
      dark_success: null,
      dark_negative: null,
      light_primary: null,
      light_background: null,
      light_foreground: null,
      light_success: null,
      light_negative: null,
      meta: { a: [1, 'two'] },
    }),
    created_at: 1_700_000_000_123,
    updated_at: 1_700_000_000_456,
  };
  await (store.db as unknown as Kysely<{ conferences: typeof row }>)
    .insertInto('conferences')
    .values(row)
    .execute();
  return { row };
}
