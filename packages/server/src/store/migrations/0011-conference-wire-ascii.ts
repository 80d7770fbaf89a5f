import { sql, type Kysely, type Migration } from 'kysely';
import { conferenceWire } from '../../routes/video/conferences/conference-rows.js';
import type { Database } from '../database.js';

/**
 * The stored wire JSON of conferences with non-ASCII text (more bytes than characters) written
 * again, its non-ASCII characters escaped as `conferenceWire` now writes them: the same JSON,
 * an all-ASCII string, which a list page reads and sends faster. A batch at a time.
 */
export function conferenceWireAscii(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const conferences = db as unknown as Kysely<Database>;
      for (let after = ''; ;) {
        const rows = await conferences
          .selectFrom('conferences')
          .selectAll()
          .where('id', '>', after)
          .where(sql<boolean>`octet_length(wire) <> length(wire)`)
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
