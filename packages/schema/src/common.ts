import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from './helpers.js';

export const Uuid = Type.String({ format: 'uuid', description: 'Universal Unique Identifier' });

/**
 * An input date-time: RFC 3339 with any offset (a leap second `:60` is read as `:59`), or a date
 * alone (`2022-01-01` means `2022-01-01T00:00:00Z`). The server's validator implements that reading
 * of the `date-time` format.
 */
export const DateTimeInput = Type.String({
  format: 'date-time',
  description: 'RFC 3339 date-time, or a date alone (read as 00:00:00Z that day)',
});

/** An output date-time, always UTC with whole seconds: `YYYY-MM-DDTHH:MM:SSZ`. */
export const DateTimeOutput = Type.String({ format: 'date-time' });

/**
 * A list filter date: RFC 3339, a date alone, or Unix seconds. Validated by the server's
 * `date-time-filter` format.
 */
/** (see ListConferencesQuery) */
export const DateTimeFilter = Type.String({
  format: 'date-time-filter',
  description: 'RFC 3339 date-time, a date alone, or Unix seconds',
});

/** Query-string booleans: `true/false/1/0` in any letter case. */
export const QueryBoolean = Type.Boolean({
  description: 'true or false (also 1 or 0, any letter case)',
});

export const PageQuery = {
  page_number: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 2147483647,
      default: 0,
      description: 'Zero-based page index; values above 0 need `page_token`',
    }),
  ),
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Items per page' }),
  ),
  page_token: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Cursor from `links.next` (PA…) or `links.prev` (PB…)',
    }),
  ),
};

export const PaginationLinks = Type.Object(
  {
    self: Type.String({ description: 'Link to the current page' }),
    first: Type.String({ description: 'Link to the first page' }),
    next: Type.Optional(Type.String({ description: 'Link to the next page; absent on the last' })),
    prev: Type.Optional(
      Type.String({ description: 'Link to the previous page; absent on the first' }),
    ),
  },
  { title: 'PaginationLinks', additionalProperties: false },
);
export type PaginationLinks = Static<typeof PaginationLinks>;

/** `{links, data: T[]}` — the envelope of every list. */
export function ListResponse<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    { links: PaginationLinks, data: Type.Array(item) },
    { title: id, additionalProperties: false },
  );
}

export const VIDEO_QUALITIES = ['720p', '1080p'] as const;
export const VideoQuality = StringEnum(VIDEO_QUALITIES, { description: 'Video resolution' });
export type VideoQuality = Static<typeof VideoQuality>;

export const VIDEO_LAYOUTS = [
  'grid-responsive',
  'grid-responsive-mobile',
  'highlight-1-responsive',
  '1x1',
  '2x1',
  '2x2',
  '5up',
  '3x3',
  '4x4',
  '5x5',
  '6x6',
  '8x8',
  '10x10',
] as const;
export const VideoLayout = StringEnum(VIDEO_LAYOUTS, { description: 'Initial layout' });
export type VideoLayout = Static<typeof VideoLayout>;

export const ROOM_SESSION_STATUSES = ['in-progress', 'completed'] as const;
export const RoomSessionStatus = StringEnum(ROOM_SESSION_STATUSES);
export type RoomSessionStatus = Static<typeof RoomSessionStatus>;

export const VIDEO_FPS = [20, 30] as const;
