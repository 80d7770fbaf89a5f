import type {
  ActiveSession,
  ApiToken,
  ApiTokenScope,
  Conference,
  ConferenceToken,
  Project,
  Room,
  Stream,
} from '@conclave/schema';
import type { Selectable } from 'kysely';
import { formatMillis, formatSeconds } from '../lib/time.js';
import type {
  ApiTokensTable,
  ConferencesTable,
  ConferenceTokensTable,
  ProjectsTable,
  RoomSessionsTable,
  RoomsTable,
  RoomTokenKeysTable,
  StreamsTable,
} from './database.js';
import type {
  ConferenceFields,
  ConferenceRecord,
  RoomFields,
  RoomRecord,
  RoomTokenKey,
} from './store.js';

/** Row ↔ wire mappers: the one place that knows how each engine-neutral column reads. */

type ConferenceRow = Selectable<ConferencesTable>;

const optionalSeconds = (value: number | null) => (value === null ? null : formatSeconds(value));
const flag = (value: number | null) => (value === null ? null : value !== 0);

export function rowToConference(row: ConferenceRow): Conference {
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    description: row.description,
    join_from: optionalSeconds(row.join_from),
    join_until: optionalSeconds(row.join_until),
    quality: row.quality as Conference['quality'],
    layout: row.layout as Conference['layout'],
    size: row.size as Conference['size'],
    record_on_start: row.record_on_start !== 0,
    tone_on_entry_and_exit: row.tone_on_entry_and_exit !== 0,
    user_join_video_off: row.user_join_video_off !== 0,
    room_join_video_off: row.room_join_video_off !== 0,
    enable_chat: row.enable_chat !== 0,
    enable_room_previews: flag(row.enable_room_previews),
    dark_primary: row.dark_primary,
    dark_background: row.dark_background,
    dark_foreground: row.dark_foreground,
    dark_success: row.dark_success,
    dark_negative: row.dark_negative,
    light_primary: row.light_primary,
    light_background: row.light_background,
    light_foreground: row.light_foreground,
    light_success: row.light_success,
    light_negative: row.light_negative,
    meta: row.meta === null ? null : (JSON.parse(row.meta) as Record<string, unknown>),
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

export function rowToConferenceFields(row: ConferenceRow): ConferenceFields {
  return {
    display_name: row.display_name,
    description: row.description,
    join_from: row.join_from,
    join_until: row.join_until,
    quality: row.quality,
    layout: row.layout,
    size: row.size,
    record_on_start: row.record_on_start !== 0,
    tone_on_entry_and_exit: row.tone_on_entry_and_exit !== 0,
    user_join_video_off: row.user_join_video_off !== 0,
    room_join_video_off: row.room_join_video_off !== 0,
    enable_chat: row.enable_chat !== 0,
    enable_room_previews: flag(row.enable_room_previews),
    dark_primary: row.dark_primary,
    dark_background: row.dark_background,
    dark_foreground: row.dark_foreground,
    dark_success: row.dark_success,
    dark_negative: row.dark_negative,
    light_primary: row.light_primary,
    light_background: row.light_background,
    light_foreground: row.light_foreground,
    light_success: row.light_success,
    light_negative: row.light_negative,
    meta: row.meta === null ? null : (JSON.parse(row.meta) as Record<string, unknown>),
  };
}

export function rowToConferenceRecord(row: ConferenceRow): ConferenceRecord {
  return {
    wire: rowToConference(row),
    fields: rowToConferenceFields(row),
    key: { createdAt: row.created_at, id: row.id },
  };
}

const int = (value: boolean) => (value ? 1 : 0);

export function conferenceFieldsToRow(fields: ConferenceFields) {
  return {
    display_name: fields.display_name,
    description: fields.description,
    join_from: fields.join_from,
    join_until: fields.join_until,
    quality: fields.quality,
    layout: fields.layout,
    size: fields.size,
    record_on_start: int(fields.record_on_start),
    tone_on_entry_and_exit: int(fields.tone_on_entry_and_exit),
    user_join_video_off: int(fields.user_join_video_off),
    room_join_video_off: int(fields.room_join_video_off),
    enable_chat: int(fields.enable_chat),
    enable_room_previews:
      fields.enable_room_previews === null ? null : int(fields.enable_room_previews),
    dark_primary: fields.dark_primary,
    dark_background: fields.dark_background,
    dark_foreground: fields.dark_foreground,
    dark_success: fields.dark_success,
    dark_negative: fields.dark_negative,
    light_primary: fields.light_primary,
    light_background: fields.light_background,
    light_foreground: fields.light_foreground,
    light_success: fields.light_success,
    light_negative: fields.light_negative,
    meta: fields.meta === null ? null : JSON.stringify(fields.meta),
  };
}

export function rowToConferenceToken(row: Selectable<ConferenceTokensTable>): ConferenceToken {
  return {
    id: row.id,
    name: row.name,
    token: row.token,
    scopes: JSON.parse(row.scopes) as string[],
  };
}

export function rowToProject(row: Selectable<ProjectsTable>): Project {
  return { id: row.id, name: row.name, created_at: formatMillis(row.created_at) };
}

export function rowToApiToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as ApiTokenScope[],
    created_at: formatMillis(row.created_at),
  };
}

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

// ---- rooms, streams and room-token keys ----------------------------------------------------

type RoomRow = Selectable<RoomsTable>;

const json = (text: string | null) =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);
const optionalFlag = (value: boolean | null) => (value === null ? null : int(value));

/** The wire form, in the spec's field order. */
export function rowToRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    description: row.description,
    max_members: row.max_members,
    quality: row.quality as Room['quality'],
    fps: row.fps,
    join_from: optionalSeconds(row.join_from),
    join_until: optionalSeconds(row.join_until),
    remove_at: optionalSeconds(row.remove_at),
    remove_after_seconds_elapsed: row.remove_after_seconds_elapsed,
    layout: row.layout as Room['layout'],
    record_on_start: row.record_on_start !== 0,
    tone_on_entry_and_exit: row.tone_on_entry_and_exit !== 0,
    room_join_video_off: row.room_join_video_off !== 0,
    user_join_video_off: row.user_join_video_off !== 0,
    enable_room_previews: flag(row.enable_room_previews),
    sync_audio_video: flag(row.sync_audio_video),
    meta: json(row.meta),
    prioritize_handraise: row.prioritize_handraise !== 0,
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

export function rowToRoomFields(row: RoomRow): RoomFields {
  return {
    display_name: row.display_name,
    description: row.description,
    max_members: row.max_members,
    quality: row.quality,
    join_from: row.join_from,
    join_until: row.join_until,
    remove_at: row.remove_at,
    remove_after_seconds_elapsed: row.remove_after_seconds_elapsed,
    layout: row.layout,
    record_on_start: row.record_on_start !== 0,
    tone_on_entry_and_exit: row.tone_on_entry_and_exit !== 0,
    room_join_video_off: row.room_join_video_off !== 0,
    user_join_video_off: row.user_join_video_off !== 0,
    enable_room_previews: flag(row.enable_room_previews),
    sync_audio_video: flag(row.sync_audio_video),
    meta: json(row.meta),
    prioritize_handraise: row.prioritize_handraise !== 0,
  };
}

export function rowToRoomRecord(row: RoomRow): RoomRecord {
  return {
    wire: rowToRoom(row),
    fields: rowToRoomFields(row),
    key: { createdAt: row.created_at, id: row.id },
  };
}

export function roomFieldsToRow(fields: RoomFields) {
  return {
    display_name: fields.display_name,
    description: fields.description,
    max_members: fields.max_members,
    quality: fields.quality,
    join_from: fields.join_from,
    join_until: fields.join_until,
    remove_at: fields.remove_at,
    remove_after_seconds_elapsed: fields.remove_after_seconds_elapsed,
    layout: fields.layout,
    record_on_start: int(fields.record_on_start),
    tone_on_entry_and_exit: int(fields.tone_on_entry_and_exit),
    room_join_video_off: int(fields.room_join_video_off),
    user_join_video_off: int(fields.user_join_video_off),
    enable_room_previews: optionalFlag(fields.enable_room_previews),
    sync_audio_video: optionalFlag(fields.sync_audio_video),
    meta: fields.meta === null ? null : JSON.stringify(fields.meta),
    prioritize_handraise: int(fields.prioritize_handraise),
  };
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

export function rowToRoomTokenKey(row: Selectable<RoomTokenKeysTable>): RoomTokenKey {
  return {
    kid: row.kid,
    projectId: row.project_id,
    secret: row.secret,
    createdAt: Number(row.created_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  };
}
