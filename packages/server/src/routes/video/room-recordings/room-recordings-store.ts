import { randomUUID } from 'node:crypto';
import type { RoomSessionEvent } from '@conclave/schema';
import type { Selectable } from 'kysely';
import type { RoomRecordingsTable, RoomSessionEventsTable } from '../../../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';
import { appendEvent } from '../../../events/event-outbox.js';
import { eventRoomIdOf, insertEvent } from '../room-sessions/live-sessions-store.js';
import { rowToEvent } from '../room-sessions/session-rows.js';
import { rowToRoomRecording } from './recording-wire.js';

export interface NewRecording {
  id: string;
  projectId: string;
  roomSessionId: string;
  /** Unix ms. */
  startedAt: number;
  /** The member who started it (null: the session's `record_on_start`). */
  by?: string | null | undefined;
}

/** Stored statuses: the wire's, plus `error` (shown as `completed`; the reason is in the
 *  `recording.ended` event). */
export type RecordingStatus = 'recording' | 'paused' | 'processing' | 'completed' | 'error';

/** Statuses of a recording not finished yet. */
export const UNFINISHED_RECORDING: readonly RecordingStatus[] = [
  'recording',
  'paused',
  'processing',
];

export interface FinishedRecording {
  /** Default `completed`. */
  status?: 'completed' | 'error' | undefined;
  /** Why it failed (with `error`). */
  reason?: string | undefined;
  /** Unix ms: the file's first moment (the finish less its duration); default: as started. */
  startedAt?: number | undefined;
  /** Unix ms. */
  finishedAt: number;
  sizeInBytes: number;
  /** The file's MIME type. */
  format: string;
  /** Where MediaStorage keeps the file (null: nothing usable was kept). */
  storageKey: string | null;
}

export type RecordingRow = Selectable<RoomRecordingsTable>;

export interface RoomRecordingsStore {
  /** A recording starts (status `recording`, a `recording.started` event); false: no session. */
  startRecording(input: NewRecording): Promise<boolean>;
  /**
   * The recording is over: status `completed` or `error`, its file's times, size and key, and a
   * `recording.ended` event (`status`, `reason`, `duration`, `size_in_bytes`, `format`). False
   * when it is gone or already finished.
   */
  finishRecording(projectId: string, id: string, done: FinishedRecording): Promise<boolean>;
  /** Stopped, its file being finished: `recording` (or `paused`) → `processing`. */
  setRecordingStatus(
    projectId: string,
    id: string,
    status: 'processing',
    at: number,
  ): Promise<boolean>;
  /**
   * Recordings not finished whose session has ended and was hosted by `nodeId` (`own`), or whose
   * host's lease ran out before `now`: a process that is gone left them. At most 1000.
   */
  strandedRecordings(nodeId: string, now: number, own: boolean): Promise<RecordingRow[]>;
  getRecording(projectId: string, id: string): Promise<RecordingRow | undefined>;
  /** Whether a recording of the project is still being made or finished. */
  hasUnfinishedRecordings(projectId: string): Promise<boolean>;
  /** A project's recordings, or one session's. */
  listRecordings(
    projectId: string,
    sessionId: string | undefined,
    page: PageRequest,
  ): Promise<Page<RecordingRow>>;
  /** Deletes the row and returns it (its `storage_key` names the file to remove). */
  deleteRecording(projectId: string, id: string): Promise<RecordingRow | undefined>;
  listRecordingEvents(
    projectId: string,
    recordingId: string,
    page: PageRequest,
  ): Promise<Page<RoomSessionEvent>>;
  /** A recording by id whatever its project (for the signed media route). */
  findRecording(id: string): Promise<RecordingRow | undefined>;
}

export function roomRecordingsStore(ctx: StoreContext): RoomRecordingsStore {
  return {
    startRecording(input) {
      return ctx.transaction(async (trx) => {
        const roomId = await eventRoomIdOf(trx, input.projectId, input.roomSessionId);
        if (roomId === undefined) return false;
        const row = {
          id: input.id,
          project_id: input.projectId,
          room_session_id: input.roomSessionId,
          status: 'recording',
          started_at: input.startedAt,
          finished_at: null,
          size_in_bytes: null,
          format: null,
          storage_key: null,
          created_at: input.startedAt,
          updated_at: input.startedAt,
        };
        await trx.insertInto('room_recordings').values(row).execute();
        await appendEvent(trx, {
          projectId: input.projectId,
          type: 'recording.started',
          objectId: input.id,
          orderingKey: input.roomSessionId,
          object: rowToRoomRecording(row, null),
          at: input.startedAt,
        });
        await insertEvent(
          trx,
          {
            id: randomUUID(),
            projectId: input.projectId,
            roomSessionId: input.roomSessionId,
            roomRecordingId: input.id,
            level: 'info',
            name: 'recording.started',
            payload: { by: input.by ?? null },
            createdAt: input.startedAt,
          },
          roomId,
        );
        return true;
      });
    },

    finishRecording(projectId, id, done) {
      return ctx.transaction(async (trx) => {
        const recording = await trx
          .updateTable('room_recordings')
          .set({
            status: done.status ?? 'completed',
            ...(done.startedAt === undefined ? {} : { started_at: done.startedAt }),
            finished_at: done.finishedAt,
            size_in_bytes: done.sizeInBytes,
            format: done.format,
            storage_key: done.storageKey,
            updated_at: done.finishedAt,
          })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .where('status', 'in', UNFINISHED_RECORDING)
          .returningAll()
          .executeTakeFirst();
        if (!recording) return false;
        const sessionId = recording.room_session_id;
        const failed = done.status === 'error';
        await appendEvent(trx, {
          projectId,
          type: failed ? 'recording.failed' : 'recording.completed',
          objectId: id,
          orderingKey: sessionId,
          object: rowToRoomRecording(recording, null),
          detail: failed ? { reason: done.reason ?? null } : undefined,
          at: done.finishedAt,
        });
        await insertEvent(
          trx,
          {
            id: randomUUID(),
            projectId,
            roomSessionId: sessionId,
            roomRecordingId: id,
            level: done.status === 'error' ? 'error' : 'info',
            name: 'recording.ended',
            payload: {
              status: done.status ?? 'completed',
              ...(done.reason === undefined ? {} : { reason: done.reason }),
              duration: Math.max(
                0,
                Math.round((done.finishedAt - Number(recording.started_at)) / 1000),
              ),
              size_in_bytes: done.sizeInBytes,
              format: done.format,
            },
            createdAt: done.finishedAt,
          },
          (await eventRoomIdOf(trx, projectId, sessionId)) ?? sessionId,
        );
        return true;
      });
    },

    async setRecordingStatus(projectId, id, status, at) {
      const result = await ctx.run(() =>
        ctx.db
          .updateTable('room_recordings')
          .set({ status, updated_at: at })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .where('status', 'in', ['recording', 'paused'])
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0;
    },

    strandedRecordings(nodeId, now, own) {
      return ctx.run(() =>
        ctx.db
          .selectFrom('room_recordings as r')
          .innerJoin('room_sessions as s', (join) =>
            join.onRef('s.id', '=', 'r.room_session_id').onRef('s.project_id', '=', 'r.project_id'),
          )
          .selectAll('r')
          .where('r.status', 'in', UNFINISHED_RECORDING)
          .where('s.status', '!=', 'in-progress')
          .where((eb) => (own ? eb('s.node_id', '=', nodeId) : eb('s.lease_until', '<', now)))
          .limit(1000)
          .execute(),
      );
    },

    async hasUnfinishedRecordings(projectId) {
      const row = await ctx.run(() =>
        ctx.db
          .selectFrom('room_recordings')
          .select('id')
          .where('project_id', '=', projectId)
          .where('status', 'in', ['recording', 'paused', 'processing'])
          .limit(1)
          .executeTakeFirst(),
      );
      return row !== undefined;
    },

    getRecording(projectId, id) {
      return findInProject(ctx, 'room_recordings', projectId, id);
    },

    listRecordings(projectId, sessionId, page) {
      let query = ctx.db
        .selectFrom('room_recordings')
        .selectAll()
        .where('project_id', '=', projectId);
      if (sessionId !== undefined) query = query.where('room_session_id', '=', sessionId);
      return ctx.run(() => keysetPage<RecordingRow & Keyed>(query, page));
    },

    deleteRecording(projectId, id) {
      return ctx.run(() =>
        ctx.db
          .deleteFrom('room_recordings')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
    },

    async listRecordingEvents(projectId, recordingId, page) {
      const rows = await ctx.run(() =>
        keysetPage<RoomSessionEventsTable & Keyed>(
          ctx.db
            .selectFrom('room_session_events')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('room_recording_id', '=', recordingId),
          page,
        ),
      );
      return mapPage(rows, rowToEvent);
    },

    findRecording(id) {
      return ctx.run(() =>
        ctx.db.selectFrom('room_recordings').selectAll().where('id', '=', id).executeTakeFirst(),
      );
    },
  };
}
