import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, ListResponse, PageQuery, Uuid } from './common.js';
import { Nullable } from './helpers.js';

/** How many streams one room or conference may have at once (422 exceeds_platform_stream_limit). */
export const MAX_STREAMS_PER_ROOM = 5;

const StreamUrl = Type.String({
  minLength: 1,
  maxLength: 2000,
  // The scheme in any letter case; the server also checks the address has a host.
  pattern: '^[Rr][Tt][Mm][Pp][Ss]?://[^\\s]+$',
  description: 'An rtmp:// or rtmps:// address of a server accepting incoming streams',
});

export const CreateStreamRequest = Type.Object(
  { url: StreamUrl },
  { title: 'CreateStreamRequest', additionalProperties: true },
);
export type CreateStreamRequest = Static<typeof CreateStreamRequest>;

export const UpdateStreamRequest = Type.Object(
  { url: StreamUrl },
  { title: 'UpdateStreamRequest', additionalProperties: true },
);
export type UpdateStreamRequest = Static<typeof UpdateStreamRequest>;

/**
 * An outbound stream, pushed (H.264 + AAC) while its room's or conference's session is live.
 * `stream_type` is the URL's scheme (`rtmp` or `rtmps`); `width`, `height` and `fps` describe
 * what is sent while it runs, and are null when it is not running.
 */
export const Stream = Type.Object(
  {
    id: Uuid,
    url: Nullable(Type.String()),
    stream_type: Nullable(Type.String({ description: '`rtmp` or `rtmps`, from the URL' })),
    width: Nullable(Type.Integer({ description: 'while it runs; null otherwise' })),
    height: Nullable(Type.Integer({ description: 'while it runs; null otherwise' })),
    fps: Nullable(Type.Integer({ description: 'while it runs; null otherwise' })),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
  },
  { title: 'Stream', additionalProperties: false },
);
export type Stream = Static<typeof Stream>;

export const ListStreamsResponse = ListResponse(Stream, 'ListStreamsResponse');
export type ListStreamsResponse = Static<typeof ListStreamsResponse>;

/** The spec's stream lists take no query; Conclave pages them like every list (D14). */
export const ListStreamsQuery = Type.Object({ ...PageQuery }, { additionalProperties: true });
export type ListStreamsQuery = Static<typeof ListStreamsQuery>;
