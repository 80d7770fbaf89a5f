import type { Selectable } from 'kysely';
import { formatMillis } from '../lib/time.js';
import type { EventsTable } from '../store/database.js';
import type { StoreContext } from '../store/kysely/store-context.js';

export type EventRow = Selectable<EventsTable>;

export interface EventsStore {
  /** The project's events after `afterSeq`, oldest first (at most `limit`). */
  listEvents(projectId: string, afterSeq: number, limit: number): Promise<EventRow[]>;
  /**
   * The retention sweep's round: deletes up to `limit` events created before `cutoff` (Unix ms)
   * with their deliveries and attempts — events already dispatched (or that no enabled endpoint
   * anywhere will ever dispatch) and that no pending delivery still needs. Returns the events
   * deleted.
   */
  sweepEvents(cutoff: number, limit: number): Promise<number>;
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

    sweepEvents(cutoff, limit) {
      return ctx.transaction(async (trx) => {
        // With no endpoint enabled anywhere events stay undispatched (the dispatcher does not
        // write); an endpoint enabled later only gets what happens after it, so they may go.
        const anyEnabled = await trx
          .selectFrom('webhook_endpoints')
          .select('id')
          .where('enabled', '=', 1)
          .limit(1)
          .executeTakeFirst();
        let old = trx
          .selectFrom('events as e')
          .select('e.seq')
          .where('e.created_at', '<', cutoff)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('webhook_deliveries as d')
                  .select('d.id')
                  .whereRef('d.event_seq', '=', 'e.seq')
                  .where('d.status', '=', 'pending'),
              ),
            ),
          );
        if (anyEnabled) old = old.where('e.dispatched', '=', 1);
        const rows = await old.orderBy('e.created_at').limit(limit).execute();
        if (rows.length === 0) return 0;
        const seqs = rows.map((r) => r.seq);
        await trx.deleteFrom('webhook_attempts').where('event_seq', 'in', seqs).execute();
        await trx.deleteFrom('webhook_deliveries').where('event_seq', 'in', seqs).execute();
        await trx.deleteFrom('events').where('seq', 'in', seqs).execute();
        return rows.length;
      });
    },
  };
}
