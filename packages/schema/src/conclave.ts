/**
 * Conclave's own API, `/conclave/v1/…` (D22: never new `/api/video` operations or fields). Same
 * Basic auth, rate limit and error bodies as `/api/video`. Shared by the server, which validates
 * and documents with these schemas, the SDK (`client.conclave`) and the console.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LiveMember, LiveSession } from './realtime.js';

/** Where Conclave's own project-scoped API lives, relative to the server's base URL. */
export const CONCLAVE_API_PREFIX = '/conclave/v1';
/** The live feed: `text/event-stream` of the project's live sessions. */
export const LIVE_FEED_PATH = `${CONCLAVE_API_PREFIX}/live`;

/** Most live feeds one project may have open at once (per process); more answer 429. */
export const LIVE_FEED_MAX_STREAMS = 10;
/** The feed's heartbeat (an SSE comment line), in milliseconds; the token is checked again at each. */
export const LIVE_FEED_HEARTBEAT_MS = 15_000;
/** `member.talking` is coalesced over this many milliseconds: the latest state of each member. */
export const LIVE_FEED_TALKING_INTERVAL_MS = 250;

const SessionId = Type.String({ format: 'uuid', description: 'The live session' });
const MemberId = Type.String({ format: 'uuid' });

/** One live session in the snapshot: its state, who is in it (oldest first), who is talking. */
export const LiveFeedSession = Type.Object(
  {
    session: LiveSession,
    members: Type.Array(LiveMember, { description: 'Admitted members, oldest first' }),
    talking: Type.Array(MemberId, { description: 'Ids of the members talking now' }),
  },
  { title: 'LiveFeedSession', additionalProperties: false },
);
export type LiveFeedSession = Static<typeof LiveFeedSession>;

/** The first event of every feed: the project's sessions live on this process right now. */
export const LiveSnapshotEvent = Type.Object(
  { type: Type.Literal('snapshot'), sessions: Type.Array(LiveFeedSession) },
  { title: 'LiveSnapshotEvent', additionalProperties: false },
);
export type LiveSnapshotEvent = Static<typeof LiveSnapshotEvent>;

/** A session started (its row is written; members follow as `member.joined`). */
export const LiveSessionStartedEvent = Type.Object(
  { type: Type.Literal('session.started'), session_id: SessionId, session: LiveSession },
  { title: 'LiveSessionStartedEvent', additionalProperties: false },
);
export type LiveSessionStartedEvent = Static<typeof LiveSessionStartedEvent>;

/** Its layout changed, it was locked or unlocked, or a recording started or stopped: the whole
 *  session as it is now. */
export const LiveSessionUpdatedEvent = Type.Object(
  { type: Type.Literal('session.updated'), session_id: SessionId, session: LiveSession },
  { title: 'LiveSessionUpdatedEvent', additionalProperties: false },
);
export type LiveSessionUpdatedEvent = Static<typeof LiveSessionUpdatedEvent>;

/**
 * Why a session ended: `empty` (its last member left and nobody came back within the grace
 * period), `ended_by_api` (`POST /conclave/v1/room_sessions/{id}/end`), `deleted` (its conference,
 * room or project was deleted), `end_on_leave` (a member whose room token has
 * `end_room_session_on_leave` left), `shutdown` (the server stopped).
 */
export const LIVE_SESSION_END_REASONS = [
  'empty',
  'ended_by_api',
  'deleted',
  'end_on_leave',
  'shutdown',
] as const;
export type LiveSessionEndReason = (typeof LIVE_SESSION_END_REASONS)[number];

/** The session ended; everyone still in it is gone with it (no `member.left` for each). */
export const LiveSessionEndedEvent = Type.Object(
  {
    type: Type.Literal('session.ended'),
    session_id: SessionId,
    /** RFC 3339, UTC: the session's `end_time`. */
    end_time: Type.String(),
    reason: Type.Unsafe<LiveSessionEndReason>({
      type: 'string',
      enum: [...LIVE_SESSION_END_REASONS],
    }),
  },
  { title: 'LiveSessionEndedEvent', additionalProperties: false },
);
export type LiveSessionEndedEvent = Static<typeof LiveSessionEndedEvent>;

export const LiveMemberJoinedEvent = Type.Object(
  { type: Type.Literal('member.joined'), session_id: SessionId, member: LiveMember },
  { title: 'LiveMemberJoinedEvent', additionalProperties: false },
);
export type LiveMemberJoinedEvent = Static<typeof LiveMemberJoinedEvent>;

/** Muted or unmuted, deafened, lost its connection (`reconnecting: true`) or came back. */
export const LiveMemberUpdatedEvent = Type.Object(
  { type: Type.Literal('member.updated'), session_id: SessionId, member: LiveMember },
  { title: 'LiveMemberUpdatedEvent', additionalProperties: false },
);
export type LiveMemberUpdatedEvent = Static<typeof LiveMemberUpdatedEvent>;

export const LiveMemberLeftEvent = Type.Object(
  {
    type: Type.Literal('member.left'),
    session_id: SessionId,
    member_id: MemberId,
    /** `left`, `disconnected` (grace period over), `removed` (by a moderator or the API),
     *  `time_up`. */
    reason: Type.Union([
      Type.Literal('left'),
      Type.Literal('disconnected'),
      Type.Literal('removed'),
      Type.Literal('time_up'),
    ]),
  },
  { title: 'LiveMemberLeftEvent', additionalProperties: false },
);
export type LiveMemberLeftEvent = Static<typeof LiveMemberLeftEvent>;

/** Started (`true`) or stopped talking; coalesced over `LIVE_FEED_TALKING_INTERVAL_MS` (the
 *  latest state of each member), and flushed before any other event of the project. */
export const LiveMemberTalkingEvent = Type.Object(
  {
    type: Type.Literal('member.talking'),
    session_id: SessionId,
    member_id: MemberId,
    talking: Type.Boolean(),
  },
  { title: 'LiveMemberTalkingEvent', additionalProperties: false },
);
export type LiveMemberTalkingEvent = Static<typeof LiveMemberTalkingEvent>;

/** Every delta after the snapshot; each carries `session_id`. */
export type LiveFeedDelta =
  | LiveSessionStartedEvent
  | LiveSessionUpdatedEvent
  | LiveSessionEndedEvent
  | LiveMemberJoinedEvent
  | LiveMemberUpdatedEvent
  | LiveMemberLeftEvent
  | LiveMemberTalkingEvent;

/** What the feed carries: each SSE event's `event:` is its `type`, its `data:` the object. */
export type LiveFeedEvent = LiveSnapshotEvent | LiveFeedDelta;
export type LiveFeedEventType = LiveFeedEvent['type'];

export const LIVE_FEED_EVENT_TYPES = [
  'snapshot',
  'session.started',
  'session.updated',
  'session.ended',
  'member.joined',
  'member.updated',
  'member.left',
  'member.talking',
] as const satisfies readonly LiveFeedEventType[];

/** The feed's events, for the OpenAPI document (each is one SSE event's `data`). */
export const LiveFeedEventSchema = Type.Union(
  [
    LiveSnapshotEvent,
    LiveSessionStartedEvent,
    LiveSessionUpdatedEvent,
    LiveSessionEndedEvent,
    LiveMemberJoinedEvent,
    LiveMemberUpdatedEvent,
    LiveMemberLeftEvent,
    LiveMemberTalkingEvent,
  ],
  { title: 'LiveFeedEvent' },
);

// ---- moderation ---------------------------------------------------------------------------------

export const LiveSessionParams = Type.Object({
  id: Type.String({ description: 'Live session id (UUID)' }),
});
export type LiveSessionParams = Static<typeof LiveSessionParams>;

export const LiveMemberParams = Type.Object({
  id: Type.String({ description: 'Live session id (UUID)' }),
  member_id: Type.String({ description: 'Member id (UUID)' }),
});
export type LiveMemberParams = Static<typeof LiveMemberParams>;

/** `PATCH /conclave/v1/room_sessions/{id}/members/{member_id}`: at least one field. */
export const UpdateLiveMemberRequest = Type.Object(
  {
    audio_muted: Type.Optional(Type.Boolean({ description: 'Mute (true) or unmute the audio' })),
    video_muted: Type.Optional(Type.Boolean({ description: 'Mute (true) or unmute the video' })),
  },
  { title: 'UpdateLiveMemberRequest', additionalProperties: false },
);
export type UpdateLiveMemberRequest = Static<typeof UpdateLiveMemberRequest>;

/** `POST /conclave/v1/room_sessions/{id}/recordings/{recording_id}/stop`. */
export const LiveRecordingParams = Type.Object({
  id: Type.String({ description: 'Live session id (UUID)' }),
  recording_id: Type.String({ description: 'Recording id (UUID)' }),
});
export type LiveRecordingParams = Static<typeof LiveRecordingParams>;

/** Why a moderation request conflicts with the session's state (409). */
export const CONFLICT_CODES = {
  not_publisher: 'An audience member does not publish, so it cannot be unmuted.',
  hosted_elsewhere:
    'The session is live on another Conclave process; send the request to that process.',
  recording_unavailable:
    'This server cannot record (no ffmpeg, or it carries no media); the message says why.',
  not_recording: 'No recording of the session is in progress.',
} as const;
export type ConflictCode = keyof typeof CONFLICT_CODES;

/** A 409 of Conclave's own API: the usual `{error}` plus a code and a sentence for people. */
export const ConflictBody = Type.Object(
  {
    error: Type.String({ description: 'HTTP reason phrase: `Conflict`' }),
    code: Type.Unsafe<ConflictCode>({
      type: 'string',
      enum: Object.keys(CONFLICT_CODES),
      description:
        'Why: `not_publisher`, `hosted_elsewhere`, `recording_unavailable` or `not_recording`',
    }),
    message: Type.String(),
  },
  { title: 'ConflictBody', additionalProperties: false },
);
export type ConflictBody = Static<typeof ConflictBody>;
