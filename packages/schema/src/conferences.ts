import { Type, type Static, type TOptional, type TString } from '@sinclair/typebox';
import {
  DateTimeInput,
  DateTimeOutput,
  ListResponse,
  PageQuery,
  QueryBoolean,
  RoomSessionStatus,
  Uuid,
  VideoLayout,
  VideoQuality,
  VIDEO_FPS,
  VIDEO_LAYOUTS,
  VIDEO_QUALITIES,
} from './common.js';
import { Nullable, StringEnum } from './helpers.js';

export const CONFERENCE_SIZES = ['small', 'medium', 'large'] as const;
export const ConferenceSize = StringEnum(CONFERENCE_SIZES, {
  description: 'small: up to 10 members, medium: up to 50, large: up to 300',
});
export type ConferenceSize = Static<typeof ConferenceSize>;

/** How many members each conference size admits at once. */
export const CONFERENCE_SIZE_LIMITS: Record<ConferenceSize, number> = {
  small: 10,
  medium: 50,
  large: 300,
};

export const THEME_COLOR_FIELDS = [
  'dark_primary',
  'dark_background',
  'dark_foreground',
  'dark_success',
  'dark_negative',
  'light_primary',
  'light_background',
  'light_foreground',
  'light_success',
  'light_negative',
] as const;
export type ThemeColorField = (typeof THEME_COLOR_FIELDS)[number];

export const THEME_COLOR_DEFAULTS: Record<ThemeColorField, string> = {
  dark_primary: '#044EF4',
  dark_background: '#FFFFFF',
  dark_foreground: '#1D2127',
  dark_success: '#17BB58',
  dark_negative: '#F42C50',
  light_primary: '#044EF4',
  light_background: '#FFFFFF',
  light_foreground: '#1D2127',
  light_success: '#17BB58',
  light_negative: '#F42C50',
};

function colorInputs(withDefaults: boolean): Record<ThemeColorField, TOptional<TString>> {
  const out = {} as Record<ThemeColorField, TOptional<TString>>;
  for (const field of THEME_COLOR_FIELDS) {
    out[field] = Type.Optional(
      Type.String({
        pattern: '^#[0-9a-fA-F]{6}$',
        description: 'A #RRGGBB colour',
        ...(withDefaults ? { default: THEME_COLOR_DEFAULTS[field] } : {}),
      }),
    );
  }
  return out;
}

const NameInput = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'A named unique identifier for the conference (unique within the project)',
});
const DisplayNameInput = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Display name of the video conference',
});
const DescriptionInput = Type.String({ maxLength: 3000 });

/**
 * `meta` — a JSON object of at most 2000 characters once serialised (D10; the length limit is
 * checked by the server because JSON Schema cannot express it).
 */
export const META_MAX_CHARS = 2000;
const MetaInput = Type.Object({}, { additionalProperties: true, description: 'User metadata' });

export const CreateConferenceRequest = Type.Object(
  {
    name: Type.Optional(NameInput),
    display_name: DisplayNameInput,
    description: Type.Optional(DescriptionInput),
    join_from: Type.Optional(DateTimeInput),
    join_until: Type.Optional(DateTimeInput),
    quality: Type.Optional(StringEnum(VIDEO_QUALITIES, { default: '720p' })),
    layout: Type.Optional(StringEnum(VIDEO_LAYOUTS, { default: 'grid-responsive' })),
    size: Type.Optional(StringEnum(CONFERENCE_SIZES, { default: 'medium' })),
    record_on_start: Type.Optional(Type.Boolean({ default: false })),
    enable_room_previews: Type.Optional(Type.Boolean({ default: false })),
    enable_chat: Type.Optional(Type.Boolean({ default: true })),
    tone_on_entry_and_exit: Type.Optional(Type.Boolean({ default: true })),
    room_join_video_off: Type.Optional(Type.Boolean({ default: false })),
    user_join_video_off: Type.Optional(Type.Boolean({ default: false })),
    meta: Type.Optional(MetaInput),
    ...colorInputs(true),
  },
  { title: 'CreateConferenceRequest', additionalProperties: true },
);
export type CreateConferenceRequest = Static<typeof CreateConferenceRequest>;

export const UpdateConferenceRequest = Type.Object(
  {
    display_name: DisplayNameInput,
    description: Type.Optional(DescriptionInput),
    join_from: Type.Optional(DateTimeInput),
    join_until: Type.Optional(DateTimeInput),
    quality: Type.Optional(VideoQuality),
    layout: Type.Optional(VideoLayout),
    size: Type.Optional(ConferenceSize),
    record_on_start: Type.Optional(Type.Boolean()),
    tone_on_entry_and_exit: Type.Optional(Type.Boolean()),
    room_join_video_off: Type.Optional(Type.Boolean()),
    user_join_video_off: Type.Optional(Type.Boolean()),
    enable_room_previews: Type.Optional(Type.Boolean()),
    enable_chat: Type.Optional(Type.Boolean()),
    meta: Type.Optional(MetaInput),
    ...colorInputs(false),
  },
  { title: 'UpdateConferenceRequest', additionalProperties: true },
);
export type UpdateConferenceRequest = Static<typeof UpdateConferenceRequest>;

export const ActiveSession = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'Unique ID of the room session' })),
    room_id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    display_name: Type.Optional(Type.String()),
    join_from: Type.Optional(DateTimeOutput),
    join_until: Type.Optional(DateTimeOutput),
    remove_at: Type.Optional(DateTimeOutput),
    remove_after_seconds_elapsed: Type.Optional(Type.Integer()),
    layout: Type.Optional(Type.String()),
    max_members: Type.Optional(Type.Integer()),
    fps: Type.Optional(Type.Unsafe<20 | 30>({ type: 'number', enum: [...VIDEO_FPS] })),
    quality: Type.Optional(VideoQuality),
    start_time: Type.Optional(DateTimeOutput),
    end_time: Type.Optional(DateTimeOutput),
    duration: Type.Optional(Type.Integer()),
    status: Type.Optional(RoomSessionStatus),
    record_on_start: Type.Optional(Type.Boolean()),
    enable_room_previews: Type.Optional(Type.Boolean()),
    preview_url: Type.Optional(Type.String()),
    audio_video_sync: Type.Optional(Type.Boolean()),
  },
  { title: 'ActiveSession', additionalProperties: false },
);
export type ActiveSession = Static<typeof ActiveSession>;

export const Conference = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    display_name: Nullable(Type.String()),
    description: Nullable(Type.String()),
    join_from: Nullable(DateTimeOutput),
    join_until: Nullable(DateTimeOutput),
    quality: VideoQuality,
    layout: VideoLayout,
    size: Nullable(ConferenceSize),
    record_on_start: Type.Boolean(),
    tone_on_entry_and_exit: Type.Boolean(),
    user_join_video_off: Type.Boolean(),
    room_join_video_off: Type.Boolean(),
    enable_chat: Type.Boolean(),
    enable_room_previews: Nullable(Type.Boolean()),
    dark_primary: Nullable(Type.String()),
    dark_background: Nullable(Type.String()),
    dark_foreground: Nullable(Type.String()),
    dark_success: Nullable(Type.String()),
    dark_negative: Nullable(Type.String()),
    light_primary: Nullable(Type.String()),
    light_background: Nullable(Type.String()),
    light_foreground: Nullable(Type.String()),
    light_success: Nullable(Type.String()),
    light_negative: Nullable(Type.String()),
    meta: Type.Unsafe<Record<string, unknown> | null>({
      type: ['object', 'null'],
      additionalProperties: true,
    }),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
    active_session: Type.Optional(ActiveSession),
  },
  { title: 'Conference', additionalProperties: false },
);
export type Conference = Static<typeof Conference>;

export const ListConferencesResponse = ListResponse(Conference, 'ListConferencesResponse');
export type ListConferencesResponse = Static<typeof ListConferencesResponse>;

export const ListConferencesQuery = Type.Object(
  {
    starts_after: Type.Optional(
      Type.String({
        format: 'date-time-filter',
        description:
          'Only conferences whose join_from is at or after this time (RFC 3339, a date, or Unix seconds)',
      }),
    ),
    ends_before: Type.Optional(
      Type.String({
        format: 'date-time-filter',
        description:
          'Only conferences whose join_until is at or before this time (RFC 3339, a date, or Unix seconds)',
      }),
    ),
    include_active_session: Type.Optional(QueryBoolean),
    ...PageQuery,
  },
  { additionalProperties: true },
);
export type ListConferencesQuery = Static<typeof ListConferencesQuery>;

export const GetConferenceQuery = Type.Object(
  { include_active_session: Type.Optional(QueryBoolean) },
  { additionalProperties: true },
);
export type GetConferenceQuery = Static<typeof GetConferenceQuery>;

export const ListPageQuery = Type.Object({ ...PageQuery }, { additionalProperties: true });
export type ListPageQuery = Static<typeof ListPageQuery>;

export const IdParams = Type.Object({ id: Type.String({ description: 'Object id (UUID)' }) });
export type IdParams = Static<typeof IdParams>;
