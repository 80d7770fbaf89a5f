import type { Generated } from 'kysely';

/**
 * Table shapes shared by both engines. Types are chosen to mean the same on SQLite and PostgreSQL:
 * text ids (lowercase UUIDs), integer times (Unix ms for ordering columns, Unix s for the join
 * windows), integer 0/1 flags and JSON kept as text.
 */
export interface Database {
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
  conferences: ConferencesTable;
  conference_tokens: ConferenceTokensTable;
  room_sessions: RoomSessionsTable;
  rooms: RoomsTable;
  streams: StreamsTable;
  room_token_keys: RoomTokenKeysTable;
  room_session_members: RoomSessionMembersTable;
  room_session_events: RoomSessionEventsTable;
  room_recordings: RoomRecordingsTable;
  video_logs: VideoLogsTable;
  media_keys: MediaKeysTable;
  events: EventsTable;
  event_stream_head: EventStreamHeadTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  nodes: NodesTable;
}

export interface ProjectsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: string;
  created_at: number;
}

export interface ConferencesTable {
  id: string;
  project_id: string;
  name: string;
  display_name: string | null;
  description: string | null;
  join_from: number | null;
  join_until: number | null;
  quality: string;
  layout: string;
  size: string | null;
  record_on_start: number;
  tone_on_entry_and_exit: number;
  user_join_video_off: number;
  room_join_video_off: number;
  enable_chat: number;
  enable_room_previews: number | null;
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
  meta: string | null;
  created_at: number;
  updated_at: number;
  /**
   * The conference's wire JSON, as served (conference-rows.ts, `conferenceWire`), written with
   * every change of the row: a list page is read, not rebuilt. Not exported (derived).
   */
  wire: string | null;
}

export interface ConferenceTokensTable {
  id: string;
  project_id: string;
  conference_id: string;
  name: string | null;
  token: string;
  scopes: string;
  created_at: number;
}

export interface RoomSessionsTable {
  id: string;
  project_id: string;
  conference_id: string | null;
  room_id: string | null;
  name: string;
  display_name: string | null;
  status: string;
  layout: string | null;
  quality: string | null;
  fps: number | null;
  max_members: number | null;
  join_from: number | null;
  join_until: number | null;
  remove_at: number | null;
  remove_after_seconds_elapsed: number | null;
  record_on_start: number;
  enable_room_previews: number;
  audio_video_sync: number;
  start_time: number;
  end_time: number | null;
  created_at: number;
  locked: number;
  tone_on_entry_and_exit: number;
  room_join_video_off: number;
  user_join_video_off: number;
  prioritize_handraise: number;
  updated_at: number;
  /** The process hosting the live session (migration 0004); null for sessions from elsewhere. */
  node_id: string | null;
  /** Unix ms until which the host's lease runs; past it, any process may end the session. */
  lease_until: number | null;
}

export interface RoomsTable {
  id: string;
  project_id: string;
  name: string;
  display_name: string | null;
  description: string | null;
  max_members: number;
  quality: string;
  fps: number;
  join_from: number | null;
  join_until: number | null;
  remove_at: number | null;
  remove_after_seconds_elapsed: number | null;
  layout: string;
  record_on_start: number;
  tone_on_entry_and_exit: number;
  room_join_video_off: number;
  user_join_video_off: number;
  enable_room_previews: number | null;
  sync_audio_video: number | null;
  meta: string | null;
  prioritize_handraise: number;
  created_at: number;
  updated_at: number;
}

/** `room_id` is a room's id or a conference's (the id of its backing room). */
export interface StreamsTable {
  id: string;
  project_id: string;
  room_id: string;
  url: string;
  stream_type: string;
  width: number | null;
  height: number | null;
  fps: number | null;
  created_at: number;
  updated_at: number;
}

/** Room-token signing keys (HS512 secrets, base64url), one current per project. */
export interface RoomTokenKeysTable {
  kid: string;
  project_id: string;
  secret: string;
  created_at: number;
  retired_at: number | null;
}

/** Members of a room session (times in Unix ms; `leave_time` null while present). */
export interface RoomSessionMembersTable {
  id: string;
  project_id: string;
  room_session_id: string;
  name: string | null;
  join_time: number;
  leave_time: number | null;
  created_at: number;
}

/** Events of a room session; `payload` is a JSON object as text. */
export interface RoomSessionEventsTable {
  id: string;
  project_id: string;
  room_id: string;
  room_session_id: string;
  room_recording_id: string | null;
  room_participant_id: string | null;
  level: string;
  name: string;
  payload: string;
  created_at: number;
}

/** Recording metadata (times in Unix ms); the file is in MediaStorage under `storage_key`. */
export interface RoomRecordingsTable {
  id: string;
  project_id: string;
  room_session_id: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  size_in_bytes: number | null;
  format: string | null;
  storage_key: string | null;
  created_at: number;
  updated_at: number;
}

/** One log per room or conference session (times in Unix ms). */
export interface VideoLogsTable {
  id: string;
  project_id: string;
  room_session_id: string;
  conference_id: string | null;
  room_id: string | null;
  type: string;
  room_name: string | null;
  status: string;
  locked: number;
  started_at: number;
  ended_at: number | null;
  discarded_at: number | null;
  created_at: number;
}

/** A project's media-link signing key (HMAC-SHA256, base64url). */
export interface MediaKeysTable {
  id: string;
  project_id: string;
  secret: string;
  created_at: number;
}

/**
 * The event outbox (migration 0007): one row per change, written in the change's transaction.
 * `seq` is the event's id; `data` the object's wire JSON; `detail` what changed, when the object
 * alone does not say (JSON or null).
 */
export interface EventsTable {
  seq: Generated<number>;
  project_id: string;
  type: string;
  object_id: string;
  ordering_key: string;
  data: string;
  detail: string | null;
  created_at: number;
  dispatched: Generated<number>;
  /**
   * The event's public id and stream position (migration 0010): given by the dispatcher in commit
   * order, null until then.
   */
  position: number | null;
}

/** The last event position given (one row, id `events`). */
export interface EventStreamHeadTable {
  id: string;
  position: number;
}

/** A project's webhook endpoint; `secret` signs deliveries (kept recoverable: docs/webhooks.md). */
export interface WebhookEndpointsTable {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types (`*`: every type). */
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  /** Unix ms of the first failure since the last success; null while deliveries succeed. */
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

/** One event to one endpoint: `pending` until `delivered` or `failed` (gave up). */
export interface WebhookDeliveriesTable {
  id: string;
  project_id: string;
  endpoint_id: string;
  event_seq: number;
  ordering_key: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** A worker's claim: nobody else tries it before this time (a dead worker's claim lapses). */
  locked_until: number | null;
  first_attempt_at: number | null;
  last_status_code: number | null;
  created_at: number;
  updated_at: number;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttemptsTable {
  seq: Generated<number>;
  project_id: string;
  endpoint_id: string;
  delivery_id: string;
  event_seq: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
  created_at: number;
}

/** One Conclave process sharing the database (the node registry; docs/several-nodes.md). */
export interface NodesTable {
  id: string;
  /** Where the other nodes reach it (`CONCLAVE_NODE_URL`). */
  url: string;
  state: 'ready' | 'draining' | 'unavailable';
  started_at: number;
  /** Unix ms of its last heartbeat: a node silent for three intervals is not up. */
  heartbeat_at: number;
  sessions: number;
  members: number;
  /** RTP packets forwarded per second, over the last heartbeat interval. */
  packet_rate: number;
}
