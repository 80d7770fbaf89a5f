import type { Stream } from '@conclave/schema';
import type { Selectable } from 'kysely';
import { appendEvent } from '../../../events/event-outbox.js';
import { formatMillis } from '../../../lib/time.js';
import type { StreamsTable } from '../../../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { deleteInProject, findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';

/** Whose streams: a room's, or a conference's (whose backing room has the conference's id). */
export interface StreamOwner {
  kind: 'room' | 'conference';
  id: string;
}

export interface NewStream {
  id: string;
  url: string;
  streamType: string;
  createdAt: number;
}

/** Thrown by createStream when the owner already has its maximum number of streams. */
export class StreamLimitError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} streams per room`);
    this.name = 'StreamLimitError';
  }
}

export interface StreamsStore {
  /**
   * Adds a stream to a room or conference, at most `limit` per owner (StreamLimitError beyond).
   * Undefined when the owner does not exist in the project.
   */
  createStream(
    projectId: string,
    owner: StreamOwner,
    input: NewStream,
    limit: number,
  ): Promise<Stream | undefined>;
  /** The streams of a room, or of a conference (its id is its backing room's). */
  listStreams(projectId: string, roomId: string, page: PageRequest): Promise<Page<Stream>>;
  getStream(projectId: string, id: string): Promise<Stream | undefined>;
  updateStream(
    projectId: string,
    id: string,
    change: { url: string; streamType: string },
    updatedAt: number,
  ): Promise<Stream | undefined>;
  deleteStream(projectId: string, id: string): Promise<boolean>;
  /**
   * What a running stream sends (`width`, `height`, `fps`), or null when it is not running
   * (`failure`: why it stopped, when it failed). Its `updated_at` stays: it dates the
   * configuration. A `stream.started`, `stream.stopped` or `stream.failed` event is stored with it.
   */
  setStreamRunning(
    projectId: string,
    id: string,
    running: { width: number; height: number; fps: number } | null,
    failure?: string,
    at?: number,
  ): Promise<void>;
  /**
   * Streams still showing a running state although their room or conference has no session in
   * progress (the process that pushed them was killed): back to null.
   */
  clearStaleStreamStates(): Promise<void>;
}

export function rowToStream(row: Selectable<StreamsTable>): Stream {
  return {
    id: row.id,
    url: row.url,
    stream_type: row.stream_type,
    width: row.width,
    height: row.height,
    fps: row.fps,
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

export function streamsStore(ctx: StoreContext): StreamsStore {
  return {
    createStream(projectId, owner, input, limit) {
      return ctx.transaction(async (trx) => {
        // A no-op write on the owner's row proves it exists and serialises the creates of one
        // owner (a row lock on PostgreSQL, the write lock on SQLite), so the count below holds.
        const table = owner.kind === 'room' ? 'rooms' : 'conferences';
        const touched = await trx
          .updateTable(table as 'rooms')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('project_id', '=', projectId)
          .where('id', '=', owner.id)
          .executeTakeFirst();
        if (touched.numUpdatedRows === 0n) return undefined;
        const { n } = await trx
          .selectFrom('streams')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('project_id', '=', projectId)
          .where('room_id', '=', owner.id)
          .executeTakeFirstOrThrow();
        if (Number(n) >= limit) throw new StreamLimitError(limit);
        const row = {
          id: input.id,
          project_id: projectId,
          room_id: owner.id,
          url: input.url,
          stream_type: input.streamType,
          width: null,
          height: null,
          fps: null,
          created_at: input.createdAt,
          updated_at: input.createdAt,
        };
        await trx.insertInto('streams').values(row).execute();
        return rowToStream(row);
      });
    },

    async listStreams(projectId, roomId, page) {
      const rows = await ctx.run(() =>
        keysetPage<StreamsTable & Keyed>(
          ctx.db
            .selectFrom('streams')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('room_id', '=', roomId),
          page,
        ),
      );
      return mapPage(rows, rowToStream);
    },

    async getStream(projectId, id) {
      const row = await findInProject(ctx, 'streams', projectId, id);
      return row && rowToStream(row);
    },

    async updateStream(projectId, id, change, updatedAt) {
      const row = await ctx.run(() =>
        ctx.db
          .updateTable('streams')
          .set({ url: change.url, stream_type: change.streamType, updated_at: updatedAt })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
      return row && rowToStream(row);
    },

    deleteStream(projectId, id) {
      return deleteInProject(ctx, 'streams', projectId, id);
    },

    async setStreamRunning(projectId, id, running, failure, at = Date.now()) {
      await ctx.transaction(async (trx) => {
        const row = await trx
          .updateTable('streams')
          .set({
            width: running?.width ?? null,
            height: running?.height ?? null,
            fps: running?.fps ?? null,
          })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) return;
        await appendEvent(trx, {
          projectId,
          type: running
            ? 'stream.started'
            : failure === undefined
              ? 'stream.stopped'
              : 'stream.failed',
          objectId: id,
          orderingKey: id,
          object: rowToStream(row),
          detail: failure === undefined ? undefined : { reason: failure },
          at,
        });
      });
    },

    async clearStaleStreamStates() {
      await ctx.run(() =>
        ctx.db
          .updateTable('streams')
          .set({ width: null, height: null, fps: null })
          .where('width', 'is not', null)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('room_sessions as s')
                  .select('s.id')
                  .whereRef('s.project_id', '=', 'streams.project_id')
                  .where('s.status', '=', 'in-progress')
                  .where((eb) =>
                    eb.or([
                      eb('s.room_id', '=', eb.ref('streams.room_id')),
                      eb('s.conference_id', '=', eb.ref('streams.room_id')),
                    ]),
                  ),
              ),
            ),
          )
          .execute(),
      );
    },
  };
}
