import type { Room } from '@conclave/schema';
import type { Selectable } from 'kysely';
import { formatMillis } from '../../../lib/time.js';
import type { RoomsTable } from '../../../store/database.js';
import {
  jsonObject,
  jsonText,
  optionalFlag,
  optionalSeconds,
  toFlag,
  toOptionalFlag,
} from '../../../store/kysely/column-values.js';
import type { RoomFields, RoomRecord } from './rooms-store.js';

/** Room row ↔ wire and stored fields. */

type RoomRow = Selectable<RoomsTable>;

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
    enable_room_previews: optionalFlag(row.enable_room_previews),
    sync_audio_video: optionalFlag(row.sync_audio_video),
    meta: jsonObject(row.meta),
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
    enable_room_previews: optionalFlag(row.enable_room_previews),
    sync_audio_video: optionalFlag(row.sync_audio_video),
    meta: jsonObject(row.meta),
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
    record_on_start: toFlag(fields.record_on_start),
    tone_on_entry_and_exit: toFlag(fields.tone_on_entry_and_exit),
    room_join_video_off: toFlag(fields.room_join_video_off),
    user_join_video_off: toFlag(fields.user_join_video_off),
    enable_room_previews: toOptionalFlag(fields.enable_room_previews),
    sync_audio_video: toOptionalFlag(fields.sync_audio_video),
    meta: jsonText(fields.meta),
    prioritize_handraise: toFlag(fields.prioritize_handraise),
  };
}
