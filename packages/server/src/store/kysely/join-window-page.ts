import type { Database } from '../database.js';
import type { Page, PageRequest } from '../store.js';
import { keysetPage, type AnySelect, type FetchByIds, type Keyed } from './keyset-page.js';
import type { StoreContext } from './store-context.js';

/** Unix seconds; both bounds optional (D16). */
export interface JoinWindowFilters {
  /** Keep `join_from >= startsAfter`. */
  startsAfter?: number | undefined;
  /** Keep `join_until <= endsBefore`. */
  endsBefore?: number | undefined;
}

/**
 * A keyset page of conferences or rooms, filtered by their join window (D16). The filter may
 * reject most rows of the walk. PostgreSQL does best checking it in the order index (which
 * carries the join window) and then reading only the page's rows; SQLite already skips the
 * table for rows the index rejects, so there the extra step only costs (measured).
 */
export function joinWindowPage<
  T extends 'conferences' | 'rooms',
  Row extends Keyed = Database[T] & Keyed,
>(
  ctx: StoreContext,
  table: T,
  projectId: string,
  filters: JoinWindowFilters,
  page: PageRequest,
  /** The columns to read (the list key's among them); all by default. */
  columns?: readonly string[],
): Promise<Page<Row>> {
  const { query, byIds } = joinWindowQuery(ctx, table, projectId, filters, columns);
  return ctx.run(() => keysetPage<Row>(query, page, byIds));
}

/**
 * The query of `joinWindowPage` before its keyset part. Its parameters: the project's id, then
 * `startsAfter` and `endsBefore` where given.
 */
export function joinWindowQuery(
  ctx: StoreContext,
  table: 'conferences' | 'rooms',
  projectId: string,
  filters: JoinWindowFilters,
  columns?: readonly string[],
): { query: AnySelect; byIds: FetchByIds | undefined } {
  const select = (q: AnySelect) => (columns ? q.select(columns as never) : q.selectAll());
  let query = select(ctx.db.selectFrom(table as 'conferences') as AnySelect).where(
    'project_id',
    '=',
    projectId,
  );
  if (filters.startsAfter !== undefined) {
    query = query.where('join_from', '>=', filters.startsAfter);
  }
  if (filters.endsBefore !== undefined) {
    query = query.where('join_until', '<=', filters.endsBefore);
  }
  const filtered =
    ctx.engine === 'postgres' &&
    (filters.startsAfter !== undefined || filters.endsBefore !== undefined);
  const byIds: FetchByIds = (ids) =>
    select(ctx.db.selectFrom(table as 'conferences') as AnySelect).where('id', 'in', ids as never);
  return { query, byIds: filtered ? byIds : undefined };
}
