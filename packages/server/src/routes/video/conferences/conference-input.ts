import {
  META_MAX_CHARS,
  THEME_COLOR_FIELDS,
  type CreateConferenceRequest,
  type UpdateConferenceRequest,
} from '@conclave/schema';
import { problem, ProblemList } from '../../../http/errors.js';
import { parseDateTime } from '../../../lib/time.js';
import type { ConferenceFields } from '../../../store/store.js';

function checkMeta(problems: ProblemList, meta: Record<string, unknown> | undefined): void {
  if (meta !== undefined && JSON.stringify(meta).length > META_MAX_CHARS) {
    problems.add(
      problem(
        'invalid_parameter',
        'meta',
        `meta is too long (maximum is ${META_MAX_CHARS} characters)`,
      ),
    );
  }
}

function checkWindow(problems: ProblemList, fields: ConferenceFields): void {
  if (
    fields.join_from !== null &&
    fields.join_until !== null &&
    fields.join_until < fields.join_from
  ) {
    problems.add(problem('invalid_join_until_date', 'join_until'));
  }
}

const seconds = (text: string | undefined) => (text === undefined ? null : parseDateTime(text)!);

/** A create body (already schema-checked, defaults applied) → stored fields (D10, D11). */
export function fieldsFromCreate(body: CreateConferenceRequest): ConferenceFields {
  const problems = new ProblemList();
  const fields: ConferenceFields = {
    display_name: body.display_name,
    description: body.description ?? null,
    join_from: seconds(body.join_from),
    join_until: seconds(body.join_until),
    quality: body.quality ?? '720p',
    layout: body.layout ?? 'grid-responsive',
    size: body.size ?? 'medium',
    record_on_start: body.record_on_start ?? false,
    tone_on_entry_and_exit: body.tone_on_entry_and_exit ?? true,
    user_join_video_off: body.user_join_video_off ?? false,
    room_join_video_off: body.room_join_video_off ?? false,
    enable_chat: body.enable_chat ?? true,
    enable_room_previews: body.enable_room_previews ?? false,
    meta: body.meta ?? null,
  } as ConferenceFields;
  for (const color of THEME_COLOR_FIELDS) fields[color] = body[color] ?? null;
  checkMeta(problems, body.meta);
  checkWindow(problems, fields);
  problems.throwIfAny();
  return fields;
}

/** D8: a PUT body over the current fields — what is left out keeps its value; `name` never changes. */
export function fieldsFromUpdate(
  current: ConferenceFields,
  body: UpdateConferenceRequest,
): ConferenceFields {
  const problems = new ProblemList();
  const fields: ConferenceFields = { ...current, display_name: body.display_name };
  if (body.description !== undefined) fields.description = body.description;
  if (body.join_from !== undefined) fields.join_from = seconds(body.join_from);
  if (body.join_until !== undefined) fields.join_until = seconds(body.join_until);
  if (body.quality !== undefined) fields.quality = body.quality;
  if (body.layout !== undefined) fields.layout = body.layout;
  if (body.size !== undefined) fields.size = body.size;
  for (const flag of [
    'record_on_start',
    'tone_on_entry_and_exit',
    'room_join_video_off',
    'user_join_video_off',
    'enable_chat',
  ] as const) {
    if (body[flag] !== undefined) fields[flag] = body[flag];
  }
  if (body.enable_room_previews !== undefined)
    fields.enable_room_previews = body.enable_room_previews;
  for (const color of THEME_COLOR_FIELDS) {
    const value = body[color];
    if (value !== undefined) fields[color] = value;
  }
  if (body.meta !== undefined) fields.meta = body.meta;
  checkMeta(problems, body.meta);
  checkWindow(problems, fields);
  problems.throwIfAny();
  return fields;
}
