import { Type, type Static } from '@sinclair/typebox';
import {
  DateTimeInput,
  DateTimeOutput,
  ListResponse,
  PageQuery,
  QueryBoolean,
  Uuid,
  VIDEO_LAYOUTS,
  VIDEO_QUALITIES,
  VideoLayout,
  VideoQuality,
} from './common.js';
import { ActiveSession } from './conferences.js';
import { Nullable, StringEnum } from './helpers.js';

/** Rooms always report this frame rate (the spec's only example value; there is no fps input). */
export const ROOM_FPS = 20;

const MetaInput = Type.Object(
  {},
  {
    additionalProperties: true,
    description: 'User metadata: a JSON object of at most 2000 characters serialised',
  },
);
const NullableMeta = Type.Unsafe<Record<string, unknown> | null>({
  type: ['object', 'null'],
  additionalProperties: true,
});

/**
 * The settable fields of a room. Create applies the spec's defaults; update applies none, so a
 * field left out of a PUT keeps its value. `tone_on_entry_and_exit`, `room_join_video_off`,
 * `user_join_video_off` and `prioritize_handraise` are a superset of the spec's request, as D10
 * makes them for conferences: the response carries them, so they can be set.
 */
function roomInputs(withDefaults: boolean) {
  const d = <T>(value: T) => (withDefaults ? { default: value } : {});
  return {
    display_name: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Display name of the room; defaults to `name` on create',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 3000 })),
    max_members: Type.Optional(Type.Integer({ minimum: 1, maximum: 300, ...d(20) })),
    quality: Type.Optional(StringEnum(VIDEO_QUALITIES, d('720p'))),
    join_from: Type.Optional(DateTimeInput),
    join_until: Type.Optional(DateTimeInput),
    remove_at: Type.Optional(DateTimeInput),
    remove_after_seconds_elapsed: Type.Optional(Type.Integer({ minimum: 1, maximum: 200000 })),
    layout: Type.Optional(StringEnum(VIDEO_LAYOUTS, d('grid-responsive'))),
    record_on_start: Type.Optional(Type.Boolean(d(false))),
    enable_room_previews: Type.Optional(Type.Boolean(d(false))),
    meta: Type.Optional(MetaInput),
    sync_audio_video: Type.Optional(Type.Boolean()),
    tone_on_entry_and_exit: Type.Optional(Type.Boolean(d(true))),
    room_join_video_off: Type.Optional(Type.Boolean(d(false))),
    user_join_video_off: Type.Optional(Type.Boolean(d(false))),
    prioritize_handraise: Type.Optional(Type.Boolean(d(false))),
  };
}

export const CreateRoomRequest = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'A named unique identifier for the room (unique among the rooms of a project)',
    }),
    ...roomInputs(true),
  },
  { title: 'CreateRoomRequest', additionalProperties: true },
);
export type CreateRoomRequest = Static<typeof CreateRoomRequest>;

export const UpdateRoomRequest = Type.Object(roomInputs(false), {
  title: 'UpdateRoomRequest',
  additionalProperties: true,
});
export type UpdateRoomRequest = Static<typeof UpdateRoomRequest>;

export const Room = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    display_name: Nullable(Type.String()),
    description: Nullable(Type.String()),
    max_members: Type.Integer(),
    quality: VideoQuality,
    fps: Type.Integer(),
    join_from: Nullable(DateTimeOutput),
    join_until: Nullable(DateTimeOutput),
    remove_at: Nullable(DateTimeOutput),
    remove_after_seconds_elapsed: Nullable(Type.Integer()),
    layout: VideoLayout,
    record_on_start: Type.Boolean(),
    tone_on_entry_and_exit: Type.Boolean(),
    room_join_video_off: Type.Boolean(),
    user_join_video_off: Type.Boolean(),
    enable_room_previews: Nullable(Type.Boolean()),
    sync_audio_video: Nullable(Type.Boolean()),
    meta: NullableMeta,
    prioritize_handraise: Type.Boolean(),
    active_session: Type.Optional(ActiveSession),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
  },
  { title: 'Room', additionalProperties: false },
);
export type Room = Static<typeof Room>;

export const ListRoomsResponse = ListResponse(Room, 'ListRoomsResponse');
export type ListRoomsResponse = Static<typeof ListRoomsResponse>;

export const ListRoomsQuery = Type.Object(
  {
    include_active_session: Type.Optional(QueryBoolean),
    starts_after: Type.Optional(
      Type.String({
        format: 'date-time-filter',
        description:
          'Only rooms whose join_from is at or after this time (RFC 3339, a date, or Unix seconds)',
      }),
    ),
    ends_before: Type.Optional(
      Type.String({
        format: 'date-time-filter',
        description:
          'Only rooms whose join_until is at or before this time (RFC 3339, a date, or Unix seconds)',
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: true },
);
export type ListRoomsQuery = Static<typeof ListRoomsQuery>;

export const GetRoomQuery = Type.Object(
  { include_active_session: Type.Optional(QueryBoolean) },
  { additionalProperties: true },
);
export type GetRoomQuery = Static<typeof GetRoomQuery>;

export const RoomPathParams = Type.Object({
  id: Type.String({ description: 'The room id (UUID) or, for GET only, the room name' }),
});
export type RoomPathParams = Static<typeof RoomPathParams>;
