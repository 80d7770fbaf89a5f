import type { Selectable } from 'kysely';
import { formatMillis } from '../lib/time.js';
import type { EventsTable } from '../store/database.js';
import type { StoreContext } from '../store/kysely/store-context.js';

export type EventRow = Selectable<EventsTable>;

export interface EventsStore {
  /** The project's events after `afterSeq`, oldest first (at most `limit`). */
  listEvents(projectId: string, afterSeq: number, limit: number): Promise<EventRow[]>;
}

/**
 * An event as webhooks deliver it and the stream sends it (`ConclaveEvent`), as JSON text: the
 * stored object is spliced in as it is, never parsed again.
 */
export function eventJson(row: EventRow): string {
  const head = JSON.stringify({
    id: String(row.seq),
    type: row.type,
    created_at: formatMillis(row.created_at),
    project_id: row.project_id,
  });
  const detail = row.detail === null ? '' : `,"detail":${row.detail}`;
  return `${head.slice(0, -1)},"object":${row.data}${detail}}`;
}

export function eventsStore(ctx: StoreContext): EventsStore {
  return {
    listEvents(projectId, afterSeq, limit) {
      return ctx.run(() =>
        ctx.db
          .selectFrom('events')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('seq', '>', afterSeq)
          .orderBy('seq')
          .limit(limit)
          .execute(),
      );
    },
  };
}
