import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, ListResponse, PageQuery, Uuid } from './common.js';
import { Nullable, StringEnum } from './helpers.js';
import { RoomSessionEvent } from './room-sessions.js';

export const ROOM_RECORDING_STATUSES = ['recording', 'paused', 'processing', 'completed'] as const;

/** Default lifetime, in seconds, of a recording's signed `uri`. */
export const DEFAULT_MEDIA_TTL = 900;

export const RoomRecording = Type.Object(
  {
    id: Uuid,
    room_session_id: Uuid,
    status: Nullable(StringEnum(ROOM_RECORDING_STATUSES)),
    started_at: Nullable(DateTimeOutput),
    finished_at: Nullable(DateTimeOutput),
    duration: Nullable(Type.Integer()),
    size_in_bytes: Nullable(Type.Integer()),
    format: Nullable(Type.String()),
    cost_in_dollars: Type.Number(),
    uri: Nullable(Type.String()),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
  },
  { title: 'RoomRecording', additionalProperties: false },
);
export type RoomRecording = Static<typeof RoomRecording>;

export const ListRoomRecordingsResponse = ListResponse(RoomRecording, 'ListRoomRecordingsResponse');

const MediaTtl = Type.Integer({
  minimum: 0,
  maximum: 604800,
  default: DEFAULT_MEDIA_TTL,
  description: 'Seconds the generated media links stay valid',
});

export const ListRoomRecordingsQuery = Type.Object(
  { media_ttl: Type.Optional(MediaTtl), ...PageQuery },
  { additionalProperties: true },
);
export type ListRoomRecordingsQuery = Static<typeof ListRoomRecordingsQuery>;

export const GetRoomRecordingQuery = Type.Object(
  { media_ttl: Type.Optional(MediaTtl) },
  { additionalProperties: true },
);
export type GetRoomRecordingQuery = Static<typeof GetRoomRecordingQuery>;

export const ListRoomRecordingEventsResponse = ListResponse(
  RoomSessionEvent,
  'ListRoomRecordingEventsResponse',
);
