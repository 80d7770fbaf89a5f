import type { Selectable } from 'kysely';
import { formatMillis } from '../lib/time.js';
import type { EventsTable } from '../store/database.js';
import type { StoreContext } from '../store/kysely/store-context.js';

export type EventRow = Selectable<EventsTable>;
/** An event the dispatcher has given its position: its public id (docs/webhooks.md). */
export type PlacedEvent = EventRow & { position: number };

export interface EventsStore {
  /**
   * The project's events in the outbox after `afterSeq`, in `seq` order (at most `limit`),
   * whether or not the dispatcher has placed them yet: what the outbox holds.
   */
  listEvents(projectId: string, afterSeq: number, limit: number): Promise<EventRow[]>;
  /**
   * The project's events after the position (the public event id) `after`, in position order
   * (at most `limit`): what `GET /conclave/v1/events` and the event stream send. Positions are
   * given in commit order with no gaps, so a reader resuming after one misses nothing.
   */
  readEvents(projectId: string, after: number, limit: number): Promise<PlacedEvent[]>;
  /**
   * The retention sweep's round: deletes up to `limit` events created before `cutoff` (Unix ms)
   * with their deliveries and attempts — events already dispatched (placed, and made into their
   * deliveries) that no pending delivery still needs. Returns the events deleted.
   */
  sweepEvents(cutoff: number, limit: number): Promise<number>;
}

/**
 * An event as webhooks deliver it and the stream sends it (`ConclaveEvent`), as JSON text: the
 * stored object is spliced in as it is, never parsed again.
 */
export function eventJson(row: PlacedEvent): string {
  const head = JSON.stringify({
    id: String(row.position),
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

    readEvents(projectId, after, limit) {
      return ctx.run(
        () =>
          ctx.db
            .selectFrom('events')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('position', '>', after)
            .orderBy('position')
            .limit(limit)
            .execute() as Promise<PlacedEvent[]>,
      );
    },

    sweepEvents(cutoff, limit) {
      return ctx.transaction(async (trx) => {
        // The dispatcher flags every event (with or without endpoints) as it places it.
        const old = trx
          .selectFrom('events as e')
          .select('e.seq')
          .where('e.created_at', '<', cutoff)
          .where('e.dispatched', '=', 1)
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
