import type {
  ActiveSession,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
  RoomSessionSummary,
} from '@conclave/schema';
import type { Selectable } from 'kysely';
import { formatMillis, formatSeconds } from '../../../lib/time.js';
import type {
  RoomSessionEventsTable,
  RoomSessionMembersTable,
  RoomSessionsTable,
} from '../../../store/database.js';
import {
  durationSeconds,
  optionalMillis,
  optionalSeconds,
} from '../../../store/kysely/column-values.js';

/** Row → wire mappers for room sessions, their members and events. */

/** A session as a list item (the summary plus `cost_in_dollars`, `enable_room_previews`, `locked_cover`). */
export function rowToRoomSession(row: Selectable<RoomSessionsTable>): RoomSession {
  return {
    id: row.id,
    room_id: row.room_id,
    name: row.name,
    display_name: row.display_name,
    max_members: row.max_members,
    quality: row.quality as RoomSession['quality'],
    fps: row.fps === 20 || row.fps === 30 ? row.fps : null,
    join_from: optionalSeconds(row.join_from),
    join_until: optionalSeconds(row.join_until),
    remove_at: optionalSeconds(row.remove_at),
    remove_after_seconds_elapsed: row.remove_after_seconds_elapsed,
    layout: row.layout,
    record_on_start: row.record_on_start !== 0,
    tone_on_entry_and_exit: row.tone_on_entry_and_exit !== 0,
    room_join_video_off: row.room_join_video_off !== 0,
    user_join_video_off: row.user_join_video_off !== 0,
    locked: row.locked !== 0,
    start_time: formatMillis(row.start_time),
    end_time: optionalMillis(row.end_time),
    duration: durationSeconds(row.start_time, row.end_time),
    status: row.status as RoomSession['status'],
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
    // No previews are generated yet (docs/decisions.md).
    preview_url: null,
    prioritize_handraise: row.prioritize_handraise !== 0,
    sync_audio_video: row.audio_video_sync !== 0,
    cost_in_dollars: 0,
    enable_room_previews: row.enable_room_previews !== 0,
    locked_cover: '',
  };
}

/** `GET /room_sessions/{id}`: the list item without its list-only fields. */
export function toRoomSessionSummary(session: RoomSession): RoomSessionSummary {
  const summary: Partial<RoomSession> = { ...session };
  delete summary.cost_in_dollars;
  delete summary.enable_room_previews;
  delete summary.locked_cover;
  return summary as RoomSessionSummary;
}

export function rowToMember(row: Selectable<RoomSessionMembersTable>): RoomSessionMember {
  return {
    id: row.id,
    room_session_id: row.room_session_id,
    name: row.name,
    join_time: formatMillis(row.join_time),
    leave_time: optionalMillis(row.leave_time),
    duration: durationSeconds(row.join_time, row.leave_time),
    cost_in_dollars: 0,
  };
}

export function rowToEvent(row: Selectable<RoomSessionEventsTable>): RoomSessionEvent {
  const event: RoomSessionEvent = {
    id: row.id,
    project_id: row.project_id,
    room_id: row.room_id,
    room_session_id: row.room_session_id,
    level: row.level,
    name: row.name,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    created_at: formatMillis(row.created_at),
  };
  if (row.room_recording_id !== null) event.room_recording_id = row.room_recording_id;
  if (row.room_participant_id !== null) event.room_participant_id = row.room_participant_id;
  return event;
}

/** A conference's or room's in-progress session, as `include_active_session` shows it. */
export function rowToActiveSession(row: Selectable<RoomSessionsTable>): ActiveSession {
  const session: ActiveSession = {
    id: row.id,
    name: row.name,
    status: row.status as ActiveSession['status'],
    start_time: formatMillis(row.start_time),
    record_on_start: row.record_on_start !== 0,
    enable_room_previews: row.enable_room_previews !== 0,
    audio_video_sync: row.audio_video_sync !== 0,
  };
  if (row.room_id !== null) session.room_id = row.room_id;
  if (row.display_name !== null) session.display_name = row.display_name;
  if (row.layout !== null) session.layout = row.layout;
  if (row.quality !== null) session.quality = row.quality as ActiveSession['quality'];
  if (row.fps === 20 || row.fps === 30) session.fps = row.fps;
  if (row.max_members !== null) session.max_members = row.max_members;
  if (row.join_from !== null) session.join_from = formatSeconds(row.join_from);
  if (row.join_until !== null) session.join_until = formatSeconds(row.join_until);
  if (row.remove_at !== null) session.remove_at = formatSeconds(row.remove_at);
  if (row.remove_after_seconds_elapsed !== null)
    session.remove_after_seconds_elapsed = row.remove_after_seconds_elapsed;
  if (row.end_time !== null) {
    session.end_time = formatMillis(row.end_time);
    session.duration = Math.round((row.end_time - row.start_time) / 1000);
  }
  return session;
}
