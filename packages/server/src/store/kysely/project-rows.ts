import type { Selectable, Updateable } from 'kysely';
import type { Database } from '../database.js';
import type { StoreContext, Trx } from './store-context.js';

/** Tables whose rows are addressed by `(project_id, id)`. */
export type ProjectTable = Exclude<keyof Database, 'projects' | 'room_token_keys'>;

/** The project's row `id` of `table`, or undefined. */
export async function findInProject<T extends ProjectTable>(
  ctx: StoreContext,
  table: T,
  projectId: string,
  id: string,
): Promise<Selectable<Database[T]> | undefined> {
  const row = await ctx.run(() =>
    ctx.db
      .selectFrom(table as ProjectTable)
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
  return row as Selectable<Database[T]> | undefined;
}

/** Deletes the project's row `id` of `table`; false when there was none. */
export async function deleteInProject(
  ctx: StoreContext,
  table: ProjectTable,
  projectId: string,
  id: string,
): Promise<boolean> {
  const result = await ctx.run(() =>
    ctx.db
      .deleteFrom(table)
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
  return result.numDeletedRows > 0n;
}

/**
 * Read-modify-write of the project's row `id` of `table` in one transaction. The row is claimed
 * before it is read — the first statement is a no-op write, which takes the row's lock on
 * PostgreSQL and the database's write lock on SQLite — so concurrent changes of one row apply one
 * after the other and none is lost. `change` may throw (a validation error): nothing is written.
 * `written` runs in the same transaction with the updated row (the change's event).
 */
export function updateInProject<T extends 'conferences' | 'rooms'>(
  ctx: StoreContext,
  table: T,
  projectId: string,
  id: string,
  change: (current: Selectable<Database[T]>) => Updateable<Database[T]>,
  written?: (trx: Trx, updated: Selectable<Database[T]>) => Promise<void>,
): Promise<Selectable<Database[T]> | undefined> {
  return ctx.transaction(async (trx) => {
    const current = await trx
      .updateTable(table as 'rooms')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!current) return undefined;
    const updated = await trx
      .updateTable(table as 'rooms')
      .set(change(current as Selectable<Database[T]>) as Updateable<Database['rooms']>)
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await written?.(trx, updated as Selectable<Database[T]>);
    return updated as Selectable<Database[T]>;
  });
}
