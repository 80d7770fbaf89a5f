import type {
  ActiveSession,
  ApiToken,
  ApiTokenScope,
  Conference,
  ConferenceToken,
  Project,
  Room,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
  Stream,
} from '@conclave/schema';
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { Engine } from './migrations/index.js';

/** A position in a list ordered by `created_at DESC, id DESC` (D13). */
export interface Cursor {
  createdAt: number;
  id: string;
  /** Include the row at the cursor itself (used to step back from an emptied page). */
  inclusive?: boolean;
}

/** One page of a keyset walk: the items after `after`, or the ones just before `before`. */
export interface PageRequest {
  after?: Cursor | undefined;
  before?: Cursor | undefined;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Whether an item older than the last one exists. */
  hasNext: boolean;
  /** Keys of the first and last items, for the `PB` / `PA` tokens. */
  firstKey?: Cursor | undefined;
  lastKey?: Cursor | undefined;
}

export interface ConferenceFilters {
  /** Unix seconds: keep `join_from >= startsAfter`. */
  startsAfter?: number | undefined;
  /** Unix seconds: keep `join_until <= endsBefore`. */
  endsBefore?: number | undefined;
}

/** Conference fields as stored (times in Unix seconds, flags as booleans, meta parsed). */
export interface ConferenceFields {
  display_name: string | null;
  description: string | null;
  join_from: number | null;
  join_until: number | null;
  quality: string;
  layout: string;
  size: string | null;
  record_on_start: boolean;
  tone_on_entry_and_exit: boolean;
  user_join_video_off: boolean;
  room_join_video_off: boolean;
  enable_chat: boolean;
  enable_room_previews: boolean | null;
  dark_primary: string | null;
  dark_background: string | null;
  dark_foreground: string | null;
  dark_success: string | null;
  dark_negative: string | null;
  light_primary: string | null;
  light_background: string | null;
  light_foreground: string | null;
  light_success: string | null;
  light_negative: string | null;
  meta: Record<string, unknown> | null;
}

export interface NewConference extends ConferenceFields {
  id: string;
  name: string;
  createdAt: number;
  tokens: { id: string; name: string; token: string; scopes: readonly string[] }[];
}

/** A conference as the store reads it: its wire form, the raw join window, and its list key. */
export interface ConferenceRecord {
  wire: Conference;
  fields: ConferenceFields;
  key: Cursor;
}

export interface NewRoomSession {
  id: string;
  projectId: string;
  conferenceId?: string | null;
  roomId?: string | null;
  name: string;
  displayName?: string | null;
  layout?: string | null;
  quality?: string | null;
  fps?: number | null;
  maxMembers?: number | null;
  joinFrom?: number | null;
  joinUntil?: number | null;
  removeAt?: number | null;
  removeAfterSecondsElapsed?: number | null;
  recordOnStart?: boolean;
  enableRoomPreviews?: boolean;
  audioVideoSync?: boolean;
  toneOnEntryAndExit?: boolean;
  roomJoinVideoOff?: boolean;
  userJoinVideoOff?: boolean;
  prioritizeHandraise?: boolean;
  /** Unix ms. */
  startTime: number;
  /** The process hosting it live, and its lease (Unix ms): see renewSessionLeases. */
  nodeId?: string | null;
  leaseUntil?: number | null;
  /** The id of its `session.started` event (the engine's, so events list in the order made). */
  startedEventId?: string;
}

export interface AuthenticatedToken {
  projectId: string;
  tokenHash: string;
  scopes: ApiTokenScope[];
}

/** The tables, row for row as stored: what moves between databases (see `transfer/`). */
export type TableName = keyof Database;
export type TableRow<T extends TableName> = Selectable<Database[T]>;
/** Tables read with the row that owns them: a conference's tokens, a room's or conference's streams. */
export type OwnedTable = 'conference_tokens' | 'streams';
/** Tables read page by page in list order (`created_at`, then the primary key). */
export type ScannedTable = Exclude<TableName, OwnedTable>;
/** Rows to write in one transaction, by table. */
export type RowBatch = { [T in TableName]?: TableRow<T>[] };

/** Thrown by writes that would break `UNIQUE(project_id, name)`. */
export class NameTakenError extends Error {
  constructor() {
    super('name is taken within the project');
    this.name = 'NameTakenError';
  }
}

/** Thrown when the database cannot be reached; the HTTP layer answers 503. */
/** applySessionWrites: another process already hosts a live session of that room or name. */
export class LiveSessionConflictError extends Error {
  constructor() {
    super('a live session of this room is hosted by another process');
    this.name = 'LiveSessionConflictError';
  }
}

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('database unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The one storage port. SQLite and PostgreSQL fill it (one Kysely implementation, two dialects).
 * Every read and write is scoped by project id: no method reaches another project's rows.
 */
export interface Store {
  readonly engine: Engine;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  createProject(input: { id: string; name: string; createdAt: number }): Promise<Project>;
  getProject(id: string): Promise<Project | undefined>;
  listProjects(page: PageRequest): Promise<Page<Project>>;
  deleteProject(id: string): Promise<boolean>;
  countProjects(): Promise<number>;

  createApiToken(input: {
    id: string;
    projectId: string;
    name: string;
    prefix: string;
    tokenHash: string;
    scopes: ApiTokenScope[];
    createdAt: number;
  }): Promise<ApiToken>;
  listApiTokens(projectId: string, page: PageRequest): Promise<Page<ApiToken>>;
  revokeApiToken(projectId: string, id: string): Promise<boolean>;
  findApiToken(projectId: string, tokenHash: string): Promise<AuthenticatedToken | undefined>;

  createConference(projectId: string, input: NewConference): Promise<ConferenceRecord>;
  getConference(projectId: string, id: string): Promise<ConferenceRecord | undefined>;
  updateConference(
    projectId: string,
    id: string,
    fields: ConferenceFields,
    updatedAt: number,
  ): Promise<ConferenceRecord | undefined>;
  /** Also discards the video logs of its sessions, at `deletedAt` (Unix ms, default now). */
  deleteConference(projectId: string, id: string, deletedAt?: number): Promise<boolean>;
  listConferences(
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<Conference>>;
  /** The in-progress session of each given conference that has one. */
  activeConferenceSessions(
    projectId: string,
    conferenceIds: readonly string[],
  ): Promise<Map<string, ActiveSession>>;

  listConferenceTokens(
    projectId: string,
    conferenceId: string,
    page: PageRequest,
  ): Promise<Page<ConferenceToken>>;
  getConferenceToken(projectId: string, id: string): Promise<ConferenceToken | undefined>;
  resetConferenceToken(
    projectId: string,
    id: string,
    newToken: string,
  ): Promise<ConferenceToken | undefined>;

  // Room sessions, members, events, recordings and video logs (issue 5). The write operations
  // are the live-session engine's; the API only reads.

  /** Starts a session: its row, a `session.started` event and its video log (in-progress). */
  startRoomSession(input: NewRoomSession): Promise<void>;
  /** Ends an in-progress session: end time, a `session.ended` event, the log completed. */
  endRoomSession(projectId: string, id: string, endTime: number): Promise<boolean>;
  /** The live engine's writes, in order, in one transaction (its group commit). */
  applySessionWrites(writes: readonly SessionWrite[]): Promise<void>;
  /** The in-progress session of a conference, a room, or a room-less (auto-created) name. */
  findLiveSession(
    projectId: string,
    where: LiveSessionKey,
  ): Promise<{ id: string; nodeId: string | null; leaseUntil: number | null } | undefined>;
  /** The host of the project's in-progress session `id`; undefined when it is not in progress. */
  liveSessionHost(
    projectId: string,
    id: string,
  ): Promise<{ nodeId: string | null; leaseUntil: number | null } | undefined>;
  /** Extends the lease of these in-progress sessions of the node; returns how many. */
  renewSessionLeases(
    nodeId: string,
    sessionIds: readonly string[],
    leaseUntil: number,
  ): Promise<number>;
  /**
   * In-progress sessions nobody may host any more: with `own`, the node's own (left by its
   * previous run: call it before hosting anything); without, any whose lease ran out (the caller
   * skips those it hosts). At most 1000 at a time.
   */
  abandonedSessions(
    nodeId: string,
    now: number,
    own: boolean,
  ): Promise<{ projectId: string; id: string; startTime: number; leaseUntil: number | null }[]>;
  /**
   * A conference token by its value, whatever its project (a join presents only the token), with
   * its conference; undefined when no conference has it.
   */
  findConferenceTokenByValue(token: string): Promise<
    | {
        id: string;
        projectId: string;
        conferenceId: string;
        name: string | null;
        scopes: string[];
        conference: ConferenceRecord;
      }
    | undefined
  >;
  /** Locks or unlocks a session (and its log's `locked`); false when no such session. */
  setRoomSessionLocked(
    projectId: string,
    id: string,
    locked: boolean,
    at: number,
  ): Promise<boolean>;
  /** A member joins; false when the session does not exist in the project. */
  addMember(input: NewMember): Promise<boolean>;
  /** A member leaves (the first leave counts); false when unknown or already gone. */
  memberLeft(projectId: string, memberId: string, leaveTime: number): Promise<boolean>;
  /** Records an event of a session; false when the session does not exist in the project. */
  addEvent(input: NewSessionEvent): Promise<boolean>;
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
  /** The project's media-link signing secret; `candidate` is stored first when it has none. */
  ensureMediaKey(
    projectId: string,
    candidate: { id: string; secret: string; createdAt: number },
  ): Promise<string>;

  listVideoLogs(
    projectId: string,
    filters: VideoLogFilters,
    page: PageRequest,
  ): Promise<Page<VideoLogRow>>;
  getVideoLog(projectId: string, id: string): Promise<VideoLogRow | undefined>;

  // Rooms, streams and room-token keys (issue 5).

  createRoom(projectId: string, input: NewRoom): Promise<RoomRecord>;
  getRoom(projectId: string, id: string): Promise<RoomRecord | undefined>;
  getRoomByName(projectId: string, name: string): Promise<RoomRecord | undefined>;
  updateRoom(
    projectId: string,
    id: string,
    fields: RoomFields,
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

  /**
   * Adds a stream to a room or conference, at most `limit` per owner (StreamLimitError beyond).
   * Undefined when the owner does not exist in the project.
   */
  createStream(
    projectId: string,
    owner: StreamOwner,
    input: NewStream,
    limit: number,
  ): Promise<Stream | undefined>;
  /** The streams of a room, or of a conference (its id is its backing room's). */
  listStreams(projectId: string, roomId: string, page: PageRequest): Promise<Page<Stream>>;
  getStream(projectId: string, id: string): Promise<Stream | undefined>;
  updateStream(
    projectId: string,
    id: string,
    change: { url: string; streamType: string },
    updatedAt: number,
  ): Promise<Stream | undefined>;
  deleteStream(projectId: string, id: string): Promise<boolean>;

  /** The project's current signing key; `candidate` is stored first when it has none. */
  ensureRoomTokenKey(projectId: string, candidate: NewRoomTokenKey): Promise<RoomTokenKey>;
  /** A signing key by id, current or retired, whatever its project (for verification). */
  getRoomTokenKey(kid: string): Promise<RoomTokenKey | undefined>;
  /**
   * Retires the current key at `next.createdAt` and makes `next` current; keys retired before
   * `pruneRetiredBefore` are deleted. Returns the new key and the one retired, if any.
   */
  rotateRoomTokenKey(
    projectId: string,
    next: NewRoomTokenKey,
    pruneRetiredBefore: number,
  ): Promise<{ current: RoomTokenKey; retired: RoomTokenKey | undefined }>;

  // Bulk access for moving data between databases (export / import), row for row as stored.

  /**
   * Up to `limit` rows of `table` in list order (`created_at DESC, id DESC`) after `after`: the
   * rows of one project, or of every project when `projectId` is undefined.
   */
  scanRows<T extends ScannedTable>(
    table: T,
    projectId: string | undefined,
    after: Cursor | undefined,
    limit: number,
  ): Promise<TableRow<T>[]>;
  /**
   * The rows owned by the given conferences (`conference_tokens`) or rooms and conferences
   * (`streams`), grouped by owner, each group in list order.
   */
  ownedRowsOf<T extends OwnedTable>(
    table: T,
    projectId: string,
    ownerIds: readonly string[],
  ): Promise<TableRow<T>[]>;
  /**
   * Writes every row of `batch` in one transaction. With `skipExisting`, a row whose primary key is
   * already stored is left as it is (to resume an interrupted import); any other conflict fails.
   */
  insertRows(batch: RowBatch, options?: { skipExisting?: boolean }): Promise<void>;
  /**
   * After a bulk load: lets the query planner see the new rows (PostgreSQL's ANALYZE; until
   * autovacuum gets to it, a freshly filled table can be planned as if empty, a list page turning
   * from an index walk into a full sort). Nothing to do on SQLite.
   */
  refreshStatistics(): Promise<void>;
  /** Rows of `table` belonging to one project (for `projects`: 0 or 1), or in all. */
  countRows(table: TableName, projectId?: string): Promise<number>;
}

// ---- rooms, streams and room-token keys (issue 5) -------------------------------------------

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
export type RoomFilters = ConferenceFilters;

/** Whose streams: a room's, or a conference's (whose backing room has the conference's id). */
export interface StreamOwner {
  kind: 'room' | 'conference';
  id: string;
}

export interface NewStream {
  id: string;
  url: string;
  streamType: string;
  createdAt: number;
}

/** Thrown by createStream when the owner already has its maximum number of streams. */
export class StreamLimitError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} streams per room`);
    this.name = 'StreamLimitError';
  }
}

export interface NewRoomTokenKey {
  kid: string;
  /** The HMAC key, base64url. */
  secret: string;
  /** Unix ms. */
  createdAt: number;
}

export interface RoomTokenKey extends NewRoomTokenKey {
  projectId: string;
  /** Unix ms; null for the current key. */
  retiredAt: number | null;
}

// ---- room sessions, recordings and video logs (issue 5) --------------------------------------

export interface RoomSessionFilters {
  roomId?: string | undefined;
  /** Exact session (room) name. */
  roomName?: string | undefined;
  /** Substring of the name, any letter case; `%`, `_` and `\\` match themselves. */
  roomNameMatches?: string | undefined;
  status?: 'in-progress' | 'completed' | undefined;
}

export type LiveSessionKey = { conferenceId: string } | { roomId: string } | { name: string };

/** One write of the live-session engine (see applySessionWrites). */
export type SessionWrite =
  | { kind: 'start'; session: NewRoomSession }
  | { kind: 'member'; member: NewMember }
  | { kind: 'left'; projectId: string; memberId: string; at: number }
  | { kind: 'event'; event: NewSessionEvent; roomId: string }
  | { kind: 'lock'; projectId: string; sessionId: string; locked: boolean; at: number }
  | { kind: 'end'; projectId: string; sessionId: string; at: number };

export interface NewMember {
  id: string;
  projectId: string;
  roomSessionId: string;
  name: string | null;
  /** Unix ms. */
  joinTime: number;
}

export interface NewSessionEvent {
  id: string;
  projectId: string;
  roomSessionId: string;
  roomRecordingId?: string | undefined;
  roomParticipantId?: string | undefined;
  level: string;
  name: string;
  payload: Record<string, unknown>;
  /** Unix ms. */
  createdAt: number;
}

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

export type RecordingRow = Selectable<Database['room_recordings']>;
export type VideoLogRow = Selectable<Database['video_logs']>;

export interface VideoLogFilters {
  includeDeleted: boolean;
  /** Unix ms: keep `created_at < createdBefore`. */
  createdBefore?: number | undefined;
  /** Unix ms: keep `created_at > createdAfter`. */
  createdAfter?: number | undefined;
  /** Unix ms: keep `created_at >= from` and `< to` (one UTC day). */
  createdOn?: { from: number; to: number } | undefined;
}
