import { META_MAX_CHARS, type CreateRoomRequest, type UpdateRoomRequest } from '@conclave/schema';
import { problem, ProblemList } from '../../../http/errors.js';
import { parseDateTime } from '../../../lib/time.js';
import type { RoomFields } from '../../../store/store.js';

/** A JSON object field (`meta`, `room_meta`) of at most 2000 characters serialised. */
export function checkMetaLength(
  problems: ProblemList,
  attribute: string,
  value: Record<string, unknown> | undefined,
): void {
  if (value !== undefined && JSON.stringify(value).length > META_MAX_CHARS) {
    problems.add(
      problem(
        'invalid_parameter',
        attribute,
        `${attribute} is too long (maximum is ${META_MAX_CHARS} characters)`,
      ),
    );
  }
}

/** D11: `join_until` earlier than `join_from` is refused. */
export function checkJoinWindow(
  problems: ProblemList,
  joinFrom: number | null | undefined,
  joinUntil: number | null | undefined,
): void {
  if (joinFrom != null && joinUntil != null && joinUntil < joinFrom) {
    problems.add(problem('invalid_join_until_date', 'join_until'));
  }
}

/** A schema-checked date-time → Unix seconds. */
export const seconds = (text: string | undefined) =>
  text === undefined ? null : parseDateTime(text)!;

/** A create body (schema-checked, defaults applied) → stored fields. */
export function roomFieldsFromCreate(body: CreateRoomRequest): RoomFields {
  const problems = new ProblemList();
  const fields: RoomFields = {
    // The spec: display_name defaults to the name.
    display_name: body.display_name ?? body.name,
    description: body.description ?? null,
    max_members: body.max_members ?? 20,
    quality: body.quality ?? '720p',
    join_from: seconds(body.join_from),
    join_until: seconds(body.join_until),
    remove_at: seconds(body.remove_at),
    remove_after_seconds_elapsed: body.remove_after_seconds_elapsed ?? null,
    layout: body.layout ?? 'grid-responsive',
    record_on_start: body.record_on_start ?? false,
    tone_on_entry_and_exit: body.tone_on_entry_and_exit ?? true,
    room_join_video_off: body.room_join_video_off ?? false,
    user_join_video_off: body.user_join_video_off ?? false,
    enable_room_previews: body.enable_room_previews ?? false,
    sync_audio_video: body.sync_audio_video ?? null,
    meta: body.meta ?? null,
    prioritize_handraise: body.prioritize_handraise ?? false,
  };
  checkMetaLength(problems, 'meta', body.meta);
  checkJoinWindow(problems, fields.join_from, fields.join_until);
  problems.throwIfAny();
  return fields;
}

/** A PUT body over the current fields: what is left out keeps its value (as D8, E6). */
export function roomFieldsFromUpdate(current: RoomFields, body: UpdateRoomRequest): RoomFields {
  const problems = new ProblemList();
  const fields: RoomFields = { ...current };
  if (body.display_name !== undefined) fields.display_name = body.display_name;
  if (body.description !== undefined) fields.description = body.description;
  if (body.max_members !== undefined) fields.max_members = body.max_members;
  if (body.quality !== undefined) fields.quality = body.quality;
  if (body.join_from !== undefined) fields.join_from = seconds(body.join_from);
  if (body.join_until !== undefined) fields.join_until = seconds(body.join_until);
  if (body.remove_at !== undefined) fields.remove_at = seconds(body.remove_at);
  if (body.remove_after_seconds_elapsed !== undefined)
    fields.remove_after_seconds_elapsed = body.remove_after_seconds_elapsed;
  if (body.layout !== undefined) fields.layout = body.layout;
  for (const flag of [
    'record_on_start',
    'tone_on_entry_and_exit',
    'room_join_video_off',
    'user_join_video_off',
    'prioritize_handraise',
  ] as const) {
    const value = body[flag];
    if (value !== undefined) fields[flag] = value;
  }
  if (body.enable_room_previews !== undefined)
    fields.enable_room_previews = body.enable_room_previews;
  if (body.sync_audio_video !== undefined) fields.sync_audio_video = body.sync_audio_video;
  if (body.meta !== undefined) fields.meta = body.meta;
  checkMetaLength(problems, 'meta', body.meta);
  checkJoinWindow(problems, fields.join_from, fields.join_until);
  problems.throwIfAny();
  return fields;
}
