import type {
  ActiveSession,
  ApiToken,
  ApiTokenScope,
  Conference,
  ConferenceToken,
  Project,
} from '@conclave/schema';
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
  startTime: number;
}

export interface AuthenticatedToken {
  projectId: string;
  tokenHash: string;
  scopes: ApiTokenScope[];
}

/** Thrown by writes that would break `UNIQUE(project_id, name)`. */
export class NameTakenError extends Error {
  constructor() {
    super('name is taken within the project');
    this.name = 'NameTakenError';
  }
}

/** Thrown when the database cannot be reached; the HTTP layer answers 503. */
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
  deleteConference(projectId: string, id: string): Promise<boolean>;
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

  /** Written by the live-session engine. */
  startRoomSession(input: NewRoomSession): Promise<void>;
  endRoomSession(projectId: string, id: string, endTime: number): Promise<boolean>;
}
