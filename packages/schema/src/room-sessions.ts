import { Type, type Static } from '@sinclair/typebox';
import {
  DateTimeOutput,
  ListResponse,
  PageQuery,
  ROOM_SESSION_STATUSES,
  RoomSessionStatus,
  Uuid,
  VIDEO_FPS,
  VideoQuality,
} from './common.js';
import { Nullable, StringEnum } from './helpers.js';

const Fps = Type.Unsafe<20 | 30 | null>({ type: ['number', 'null'], enum: [...VIDEO_FPS, null] });

const sessionSummaryFields = {
  id: Uuid,
  room_id: Nullable(Type.String({ format: 'uuid' })),
  name: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  max_members: Nullable(Type.Integer()),
  quality: Nullable(VideoQuality),
  fps: Fps,
  join_from: Nullable(DateTimeOutput),
  join_until: Nullable(DateTimeOutput),
  remove_at: Nullable(DateTimeOutput),
  remove_after_seconds_elapsed: Nullable(Type.Integer()),
  layout: Nullable(Type.String()),
  record_on_start: Type.Boolean(),
  tone_on_entry_and_exit: Type.Boolean(),
  room_join_video_off: Type.Boolean(),
  user_join_video_off: Type.Boolean(),
  locked: Type.Boolean(),
  start_time: Nullable(DateTimeOutput),
  end_time: Nullable(DateTimeOutput),
  duration: Nullable(Type.Integer()),
  status: Nullable(RoomSessionStatus),
  created_at: DateTimeOutput,
  updated_at: DateTimeOutput,
  preview_url: Nullable(Type.String()),
  prioritize_handraise: Nullable(Type.Boolean()),
  sync_audio_video: Nullable(Type.Boolean()),
};

/** `GET /room_sessions/{id}`: the session without the list-only fields. */
export const RoomSessionSummary = Type.Object(sessionSummaryFields, {
  title: 'RoomSessionSummary',
  additionalProperties: false,
});
export type RoomSessionSummary = Static<typeof RoomSessionSummary>;

/** A list item: the summary plus the list-only fields. */
export const RoomSession = Type.Object(
  {
    ...sessionSummaryFields,
    cost_in_dollars: Type.Number(),
    enable_room_previews: Type.Boolean(),
    locked_cover: Type.String(),
  },
  { title: 'RoomSession', additionalProperties: false },
);
export type RoomSession = Static<typeof RoomSession>;

export const ListRoomSessionsResponse = ListResponse(RoomSession, 'ListRoomSessionsResponse');
export type ListRoomSessionsResponse = Static<typeof ListRoomSessionsResponse>;

export const ListRoomSessionsQuery = Type.Object(
  {
    room_id: Type.Optional(Type.String({ format: 'uuid' })),
    room_name: Type.Optional(Type.String({ maxLength: 100 })),
    room_name_matches: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(StringEnum(ROOM_SESSION_STATUSES)),
    ...PageQuery,
  },
  { additionalProperties: true },
);
export type ListRoomSessionsQuery = Static<typeof ListRoomSessionsQuery>;

export const RoomSessionMember = Type.Object(
  {
    id: Uuid,
    room_session_id: Uuid,
    name: Nullable(Type.String()),
    join_time: Nullable(DateTimeOutput),
    leave_time: Nullable(DateTimeOutput),
    duration: Nullable(Type.Integer()),
    cost_in_dollars: Type.Number(),
  },
  { title: 'RoomSessionMember', additionalProperties: false },
);
export type RoomSessionMember = Static<typeof RoomSessionMember>;

export const ListRoomSessionMembersResponse = ListResponse(
  RoomSessionMember,
  'ListRoomSessionMembersResponse',
);

export const RoomSessionEvent = Type.Object(
  {
    id: Uuid,
    project_id: Uuid,
    room_id: Uuid,
    room_session_id: Uuid,
    room_recording_id: Type.Optional(Uuid),
    room_participant_id: Type.Optional(Uuid),
    level: Type.String(),
    name: Type.String(),
    payload: Type.Object({}, { additionalProperties: true }),
    created_at: DateTimeOutput,
  },
  { title: 'RoomSessionEvent', additionalProperties: false },
);
export type RoomSessionEvent = Static<typeof RoomSessionEvent>;

export const ListRoomSessionEventsResponse = ListResponse(
  RoomSessionEvent,
  'ListRoomSessionEventsResponse',
);

/** Paging alone: a session's members, events and a recording's events. */
export const ListRoomSessionChildrenQuery = Type.Object(
  { ...PageQuery },
  { additionalProperties: true },
);
export type ListRoomSessionChildrenQuery = Static<typeof ListRoomSessionChildrenQuery>;
