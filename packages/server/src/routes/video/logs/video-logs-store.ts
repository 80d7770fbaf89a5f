import type { Selectable } from 'kysely';
import type { VideoLogsTable } from '../../../store/database.js';
import { keysetPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext, Trx } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';

export type VideoLogRow = Selectable<VideoLogsTable>;

export interface VideoLogFilters {
  includeDeleted: boolean;
  /** Unix ms: keep `created_at < createdBefore`. */
  createdBefore?: number | undefined;
  /** Unix ms: keep `created_at > createdAfter`. */
  createdAfter?: number | undefined;
  /** Unix ms: keep `created_at >= from` and `< to` (one UTC day). */
  createdOn?: { from: number; to: number } | undefined;
}

/** One video log per session (the live engine writes them with the session). */
export interface VideoLogsStore {
  listVideoLogs(
    projectId: string,
    filters: VideoLogFilters,
    page: PageRequest,
  ): Promise<Page<VideoLogRow>>;
  getVideoLog(projectId: string, id: string): Promise<VideoLogRow | undefined>;
}

/** Marks the video logs of a deleted room's or conference's sessions discarded (docs/decisions.md). */
export async function discardLogsOf(
  trx: Trx,
  projectId: string,
  column: 'room_id' | 'conference_id',
  id: string,
  at: number,
): Promise<void> {
  await trx
    .updateTable('video_logs')
    .set({ discarded_at: at })
    .where('project_id', '=', projectId)
    .where(column, '=', id)
    .where('discarded_at', 'is', null)
    .execute();
}

export function videoLogsStore(ctx: StoreContext): VideoLogsStore {
  return {
    listVideoLogs(projectId, filters, page) {
      let query = ctx.db.selectFrom('video_logs').selectAll().where('project_id', '=', projectId);
      if (!filters.includeDeleted) query = query.where('discarded_at', 'is', null);
      if (filters.createdBefore !== undefined) {
        query = query.where('created_at', '<', filters.createdBefore);
      }
      if (filters.createdAfter !== undefined) {
        query = query.where('created_at', '>', filters.createdAfter);
      }
      if (filters.createdOn !== undefined) {
        query = query
          .where('created_at', '>=', filters.createdOn.from)
          .where('created_at', '<', filters.createdOn.to);
      }
      return ctx.run(() => keysetPage<VideoLogRow & Keyed>(query, page));
    },

    getVideoLog(projectId, id) {
      return findInProject(ctx, 'video_logs', projectId, id);
    },
  };
}
