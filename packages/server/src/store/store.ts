import type { ApiTokensStore } from '../admin/api-tokens-store.js';
import type { ProjectsStore } from '../admin/projects-store.js';
import type { MediaKeysStore } from '../routes/media/media-keys-store.js';
import type { ConferenceTokensStore } from '../routes/video/conference-tokens/conference-tokens-store.js';
import type { ConferencesStore } from '../routes/video/conferences/conferences-store.js';
import type { VideoLogsStore } from '../routes/video/logs/video-logs-store.js';
import type { RoomRecordingsStore } from '../routes/video/room-recordings/room-recordings-store.js';
import type { LiveSessionsStore } from '../routes/video/room-sessions/live-sessions-store.js';
import type { RoomSessionsStore } from '../routes/video/room-sessions/room-sessions-store.js';
import type { RoomTokenKeysStore } from '../routes/video/room-tokens/room-token-keys-store.js';
import type { RoomsStore } from '../routes/video/rooms/rooms-store.js';
import type { StreamsStore } from '../routes/video/streams/streams-store.js';
import type { TransferStore } from '../transfer/transfer-store.js';
import type { EventsStore } from '../events/events-store.js';
import type { WebhooksStore } from '../webhooks/webhooks-store.js';
import type { NodesStore } from '../cluster/nodes-store.js';
import type { Engine } from './migrations/index.js';

/**
 * The one storage port, composed of one interface per resource. Each resource's interface and
 * its queries live beside its routes (`routes/video/<resource>/<resource>-store.ts`); projects
 * and API tokens in `admin/`, bulk transfer in `transfer/`. SQLite and PostgreSQL fill it (one
 * Kysely implementation, two dialects: `kysely/kysely-store.ts`). Every read and write is scoped
 * by project id: no method reaches another project's rows.
 */
export interface Store
  extends
    ProjectsStore,
    ApiTokensStore,
    ConferencesStore,
    ConferenceTokensStore,
    RoomsStore,
    StreamsStore,
    RoomTokenKeysStore,
    RoomSessionsStore,
    LiveSessionsStore,
    RoomRecordingsStore,
    MediaKeysStore,
    VideoLogsStore,
    TransferStore,
    EventsStore,
    WebhooksStore,
    NodesStore {
  readonly engine: Engine;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

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

/** Thrown by writes that would break `UNIQUE(project_id, name)`. */
export class NameTakenError extends Error {
  constructor() {
    super('name is taken within the project');
    this.name = 'NameTakenError';
  }
}

/** Thrown by bulk inserts whose rows collide with stored ones (a primary key or a unique name). */
export class RowsConflictError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : 'rows conflict with stored ones', { cause });
    this.name = 'RowsConflictError';
  }
}

/** Thrown when the database cannot be reached; the HTTP layer answers 503. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('database unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

export type { AuthenticatedToken, NewApiToken } from '../admin/api-tokens-store.js';
export type { ConferenceTokenMatch } from '../routes/video/conference-tokens/conference-tokens-store.js';
export type {
  ConferenceFields,
  ConferenceFilters,
  ConferenceRecord,
  NewConference,
} from '../routes/video/conferences/conferences-store.js';
export type { VideoLogFilters, VideoLogRow } from '../routes/video/logs/video-logs-store.js';
export type {
  FinishedRecording,
  NewRecording,
  RecordingRow,
} from '../routes/video/room-recordings/room-recordings-store.js';
export {
  LiveSessionConflictError,
  type LiveSessionKey,
  type NewMember,
  type NewRoomSession,
  type NewSessionEvent,
  type SessionWrite,
} from '../routes/video/room-sessions/live-sessions-store.js';
export type { RoomSessionFilters } from '../routes/video/room-sessions/room-sessions-store.js';
export type {
  NewRoomTokenKey,
  RoomTokenKey,
} from '../routes/video/room-tokens/room-token-keys-store.js';
export type {
  NewRoom,
  RoomFields,
  RoomFilters,
  RoomRecord,
} from '../routes/video/rooms/rooms-store.js';
export {
  StreamLimitError,
  type NewStream,
  type StreamOwner,
} from '../routes/video/streams/streams-store.js';
export type {
  OwnedTable,
  RowBatch,
  ScannedTable,
  TableName,
  TableRow,
} from '../transfer/transfer-store.js';
