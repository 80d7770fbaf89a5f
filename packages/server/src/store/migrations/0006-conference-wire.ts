import type { Kysely, Migration } from 'kysely';
import { conferenceWire } from '../../routes/video/conferences/conference-rows.js';
import type { Database } from '../database.js';
import type { SchemaKit } from './schema-kit.js';

/**
 * Each conference's wire JSON, stored with it so that a list page is read rather than rebuilt
 * (docs/decisions.md). Rows already there get theirs now, a batch at a time.
 */
export function conferenceWireColumn(_schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('conferences').addColumn('wire', 'text').execute();
      const conferences = db as unknown as Kysely<Database>;
      for (let after = ''; ;) {
        const rows = await conferences
          .selectFrom('conferences')
          .selectAll()
          .where('id', '>', after)
          .orderBy('id')
          .limit(1000)
          .execute();
        if (rows.length === 0) break;
        for (const row of rows) {
          await conferences
            .updateTable('conferences')
            .set({ wire: conferenceWire(row) })
            .where('id', '=', row.id)
            .execute();
        }
        after = rows.at(-1)!.id;
      }
    },
  };
}
