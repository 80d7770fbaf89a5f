import type {
  ActiveSession,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
} from '@conclave/schema';
import { sql } from 'kysely';
import type {
  RoomSessionEventsTable,
  RoomSessionMembersTable,
  RoomSessionsTable,
} from '../../../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';
import { rowToActiveSession, rowToEvent, rowToMember, rowToRoomSession } from './session-rows.js';

export interface RoomSessionFilters {
  roomId?: string | undefined;
  /** Exact session (room) name. */
  roomName?: string | undefined;
  /** Substring of the name, any letter case; `%`, `_` and `\\` match themselves. */
  roomNameMatches?: string | undefined;
  status?: 'in-progress' | 'completed' | undefined;
}

/** What the API reads of sessions, their members and events (the live engine writes them). */
export interface RoomSessionsStore {
  getRoomSession(projectId: string, id: string): Promise<RoomSession | undefined>;
  listRoomSessions(
    projectId: string,
    filters: RoomSessionFilters,
    page: PageRequest,
  ): Promise<Page<RoomSession>>;
  listRoomSessionMembers(
    projectId: string,
    sessionId: string,
    page: PageRequest,
  ): Promise<Page<RoomSessionMember>>;
  listRoomSessionEvents(
    projectId: string,
    sessionId: string,
    page: PageRequest,
  ): Promise<Page<RoomSessionEvent>>;
}

/** `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** The in-progress session of each owner (conferences by `conference_id`, rooms by `room_id`). */
export async function activeSessionsOf(
  ctx: StoreContext,
  projectId: string,
  owner: 'conference_id' | 'room_id',
  ids: readonly string[],
): Promise<Map<string, ActiveSession>> {
  const out = new Map<string, ActiveSession>();
  if (ids.length === 0) return out;
  const rows = await ctx.run(() =>
    ctx.db
      .selectFrom('room_sessions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('status', '=', 'in-progress')
      .where(owner, 'in', ids)
      .execute(),
  );
  for (const row of rows) {
    const key = row[owner];
    if (key !== null) out.set(key, rowToActiveSession(row));
  }
  return out;
}

export function roomSessionsStore(ctx: StoreContext): RoomSessionsStore {
  return {
    async getRoomSession(projectId, id) {
      const row = await findInProject(ctx, 'room_sessions', projectId, id);
      return row && rowToRoomSession(row);
    },

    async listRoomSessions(projectId, filters, page) {
      let query = ctx.db
        .selectFrom('room_sessions')
        .selectAll()
        .where('project_id', '=', projectId);
      if (filters.roomId !== undefined) query = query.where('room_id', '=', filters.roomId);
      if (filters.roomName !== undefined) query = query.where('name', '=', filters.roomName);
      if (filters.roomNameMatches !== undefined) {
        // Case-insensitive on both engines (SQLite's LIKE is, PostgreSQL's is not).
        const pattern = `%${escapeLike(filters.roomNameMatches.toLowerCase())}%`;
        query = query.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`);
      }
      if (filters.status !== undefined) query = query.where('status', '=', filters.status);
      const rows = await ctx.run(() => keysetPage<RoomSessionsTable & Keyed>(query, page));
      return mapPage(rows, rowToRoomSession);
    },

    async listRoomSessionMembers(projectId, sessionId, page) {
      const rows = await ctx.run(() =>
        keysetPage<RoomSessionMembersTable & Keyed>(
          ctx.db
            .selectFrom('room_session_members')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('room_session_id', '=', sessionId),
          page,
        ),
      );
      return mapPage(rows, rowToMember);
    },

    async listRoomSessionEvents(projectId, sessionId, page) {
      const rows = await ctx.run(() =>
        keysetPage<RoomSessionEventsTable & Keyed>(
          ctx.db
            .selectFrom('room_session_events')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('room_session_id', '=', sessionId),
          page,
        ),
      );
      return mapPage(rows, rowToEvent);
    },
  };
}
