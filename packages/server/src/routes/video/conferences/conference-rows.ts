import type { Conference } from '@conclave/schema';
import type { Selectable } from 'kysely';
import { formatMillis } from '../../../lib/time.js';
import type { ConferencesTable } from '../../../store/database.js';
import {
  jsonObject,
  jsonText,
  optionalFlag,
  optionalSeconds,
  toFlag,
  toOptionalFlag,
} from '../../../store/kysely/column-values.js';
import type { ConferenceFields, ConferenceRecord } from './conferences-store.js';

/** Conference row ↔ wire and stored fields. */

export type ConferenceRow = Selectable<ConferencesTable>;
/** The columns the wire form is made of (every one but `wire` itself). */
export type ConferenceColumns = Omit<ConferenceRow, 'wire'>;

/** The wire form: the stored fields in the `Conference` schema's key order, times formatted. */
export function rowToConference(row: ConferenceColumns): Conference {
  return {
    id: row.id,
    name: row.name,
    // Overwriting a spread key keeps its place, so join_from and join_until stay where they are.
    ...(rowToConferenceFields(row) as Omit<
      Conference,
      'id' | 'name' | 'created_at' | 'updated_at'
    >),
    join_from: optionalSeconds(row.join_from),
    join_until: optionalSeconds(row.join_until),
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

export function rowToConferenceFields(row: ConferenceColumns): ConferenceFields {
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
    enable_room_previews: optionalFlag(row.enable_room_previews),
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
    meta: jsonObject(row.meta),
  };
}

export function rowToConferenceRecord(row: ConferenceColumns): ConferenceRecord {
  return {
    wire: rowToConference(row),
    fields: rowToConferenceFields(row),
    key: { createdAt: row.created_at, id: row.id },
  };
}

/** UTF-16 code units outside ASCII; a pair of surrogates is escaped as two, as JSON allows. */
const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * The wire JSON stored with the row: `rowToConference` in the `Conference` schema's key order,
 * as the response serializer writes it, except that every non-ASCII character is escaped
 * (`—` as `\u2014`): the same JSON text to any parser. An all-ASCII string takes one byte a
 * character in V8, so a list page joins, measures and writes its rows without converting UTF-16
 * to UTF-8 — one em dash in a row otherwise makes the whole page's string two-byte (measured:
 * +15 % on the first page). A change of the wire shape needs a migration that rewrites the
 * column (as 0006 filled it and 0011 re-encoded it).
 */
export function conferenceWire(row: ConferenceColumns): string {
  return JSON.stringify(rowToConference(row)).replace(NON_ASCII, escapeChar);
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function conferenceFieldsToRow(fields: ConferenceFields) {
  return {
    display_name: fields.display_name,
    description: fields.description,
    join_from: fields.join_from,
    join_until: fields.join_until,
    quality: fields.quality,
    layout: fields.layout,
    size: fields.size,
    record_on_start: toFlag(fields.record_on_start),
    tone_on_entry_and_exit: toFlag(fields.tone_on_entry_and_exit),
    user_join_video_off: toFlag(fields.user_join_video_off),
    room_join_video_off: toFlag(fields.room_join_video_off),
    enable_chat: toFlag(fields.enable_chat),
    enable_room_previews: toOptionalFlag(fields.enable_room_previews),
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
    meta: jsonText(fields.meta),
  };
}
