import type { Selectable } from 'kysely';
import type { Database } from '../database.js';
import type { StoreContext } from './store-context.js';

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
