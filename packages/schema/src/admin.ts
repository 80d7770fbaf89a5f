import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, ListResponse, Uuid } from './common.js';
import { StringEnum } from './helpers.js';

/** Scopes an API token can carry. `video` grants the `/api/video` API. */
export const API_TOKEN_SCOPES = ['video'] as const;
export const ApiTokenScope = StringEnum(API_TOKEN_SCOPES);
export type ApiTokenScope = Static<typeof ApiTokenScope>;

export const Project = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    created_at: DateTimeOutput,
  },
  { title: 'Project', additionalProperties: false },
);
export type Project = Static<typeof Project>;

export const CreateProjectRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { title: 'CreateProjectRequest', additionalProperties: true },
);
export type CreateProjectRequest = Static<typeof CreateProjectRequest>;

export const ApiToken = Type.Object(
  {
    id: Uuid,
    project_id: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to recognise it' }),
    scopes: Type.Array(ApiTokenScope),
    created_at: DateTimeOutput,
  },
  { title: 'ApiToken', additionalProperties: false },
);
export type ApiToken = Static<typeof ApiToken>;

/** Returned once, at creation: the only time the secret is shown. */
export const CreatedApiToken = Type.Object(
  {
    id: Uuid,
    project_id: Uuid,
    name: Type.String(),
    prefix: Type.String(),
    scopes: Type.Array(ApiTokenScope),
    created_at: DateTimeOutput,
    token: Type.String({ description: '`PT` followed by 48 lowercase hex digits; shown once' }),
  },
  { title: 'CreatedApiToken', additionalProperties: false },
);
export type CreatedApiToken = Static<typeof CreatedApiToken>;

export const CreateApiTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Optional(Type.Array(ApiTokenScope, { uniqueItems: true, default: ['video'] })),
  },
  { title: 'CreateApiTokenRequest', additionalProperties: true },
);
export type CreateApiTokenRequest = Static<typeof CreateApiTokenRequest>;

export const ListProjectsResponse = ListResponse(Project, 'ListProjectsResponse');
export type ListProjectsResponse = Static<typeof ListProjectsResponse>;
export const ListApiTokensResponse = ListResponse(ApiToken, 'ListApiTokensResponse');
export type ListApiTokensResponse = Static<typeof ListApiTokensResponse>;

/** One media worker's counts (`GET /admin/v1/media`). */
const MediaCountsFields = {
  sessions: Type.Integer({ description: 'Sessions whose media this worker carries' }),
  members: Type.Integer(),
  transports: Type.Integer({ description: 'Peer connections open (publish and subscribe)' }),
  producers: Type.Integer({ description: 'Tracks received from publishers' }),
  consumers: Type.Integer({ description: 'Tracks sent to subscribers' }),
  packetsIn: Type.Integer(),
  packetsOut: Type.Integer(),
  bytesOut: Type.Integer(),
  keyframesAsked: Type.Integer({ description: 'Keyframe requests from subscribers' }),
  keyframesSent: Type.Integer({
    description: 'Keyframe requests sent to publishers (rate-limited)',
  }),
  nacks: Type.Integer({
    description: 'Retransmission requests from subscribers (answered from history, as RTX)',
  }),
  errors: Type.Integer({ description: 'Errors contained in the worker (bad SDP, failed sends)' }),
  calls: Type.Integer({
    description: "Single-connection calls open (SignalWire's browser SDK; also in transports)",
  }),
  mixedFrames: Type.Integer({
    description: 'Opus frames mixed and encoded for calls (20 ms each)',
  }),
  mixCpuUs: Type.Integer({
    description: 'Microseconds of CPU spent decoding, mixing and encoding audio for calls',
  }),
  outputs: Type.Integer({
    description: 'Recordings and streams open (their ffmpeg running)',
  }),
  outputPackets: Type.Integer({
    description: "RTP packets sent to outputs' ffmpeg (video and audio)",
  }),
  outputFailures: Type.Integer({
    description: 'Outputs that failed (could not start, encoder died, destination refused)',
  }),
};
export const MediaWorkerStats = Type.Object(
  {
    index: Type.Integer(),
    threadId: Type.Integer(),
    restarts: Type.Integer({ description: 'Times this worker died and was replaced' }),
    ...MediaCountsFields,
  },
  { $id: 'MediaWorkerStats', additionalProperties: false },
);
export const MediaStatsResponse = Type.Object(
  {
    available: Type.Boolean({ description: 'False when the server runs without media' }),
    workers: Type.Array(MediaWorkerStats),
    total: Type.Object(MediaCountsFields, { additionalProperties: false }),
  },
  { $id: 'MediaStatsResponse', additionalProperties: false },
);
export type MediaStatsResponse = Static<typeof MediaStatsResponse>;

export const ClusterNode = Type.Object(
  {
    id: Type.String({ description: "The node's id (`CONCLAVE_NODE_ID`; `room_sessions.node_id`)" }),
    url: Type.String({ description: 'Where the other nodes reach it (`CONCLAVE_NODE_URL`)' }),
    state: Type.Union(
      [Type.Literal('ready'), Type.Literal('draining'), Type.Literal('unavailable')],
      {
        description:
          'draining: stopping (SIGTERM); it opens no new session. unavailable: cut off from the ' +
          'message bus; it admits nobody new until the bus is back',
      },
    ),
    up: Type.Boolean({ description: 'Heard from within its last three heartbeats' }),
    started_at: Type.String({ format: 'date-time' }),
    heartbeat_at: Type.String({ format: 'date-time', description: 'Its last heartbeat' }),
    sessions: Type.Integer({ description: 'Live sessions it hosts' }),
    members: Type.Integer({ description: 'Members of those sessions' }),
    packet_rate: Type.Integer({
      description: 'RTP packets it forwarded per second over its last heartbeat interval',
    }),
  },
  { $id: 'ClusterNode', additionalProperties: false },
);
export type ClusterNode = Static<typeof ClusterNode>;
export const ListNodesResponse = Type.Object(
  { data: Type.Array(ClusterNode) },
  { $id: 'ListNodesResponse', additionalProperties: false },
);
export type ListNodesResponse = Static<typeof ListNodesResponse>;
