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
 * An outbound stream. Conclave stores the configuration only and sends no media yet: `stream_type`
 * is the URL's scheme (`rtmp` or `rtmps`) and `width`, `height` and `fps` are null, as they are
 * for a stream that is not running.
 */
export const Stream = Type.Object(
  {
    id: Uuid,
    url: Nullable(Type.String()),
    stream_type: Nullable(
      Type.String({ description: '`rtmp` or `rtmps`, from the URL (no media is sent yet)' }),
    ),
    width: Nullable(Type.Integer({ description: 'null: Conclave does not send media yet' })),
    height: Nullable(Type.Integer({ description: 'null: Conclave does not send media yet' })),
    fps: Nullable(Type.Integer({ description: 'null: Conclave does not send media yet' })),
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
