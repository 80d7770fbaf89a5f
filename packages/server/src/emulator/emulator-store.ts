import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { KyselyStore } from '../store/kysely-store.js';
import type { Store } from '../store/store.js';
import { TABLE_NAMES, type TransferTable } from '../transfer/transfer-format.js';

/** What a reset keeps of a project: the project itself and its credentials. */
export const KEPT_TABLES = ['projects', 'api_tokens', 'room_token_keys', 'media_keys'] as const;
type KeptTable = (typeof KEPT_TABLES)[number];
type ClearedTable = Exclude<TransferTable, KeptTable>;

/**
 * Every other table holding a project's rows. Derived from the export's table list, which the
 * compiler keeps complete, so a table added later is emptied by a reset too.
 */
export const CLEARED_TABLES = TABLE_NAMES.filter(
  (t): t is ClearedTable => !(KEPT_TABLES as readonly string[]).includes(t),
);

/** The emulator's own queries, over the store's Kysely database. */
export interface EmulatorStore {
  /** Deletes the project's rows of every cleared table in one transaction; counts by table. */
  clearProject(projectId: string): Promise<Record<string, number>>;
  /** Whether a recording of the project is still being made or finished (`recording`, `paused`,
   *  `processing`). */
  hasUnfinishedRecordings(projectId: string): Promise<boolean>;
}

export function emulatorStore(store: Store): EmulatorStore {
  const db = (store as Partial<KyselyStore>).db as Kysely<Database> | undefined;
  if (!db) throw new Error('emulator mode needs the SQLite or PostgreSQL store');
  return {
    clearProject(projectId) {
      return db.transaction().execute(async (trx) => {
        const removed: Record<string, number> = {};
        for (const table of CLEARED_TABLES) {
          const result = await trx
            .deleteFrom(table as 'conferences')
            .where('project_id', '=', projectId)
            .executeTakeFirst();
          const n = Number(result.numDeletedRows);
          if (n > 0) removed[table] = n;
        }
        return removed;
      });
    },

    async hasUnfinishedRecordings(projectId) {
      const row = await db
        .selectFrom('room_recordings')
        .select('id')
        .where('project_id', '=', projectId)
        .where('status', 'in', ['recording', 'paused', 'processing'])
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** A write refused by a primary-key or unique index, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
