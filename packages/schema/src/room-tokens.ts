import { Type, type Static } from '@sinclair/typebox';
import { DateTimeInput, DateTimeOutput } from './common.js';
import { ROOM_CONTROL_SCOPES, ROOM_MEMBER_SCOPES, ROOM_SELF_SCOPES } from './conference-tokens.js';
import { Nullable, StringEnum } from './helpers.js';

/** Every permission a room token may grant. */
export const ROOM_TOKEN_PERMISSIONS = [
  ...ROOM_MEMBER_SCOPES,
  ...ROOM_CONTROL_SCOPES,
  ...ROOM_SELF_SCOPES,
  'room.self.set_position',
  'room.self.set_meta',
  'room.self.raisehand',
  'room.self.lowerhand',
] as const;
export type RoomTokenPermission = (typeof ROOM_TOKEN_PERMISSIONS)[number];

export const JOIN_AS_TYPES = ['audience', 'member'] as const;
export const MEDIA_ALLOWED_TYPES = ['all', 'video-only', 'audio-only'] as const;

export const CreateRoomTokenRequest = Type.Object(
  {
    room_name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
    user_name: Type.Optional(Type.String({ maxLength: 100 })),
    permissions: Type.Optional(
      Type.Array(StringEnum(ROOM_TOKEN_PERMISSIONS), {
        uniqueItems: true,
        default: [...ROOM_SELF_SCOPES],
      }),
    ),
    join_from: Type.Optional(DateTimeInput),
    join_until: Type.Optional(DateTimeInput),
    remove_at: Type.Optional(DateTimeInput),
    remove_after_seconds_elapsed: Type.Optional(
      Type.Integer({ exclusiveMinimum: 0, maximum: 200000 }),
    ),
    join_audio_muted: Type.Optional(Type.Boolean({ default: false })),
    join_video_muted: Type.Optional(Type.Boolean({ default: false })),
    auto_create_room: Type.Optional(Type.Boolean({ default: true })),
    enable_room_previews: Type.Optional(Type.Boolean({ default: false })),
    room_display_name: Type.Optional(Type.String({ maxLength: 200 })),
    end_room_session_on_leave: Type.Optional(Type.Boolean({ default: false })),
    join_as: Type.Optional(StringEnum(JOIN_AS_TYPES, { default: 'member' })),
    media_allowed: Type.Optional(StringEnum(MEDIA_ALLOWED_TYPES, { default: 'all' })),
    room_meta: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description: 'Room meta: a JSON object of at most 2000 characters serialised',
        },
      ),
    ),
    meta: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description: 'Member meta: a JSON object of at most 2000 characters serialised',
        },
      ),
    ),
    sync_audio_video: Type.Optional(Type.Boolean({ default: false })),
  },
  { title: 'CreateRoomTokenRequest', additionalProperties: true },
);
export type CreateRoomTokenRequest = Static<typeof CreateRoomTokenRequest>;

export const RoomTokenResponse = Type.Object(
  { token: Type.String({ description: 'A signed JWT (header typ VRT, alg HS512)' }) },
  { title: 'RoomTokenResponse', additionalProperties: false },
);
export type RoomTokenResponse = Static<typeof RoomTokenResponse>;

/** The admin API's answer to a rotation of a project's room-token signing key (never the secret). */
export const RoomTokenKeyRotation = Type.Object(
  {
    kid: Type.String({ description: 'Key id of the new signing key (the JWT header `kid`)' }),
    created_at: DateTimeOutput,
    retired: Nullable(
      Type.Object(
        {
          kid: Type.String({ description: 'Key id of the key just retired' }),
          retired_at: DateTimeOutput,
          verifiable_until: Type.String({
            format: 'date-time',
            description: 'Tokens signed with the retired key are refused after this time',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'RoomTokenKeyRotation', additionalProperties: false },
);
export type RoomTokenKeyRotation = Static<typeof RoomTokenKeyRotation>;
