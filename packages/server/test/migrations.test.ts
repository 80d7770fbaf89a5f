import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { migrations, type Engine } from '../src/store/migrations/index.js';
import { recordingStore } from './helpers/recording-store.js';

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
