import { sql, type Selectable } from 'kysely';
import type { Database } from '../store/database.js';
import type { AnySelect } from '../store/kysely/keyset-page.js';
import type { StoreContext } from '../store/kysely/store-context.js';
import { conferenceWire } from '../routes/video/conferences/conference-rows.js';
import { RowsConflictError, type Cursor } from '../store/store.js';

/**
 * The tables, row for row as stored: what moves between databases (export / import). The event
 * outbox and webhooks stay behind (docs/webhooks.md): events are a log of changes already made.
 * So does the node registry: it describes the processes serving this database, not the data.
 */
export const UNTRANSFERRED_TABLES = [
  'events',
  'event_stream_head',
  'webhook_endpoints',
  'webhook_deliveries',
  'webhook_attempts',
  'nodes',
] as const satisfies readonly (keyof Database)[];
export type TableName = Exclude<keyof Database, (typeof UNTRANSFERRED_TABLES)[number]>;
export type TableRow<T extends TableName> = Selectable<Database[T]>;
/** Tables read with the row that owns them: a conference's tokens, a room's or conference's streams. */
export type OwnedTable = 'conference_tokens' | 'streams';
/** Tables read page by page in list order (`created_at`, then the primary key). */
export type ScannedTable = Exclude<TableName, OwnedTable>;
/** Rows to write in one transaction, by table. */
export type RowBatch = { [T in TableName]?: TableRow<T>[] };

/** Bulk access for moving data between databases, row for row as stored. */
export interface TransferStore {
  /**
   * Up to `limit` rows of `table` in list order (`created_at DESC, id DESC`) after `after`: the
   * rows of one project, or of every project when `projectId` is undefined.
   */
  scanRows<T extends ScannedTable>(
    table: T,
    projectId: string | undefined,
    after: Cursor | undefined,
    limit: number,
  ): Promise<TableRow<T>[]>;
  /**
   * The rows owned by the given conferences (`conference_tokens`) or rooms and conferences
   * (`streams`), grouped by owner, each group in list order.
   */
  ownedRowsOf<T extends OwnedTable>(
    table: T,
    projectId: string,
    ownerIds: readonly string[],
  ): Promise<TableRow<T>[]>;
  /**
   * Writes every row of `batch` in one transaction. With `skipExisting`, a row whose primary key is
   * already stored is left as it is (to resume an interrupted import); any other conflict fails
   * with RowsConflictError, and nothing of the batch is written.
   */
  insertRows(batch: RowBatch, options?: { skipExisting?: boolean }): Promise<void>;
  /**
   * After a bulk load: lets the query planner see the new rows (PostgreSQL's ANALYZE; until
   * autovacuum gets to it, a freshly filled table can be planned as if empty, a list page turning
   * from an index walk into a full sort). Nothing to do on SQLite.
   */
  refreshStatistics(): Promise<void>;
  /** Rows of `table` belonging to one project (for `projects`: 0 or 1), or in all. */
  countRows(table: TableName, projectId?: string): Promise<number>;
}

/** Parent tables before the rows that point at them. */
const TABLES_IN_WRITE_ORDER: readonly TableName[] = [
  'projects',
  'api_tokens',
  'conferences',
  'conference_tokens',
  'rooms',
  'streams',
  'room_sessions',
  'room_token_keys',
  'room_session_members',
  'room_session_events',
  'room_recordings',
  'video_logs',
  'media_keys',
];
/** Each table's primary key; the list key's tiebreaker where the table is walked in list order. */
const primaryKey = (table: TableName) => (table === 'room_token_keys' ? 'kid' : 'id');
// Bound parameters per INSERT: under SQLite's 32 766 and PostgreSQL's 65 535.
const PARAMETERS_PER_INSERT = 16_000;

export function transferStore(ctx: StoreContext): TransferStore {
  return {
    async scanRows<T extends ScannedTable>(
      table: T,
      projectId: string | undefined,
      after: Cursor | undefined,
      limit: number,
    ) {
      const key = primaryKey(table);
      let query = ctx.db.selectFrom(table as ScannedTable).selectAll() as AnySelect;
      if (projectId !== undefined) {
        query = query.where(table === 'projects' ? 'id' : 'project_id', '=', projectId);
      }
      if (after) {
        query = query.where(
          ({ eb }) =>
            eb(sql.raw(`(created_at, ${key})`), '<', eb.tuple(after.createdAt, after.id)) as never,
        );
      }
      const rows = await ctx.run(() =>
        query.orderBy('created_at', 'desc').orderBy(key, 'desc').limit(limit).execute(),
      );
      return rows as TableRow<T>[];
    },

    async ownedRowsOf<T extends OwnedTable>(
      table: T,
      projectId: string,
      ownerIds: readonly string[],
    ) {
      if (ownerIds.length === 0) return [];
      const owner = table === 'conference_tokens' ? 'conference_id' : 'room_id';
      const rows = await ctx.run(() =>
        (ctx.db.selectFrom(table as OwnedTable).selectAll() as AnySelect)
          .where('project_id', '=', projectId)
          .where(owner, 'in', ownerIds)
          .orderBy(owner)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .execute(),
      );
      return rows as TableRow<T>[];
    },

    async insertRows(batch, options = {}) {
      try {
        await ctx.transaction(async (trx) => {
          for (const table of TABLES_IN_WRITE_ORDER) {
            let rows: RowBatch[TableName] = batch[table];
            if (!rows || rows.length === 0) continue;
            if (table === 'conferences') {
              rows = (rows as TableRow<'conferences'>[]).map((row) => ({
                ...row,
                wire: conferenceWire(row),
              }));
            }
            const perInsert = Math.max(
              1,
              Math.floor(PARAMETERS_PER_INSERT / Object.keys(rows[0]!).length),
            );
            for (let i = 0; i < rows.length; i += perInsert) {
              const insert = trx.insertInto(table).values(rows.slice(i, i + perInsert) as never);
              await (
                options.skipExisting
                  ? insert.onConflict((oc) => oc.column(primaryKey(table)).doNothing())
                  : insert
              ).execute();
            }
          }
        });
      } catch (error) {
        if (ctx.isUniqueViolation(error)) throw new RowsConflictError(error);
        throw error;
      }
    },

    async refreshStatistics() {
      const analyze = ctx.hooks.analyze;
      if (analyze) await ctx.run(() => analyze(ctx.db, TABLES_IN_WRITE_ORDER));
    },

    async countRows(table, projectId) {
      let query = ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n')) as AnySelect;
      if (projectId !== undefined) {
        query = query.where(table === 'projects' ? 'id' : 'project_id', '=', projectId);
      }
      const row = (await ctx.run(() => query.executeTakeFirstOrThrow())) as {
        n: number | string;
      };
      return Number(row.n);
    },
  };
}
