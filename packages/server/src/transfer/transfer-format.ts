import type {
  ApiTokensTable,
  ConferencesTable,
  ConferenceTokensTable,
  MediaKeysTable,
  ProjectsTable,
  RoomRecordingsTable,
  RoomSessionEventsTable,
  RoomSessionMembersTable,
  RoomSessionsTable,
  RoomsTable,
  RoomTokenKeysTable,
  StreamsTable,
  VideoLogsTable,
} from '../store/database.js';
import type { TableName, TableRow } from '../store/store.js';

/**
 * The export format, JSON Lines:
 *
 *     {"type":"header","format":"conclave-export","version":1,"engine":"sqlite",…}
 *     {"type":"project","row":{…}}
 *     {"type":"api_token","row":{…}}
 *     {"type":"conference","row":{…},"tokens":[{…},{…}],"streams":[…]}
 *     {"type":"room","row":{…},"streams":[…]}
 *     {"type":"room_session","row":{…}}
 *     {"type":"room_token_key","row":{…}}
 *     {"type":"room_session_member","row":{…}}   (and room_session_event, room_recording,
 *                                                 video_log, media_key: one row each)
 *     {"type":"end","counts":{"projects":1,"api_tokens":1,"conferences":2,…}}
 *
 * Rows are the tables' columns as stored on either engine (Unix times as integers, flags as 0/1,
 * JSON as text), so a file reads the same whichever engine wrote it. A conference carries its
 * tokens and streams, a room its streams, so no batch boundary ever separates them. Each
 * project's line precedes its rows. The file holds secrets (conference token values, room-token
 * signing keys; API tokens only as hashes): keep it as safe as the database.
 */
export const EXPORT_FORMAT = 'conclave-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  engine: string;
  exported_at: string;
  /** The one project exported, or null for all. */
  project_id: string | null;
}

export type TableCounts = Record<TransferTable, number>;

export type ExportRecord =
  | { type: 'project'; row: TableRow<'projects'> }
  | { type: 'api_token'; row: TableRow<'api_tokens'> }
  | {
      type: 'conference';
      row: TableRow<'conferences'>;
      tokens: TableRow<'conference_tokens'>[];
      streams: TableRow<'streams'>[];
    }
  | { type: 'room'; row: TableRow<'rooms'>; streams: TableRow<'streams'>[] }
  | { type: 'room_session'; row: TableRow<'room_sessions'> }
  | { type: 'room_token_key'; row: TableRow<'room_token_keys'> }
  | { type: 'room_session_member'; row: TableRow<'room_session_members'> }
  | { type: 'room_session_event'; row: TableRow<'room_session_events'> }
  | { type: 'room_recording'; row: TableRow<'room_recordings'> }
  | { type: 'video_log'; row: TableRow<'video_logs'> }
  | { type: 'media_key'; row: TableRow<'media_keys'> };

/** Tables exported one row per line, after the project's other rows, by record type. */
export const SINGLE_ROW_RECORDS = {
  room_session_member: 'room_session_members',
  room_session_event: 'room_session_events',
  room_recording: 'room_recordings',
  video_log: 'video_logs',
  media_key: 'media_keys',
} as const satisfies Record<string, TableName>;

export interface ExportEnd {
  type: 'end';
  counts: TableCounts;
}

export const TABLE_NAMES = [
  'projects',
  'api_tokens',
  'conferences',
  'conference_tokens',
  'rooms',
  'streams',
  'room_sessions',
  'room_token_keys',
  'room_session_members',
  'room_session_events',
  'room_recordings',
  'video_logs',
  'media_keys',
] as const satisfies readonly TableName[];
export type TransferTable = (typeof TABLE_NAMES)[number];
// Every table moves: a table added to `Database` and not to TABLE_NAMES fails to compile here.
const everyTableMoves: [Exclude<TableName, TransferTable>] extends [never] ? true : never = true;
void everyTableMoves;

export function zeroCounts(): TableCounts {
  return {
    projects: 0,
    api_tokens: 0,
    conferences: 0,
    conference_tokens: 0,
    rooms: 0,
    streams: 0,
    room_sessions: 0,
    room_token_keys: 0,
    room_session_members: 0,
    room_session_events: 0,
    room_recordings: 0,
    video_logs: 0,
    media_keys: 0,
  };
}

type Kind = 'text' | 'int' | 'text?' | 'int?';

// One entry per column: `satisfies` makes the compiler check the lists against the table types.
const projects = { id: 'text', name: 'text', created_at: 'int' } satisfies Record<
  keyof ProjectsTable,
  Kind
>;
const apiTokens = {
  id: 'text',
  project_id: 'text',
  name: 'text',
  prefix: 'text',
  token_hash: 'text',
  scopes: 'text',
  created_at: 'int',
} satisfies Record<keyof ApiTokensTable, Kind>;
const conferences = {
  id: 'text',
  project_id: 'text',
  name: 'text',
  display_name: 'text?',
  description: 'text?',
  join_from: 'int?',
  join_until: 'int?',
  quality: 'text',
  layout: 'text',
  size: 'text?',
  record_on_start: 'int',
  tone_on_entry_and_exit: 'int',
  user_join_video_off: 'int',
  room_join_video_off: 'int',
  enable_chat: 'int',
  enable_room_previews: 'int?',
  dark_primary: 'text?',
  dark_background: 'text?',
  dark_foreground: 'text?',
  dark_success: 'text?',
  dark_negative: 'text?',
  light_primary: 'text?',
  light_background: 'text?',
  light_foreground: 'text?',
  light_success: 'text?',
  light_negative: 'text?',
  meta: 'text?',
  created_at: 'int',
  updated_at: 'int',
  // `wire` is derived from the others: not exported, made again on import.
} satisfies Record<Exclude<keyof ConferencesTable, 'wire'>, Kind>;
const conferenceTokens = {
  id: 'text',
  project_id: 'text',
  conference_id: 'text',
  name: 'text?',
  token: 'text',
  scopes: 'text',
  created_at: 'int',
} satisfies Record<keyof ConferenceTokensTable, Kind>;
const roomSessions = {
  id: 'text',
  project_id: 'text',
  conference_id: 'text?',
  room_id: 'text?',
  name: 'text',
  display_name: 'text?',
  status: 'text',
  layout: 'text?',
  quality: 'text?',
  fps: 'int?',
  max_members: 'int?',
  join_from: 'int?',
  join_until: 'int?',
  remove_at: 'int?',
  remove_after_seconds_elapsed: 'int?',
  record_on_start: 'int',
  enable_room_previews: 'int',
  audio_video_sync: 'int',
  start_time: 'int',
  end_time: 'int?',
  created_at: 'int',
  locked: 'int',
  tone_on_entry_and_exit: 'int',
  room_join_video_off: 'int',
  user_join_video_off: 'int',
  prioritize_handraise: 'int',
  updated_at: 'int',
  node_id: 'text?',
  lease_until: 'int?',
} satisfies Record<keyof RoomSessionsTable, Kind>;

const rooms = {
  id: 'text',
  project_id: 'text',
  name: 'text',
  display_name: 'text?',
  description: 'text?',
  max_members: 'int',
  quality: 'text',
  fps: 'int',
  join_from: 'int?',
  join_until: 'int?',
  remove_at: 'int?',
  remove_after_seconds_elapsed: 'int?',
  layout: 'text',
  record_on_start: 'int',
  tone_on_entry_and_exit: 'int',
  room_join_video_off: 'int',
  user_join_video_off: 'int',
  enable_room_previews: 'int?',
  sync_audio_video: 'int?',
  meta: 'text?',
  prioritize_handraise: 'int',
  created_at: 'int',
  updated_at: 'int',
} satisfies Record<keyof RoomsTable, Kind>;
const streams = {
  id: 'text',
  project_id: 'text',
  room_id: 'text',
  url: 'text',
  stream_type: 'text',
  width: 'int?',
  height: 'int?',
  fps: 'int?',
  created_at: 'int',
  updated_at: 'int',
} satisfies Record<keyof StreamsTable, Kind>;
const roomTokenKeys = {
  kid: 'text',
  project_id: 'text',
  secret: 'text',
  created_at: 'int',
  retired_at: 'int?',
} satisfies Record<keyof RoomTokenKeysTable, Kind>;

const roomSessionMembers = {
  id: 'text',
  project_id: 'text',
  room_session_id: 'text',
  name: 'text?',
  join_time: 'int',
  leave_time: 'int?',
  created_at: 'int',
} satisfies Record<keyof RoomSessionMembersTable, Kind>;
const roomSessionEvents = {
  id: 'text',
  project_id: 'text',
  room_id: 'text',
  room_session_id: 'text',
  room_recording_id: 'text?',
  room_participant_id: 'text?',
  level: 'text',
  name: 'text',
  payload: 'text',
  created_at: 'int',
} satisfies Record<keyof RoomSessionEventsTable, Kind>;
const roomRecordings = {
  id: 'text',
  project_id: 'text',
  room_session_id: 'text',
  status: 'text',
  started_at: 'int',
  finished_at: 'int?',
  size_in_bytes: 'int?',
  format: 'text?',
  storage_key: 'text?',
  created_at: 'int',
  updated_at: 'int',
} satisfies Record<keyof RoomRecordingsTable, Kind>;
const videoLogs = {
  id: 'text',
  project_id: 'text',
  room_session_id: 'text',
  conference_id: 'text?',
  room_id: 'text?',
  type: 'text',
  room_name: 'text?',
  status: 'text',
  locked: 'int',
  started_at: 'int',
  ended_at: 'int?',
  discarded_at: 'int?',
  created_at: 'int',
} satisfies Record<keyof VideoLogsTable, Kind>;
const mediaKeys = {
  id: 'text',
  project_id: 'text',
  secret: 'text',
  created_at: 'int',
} satisfies Record<keyof MediaKeysTable, Kind>;

const COLUMNS: Record<TableName, Record<string, Kind>> = {
  projects,
  api_tokens: apiTokens,
  conferences,
  conference_tokens: conferenceTokens,
  room_sessions: roomSessions,
  rooms,
  streams,
  room_token_keys: roomTokenKeys,
  room_session_members: roomSessionMembers,
  room_session_events: roomSessionEvents,
  room_recordings: roomRecordings,
  video_logs: videoLogs,
  media_keys: mediaKeys,
};

/** Thrown for a file that is not a complete, well-formed export, or a target that refuses it. */
export class TransferError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferError';
  }
}

/**
 * A row with exactly its table's columns, in the table's order, whatever order or extra fields the
 * engine's driver produced — so two engines export the same bytes for the same data.
 */
export function canonicalRow<T extends TableName>(table: T, row: TableRow<T>): TableRow<T> {
  const out: Record<string, unknown> = {};
  const source = row as Record<string, unknown>;
  for (const column of Object.keys(COLUMNS[table])) out[column] = source[column] ?? null;
  return out as TableRow<T>;
}

/** Checks a row read from a file against its table's columns; `where` locates it in messages. */
/**
 * Columns added after version-1 files were first written (migration 0003), with the value a row
 * from an older file gets: the migration's defaults.
 */
const ADDED_COLUMNS: Partial<
  Record<TableName, Record<string, (row: Record<string, unknown>) => unknown>>
> = {
  room_sessions: {
    locked: () => 0,
    tone_on_entry_and_exit: () => 1,
    room_join_video_off: () => 0,
    user_join_video_off: () => 0,
    prioritize_handraise: () => 0,
    updated_at: (row) => row.created_at,
    node_id: () => null,
    lease_until: () => null,
  },
};

/** Tables added after version-1 files were first written: an older file's end line lacks them. */
export const ADDED_TABLES: readonly TableName[] = [
  'room_session_members',
  'room_session_events',
  'room_recordings',
  'video_logs',
  'media_keys',
];

export function readRow<T extends TableName>(table: T, value: unknown, where: string): TableRow<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TransferError(`${where}: a ${table} row must be an object`);
  }
  const columns = COLUMNS[table];
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (!(key in columns)) throw new TransferError(`${where}: ${table} has no column "${key}"`);
  }
  const out: Record<string, unknown> = {};
  const added = ADDED_COLUMNS[table];
  for (const [column, kind] of Object.entries(columns)) {
    const v = column in source || !added?.[column] ? source[column] : added[column](source);
    const nullable = kind.endsWith('?');
    const ok =
      v === null
        ? nullable
        : kind.startsWith('int')
          ? Number.isSafeInteger(v)
          : typeof v === 'string';
    if (!ok) {
      throw new TransferError(`${where}: ${table}.${column} must be ${describe(kind)}`);
    }
    out[column] = v;
  }
  return out as TableRow<T>;
}

function describe(kind: Kind): string {
  const base = kind.startsWith('int') ? 'an integer' : 'a string';
  return kind.endsWith('?') ? `${base} or null` : base;
}
