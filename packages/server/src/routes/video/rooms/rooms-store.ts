import type { ActiveSession, Room } from '@conclave/schema';
import { appendEvent, type NewEvent } from '../../../events/event-outbox.js';
import { joinWindowPage, type JoinWindowFilters } from '../../../store/kysely/join-window-page.js';
import { mapPage } from '../../../store/kysely/keyset-page.js';
import { findInProject, updateInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import { NameTakenError, type Cursor, type Page, type PageRequest } from '../../../store/store.js';
import { discardLogsOf } from '../logs/video-logs-store.js';
import { activeSessionsOf } from '../room-sessions/room-sessions-store.js';
import { roomFieldsToRow, rowToRoom, rowToRoomFields, rowToRoomRecord } from './room-rows.js';

/** Room fields as stored (times in Unix seconds, flags as booleans, meta parsed). */
export interface RoomFields {
  display_name: string | null;
  description: string | null;
  max_members: number;
  quality: string;
  join_from: number | null;
  join_until: number | null;
  remove_at: number | null;
  remove_after_seconds_elapsed: number | null;
  layout: string;
  record_on_start: boolean;
  tone_on_entry_and_exit: boolean;
  room_join_video_off: boolean;
  user_join_video_off: boolean;
  enable_room_previews: boolean | null;
  sync_audio_video: boolean | null;
  meta: Record<string, unknown> | null;
  prioritize_handraise: boolean;
}

export interface NewRoom extends RoomFields {
  id: string;
  name: string;
  fps: number;
  createdAt: number;
}

export interface RoomRecord {
  wire: Room;
  fields: RoomFields;
  key: Cursor;
}

/** The same join-window filters as conferences (D16). */
export type RoomFilters = JoinWindowFilters;

export interface RoomsStore {
  /** NameTakenError when the name is in use. */
  createRoom(projectId: string, input: NewRoom): Promise<RoomRecord>;
  getRoom(projectId: string, id: string): Promise<RoomRecord | undefined>;
  getRoomByName(projectId: string, name: string): Promise<RoomRecord | undefined>;
  /**
   * Applies `change` to the room's current fields, atomically: concurrent updates of one room
   * apply one after the other. Undefined when there is no such room.
   */
  updateRoom(
    projectId: string,
    id: string,
    change: (current: RoomFields) => RoomFields,
    updatedAt: number,
  ): Promise<RoomRecord | undefined>;
  /** Deletes the room and its streams, and discards its sessions' video logs at `deletedAt`. */
  deleteRoom(projectId: string, id: string, deletedAt?: number): Promise<boolean>;
  listRooms(projectId: string, filters: RoomFilters, page: PageRequest): Promise<Page<Room>>;
  /** The in-progress session of each given room that has one (sessions with that `room_id`). */
  activeRoomSessions(
    projectId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, ActiveSession>>;
}

function roomEvent(
  type: 'room.created' | 'room.updated' | 'room.deleted',
  row: Parameters<typeof rowToRoom>[0],
  at: number,
): NewEvent {
  return {
    projectId: row.project_id,
    type,
    objectId: row.id,
    orderingKey: row.id,
    object: rowToRoom(row),
    at,
  };
}

export function roomsStore(ctx: StoreContext): RoomsStore {
  return {
    async createRoom(projectId, input) {
      const row = {
        id: input.id,
        project_id: projectId,
        name: input.name,
        ...roomFieldsToRow(input),
        fps: input.fps,
        created_at: input.createdAt,
        updated_at: input.createdAt,
      };
      try {
        await ctx.write(async (trx) => {
          await trx.insertInto('rooms').values(row).execute();
          await appendEvent(trx, roomEvent('room.created', row, input.createdAt), ctx.hooks.sqlite);
        });
      } catch (error) {
        if (ctx.isUniqueViolation(error)) throw new NameTakenError();
        throw error;
      }
      return rowToRoomRecord(row);
    },

    async getRoom(projectId, id) {
      const row = await findInProject(ctx, 'rooms', projectId, id);
      return row && rowToRoomRecord(row);
    },

    async getRoomByName(projectId, name) {
      const row = await ctx.run(() =>
        ctx.db
          .selectFrom('rooms')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('name', '=', name)
          .executeTakeFirst(),
      );
      return row && rowToRoomRecord(row);
    },

    async updateRoom(projectId, id, change, updatedAt) {
      const row = await updateInProject(
        ctx,
        'rooms',
        projectId,
        id,
        (current) => ({
          ...roomFieldsToRow(change(rowToRoomFields(current))),
          updated_at: updatedAt,
        }),
        (trx, updated) => appendEvent(trx, roomEvent('room.updated', updated, updatedAt)),
      );
      return row && rowToRoomRecord(row);
    },

    async deleteRoom(projectId, id, deletedAt = Date.now()) {
      return ctx.transaction(async (trx) => {
        const deleted = await trx
          .deleteFrom('rooms')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!deleted) return false;
        await appendEvent(trx, roomEvent('room.deleted', deleted, deletedAt));
        await trx
          .deleteFrom('streams')
          .where('project_id', '=', projectId)
          .where('room_id', '=', id)
          .execute();
        await discardLogsOf(trx, projectId, 'room_id', id, deletedAt);
        return true;
      });
    },

    async listRooms(projectId, filters, page) {
      const rows = await joinWindowPage(ctx, 'rooms', projectId, filters, page);
      return mapPage(rows, rowToRoom);
    },

    activeRoomSessions(projectId, roomIds) {
      return activeSessionsOf(ctx, projectId, 'room_id', roomIds);
    },
  };
}
