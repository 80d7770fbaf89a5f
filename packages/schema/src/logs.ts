import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, ListResponse, PageQuery, QueryBoolean, Uuid } from './common.js';
import { Nullable, StringEnum } from './helpers.js';

export const LOG_TYPES = ['video_room_session', 'video_conference_session'] as const;
export const LOG_STATUSES = ['in-progress', 'completed'] as const;

export const ChargeDetail = Type.Object(
  { description: Type.String(), charge: Type.Number() },
  { title: 'ChargeDetail', additionalProperties: false },
);

export const VideoLogEntry = Type.Object(
  {
    id: Uuid,
    source: StringEnum(['realtime_api'] as const),
    type: StringEnum(LOG_TYPES),
    url: Type.String(),
    room_name: Nullable(Type.String()),
    status: Nullable(StringEnum(LOG_STATUSES)),
    locked: Type.Boolean(),
    started_at: Nullable(DateTimeOutput),
    ended_at: Nullable(DateTimeOutput),
    charge: Type.Number(),
    created_at: DateTimeOutput,
    charge_details: Type.Array(ChargeDetail),
  },
  { title: 'VideoLog', additionalProperties: false },
);

export const DiscardedVideoLog = Type.Object(
  { id: Uuid, discarded_at: DateTimeOutput, created_at: DateTimeOutput },
  { title: 'DiscardedVideoLog', additionalProperties: false },
);

export const VideoLog = Type.Union([VideoLogEntry, DiscardedVideoLog], {
  title: 'VideoLogOrDiscarded',
});
export type VideoLog = Static<typeof VideoLog>;

export const ListVideoLogsResponse = ListResponse(VideoLog, 'ListVideoLogsResponse');

const DateFilter = (description: string) =>
  Type.Optional(Type.String({ format: 'date-time-filter', description }));

export const ListVideoLogsQuery = Type.Object(
  {
    include_deleted: Type.Optional(QueryBoolean),
    created_before: DateFilter('Only logs created before this date or time'),
    created_on: DateFilter('Only logs created on this day (UTC)'),
    created_after: DateFilter('Only logs created after this date or time'),
    ...PageQuery,
  },
  { additionalProperties: true },
);
export type ListVideoLogsQuery = Static<typeof ListVideoLogsQuery>;
