import { randomUUID } from 'node:crypto';
import type { RoomSessionEvent } from '@conclave/schema';
import type { Selectable } from 'kysely';
import type { RoomRecordingsTable, RoomSessionEventsTable } from '../../../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';
import { eventRoomIdOf, insertEvent } from '../room-sessions/live-sessions-store.js';
import { rowToEvent } from '../room-sessions/session-rows.js';

export interface NewRecording {
  id: string;
  projectId: string;
  roomSessionId: string;
  /** Unix ms. */
  startedAt: number;
}

export interface FinishedRecording {
  /** Unix ms. */
  finishedAt: number;
  sizeInBytes: number;
  /** The file's MIME type. */
  format: string;
  /** Where MediaStorage keeps the file. */
  storageKey: string;
}

export type RecordingRow = Selectable<RoomRecordingsTable>;

export interface RoomRecordingsStore {
  /** A recording starts (status `recording`, a `recording.started` event); false: no session. */
  startRecording(input: NewRecording): Promise<boolean>;
  /** The file is written (through MediaStorage): status `completed`, a `recording.ended` event. */
  finishRecording(projectId: string, id: string, done: FinishedRecording): Promise<boolean>;
  getRecording(projectId: string, id: string): Promise<RecordingRow | undefined>;
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
        await trx
          .insertInto('room_recordings')
          .values({
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
          })
          .execute();
        await insertEvent(
          trx,
          {
            id: randomUUID(),
            projectId: input.projectId,
            roomSessionId: input.roomSessionId,
            roomRecordingId: input.id,
            level: 'info',
            name: 'recording.started',
            payload: {},
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
            status: 'completed',
            finished_at: done.finishedAt,
            size_in_bytes: done.sizeInBytes,
            format: done.format,
            storage_key: done.storageKey,
            updated_at: done.finishedAt,
          })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .where('status', '!=', 'completed')
          .returning(['room_session_id'])
          .executeTakeFirst();
        if (!recording) return false;
        const sessionId = recording.room_session_id;
        await insertEvent(
          trx,
          {
            id: randomUUID(),
            projectId,
            roomSessionId: sessionId,
            roomRecordingId: id,
            level: 'info',
            name: 'recording.ended',
            payload: { size_in_bytes: done.sizeInBytes, format: done.format },
            createdAt: done.finishedAt,
          },
          (await eventRoomIdOf(trx, projectId, sessionId)) ?? sessionId,
        );
        return true;
      });
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
