/**
 * The realtime protocol (version 1): JSON text frames over one WebSocket per member, at
 * `GET /api/video/realtime` on the API's own host and port. docs/realtime-protocol.md is its
 * reference; these schemas are the machine-checked half of it, shared by the server (which
 * validates every client frame against them) and the SDK's realtime client.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from './helpers.js';

export const REALTIME_PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol a client may ask for; the server accepts it (or none). */
export const REALTIME_SUBPROTOCOL = 'conclave.v1';
/** Where the endpoint lives, relative to the server's base URL. */
export const REALTIME_PATH = '/api/video/realtime';

/** Largest frame the server reads (bytes); a bigger one closes the connection (1009). */
export const REALTIME_MAX_FRAME_BYTES = 128 * 1024;
/** Largest `signal.data`, serialised (bytes). */
export const REALTIME_MAX_SIGNAL_BYTES = 64 * 1024;
/** Longest chat message (characters). */
export const REALTIME_MAX_CHAT_LENGTH = 4000;

/**
 * Close codes. 1000/1001/1006/1009 keep their WebSocket meanings; the 4xxx codes are Conclave's,
 * each sent with the matching `reason` (a short snake_case word, also in the table below).
 */
export const CLOSE_CODES = {
  /** A frame that is not JSON, has no known `type`, or fails its schema; or `join` sent twice. */
  bad_message: 4000,
  /** No `join` within the join timeout after connecting. */
  join_timeout: 4001,
  /** The token is unknown, malformed, signed by an unknown key, or was reset. */
  invalid_token: 4401,
  /** The token is valid but the conference or room it names no longer exists. */
  not_found: 4404,
  /** The live session is hosted by another Conclave process (multi-node without sticky routing). */
  hosted_elsewhere: 4409,
  /** Before `join_from` (of the conference, room or token). */
  too_early: 4410,
  /** At or after `join_until` (of the conference, room or token). */
  too_late: 4411,
  /** `max_members` members are already in the session. */
  session_full: 4412,
  /** The session is locked. */
  session_locked: 4413,
  /** A moderator removed this member. */
  removed: 4420,
  /** `remove_at` or `remove_after_seconds_elapsed` was reached. */
  time_up: 4421,
  /** The session ended: its conference or room was deleted, or a member with
   *  `end_room_session_on_leave` left. */
  session_ended: 4422,
  /** The same member resumed on another connection. */
  replaced: 4423,
  /** More frames per second than the server allows. */
  rate_limited: 4429,
  /** No pong within the heartbeat interval. */
  heartbeat_timeout: 4430,
} as const;
export type CloseReason = keyof typeof CLOSE_CODES;

/** Non-fatal refusals, sent as `error` frames in reply to one request. */
export const REALTIME_ERROR_CODES = [
  'bad_message',
  'forbidden',
  'member_not_found',
  'chat_disabled',
  'not_publisher',
  'too_large',
  /** The database could not record the action; nothing changed for the others. */
  'unavailable',
] as const;
export type RealtimeErrorCode = (typeof REALTIME_ERROR_CODES)[number];

const RequestId = Type.Optional(
  Type.String({ maxLength: 100, description: 'Echoed as `ref` in the ack or error reply.' }),
);
const MemberId = Type.String({ format: 'uuid' });

// ---- client → server -------------------------------------------------------------------------

export const JoinMessage = Type.Object(
  {
    type: Type.Literal('join'),
    id: RequestId,
    /** A conference token (`vpt_…`) or a room token (JWT). */
    token: Type.String({ minLength: 1, maxLength: 8192 }),
    /** Display name; a room token's `user_name` takes precedence. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The `resume_token` of an earlier `joined`, to keep one's place after a dropped connection. */
    resume_token: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const LeaveMessage = Type.Object(
  { type: Type.Literal('leave'), id: RequestId },
  { additionalProperties: false },
);

export const SignalMessage = Type.Object(
  {
    type: Type.Literal('signal'),
    id: RequestId,
    to: MemberId,
    /** Opaque to the server (an SDP offer or answer, an ICE candidate…), at most 64 KiB. */
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);

export const ChatMessage = Type.Object(
  {
    type: Type.Literal('chat'),
    id: RequestId,
    text: Type.String({ minLength: 1, maxLength: REALTIME_MAX_CHAT_LENGTH }),
  },
  { additionalProperties: false },
);

export const MemberUpdateMessage = Type.Object(
  {
    type: Type.Literal('member.update'),
    id: RequestId,
    /** Another member (needs `room.member.*` scopes); omitted: oneself (`room.self.*`). */
    member_id: Type.Optional(MemberId),
    audio_muted: Type.Optional(Type.Boolean()),
    video_muted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const MemberRemoveMessage = Type.Object(
  { type: Type.Literal('member.remove'), id: RequestId, member_id: MemberId },
  { additionalProperties: false },
);

export const LayoutSetMessage = Type.Object(
  {
    type: Type.Literal('layout.set'),
    id: RequestId,
    layout: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);

export const SessionLockMessage = Type.Object(
  { type: Type.Literal('session.lock'), id: RequestId, locked: Type.Boolean() },
  { additionalProperties: false },
);

/** Every client frame, by `type`. */
export const CLIENT_MESSAGES = {
  join: JoinMessage,
  leave: LeaveMessage,
  signal: SignalMessage,
  chat: ChatMessage,
  'member.update': MemberUpdateMessage,
  'member.remove': MemberRemoveMessage,
  'layout.set': LayoutSetMessage,
  'session.lock': SessionLockMessage,
} as const satisfies Record<string, TSchema>;

export type ClientMessage =
  | Static<typeof JoinMessage>
  | Static<typeof LeaveMessage>
  | Static<typeof SignalMessage>
  | Static<typeof ChatMessage>
  | Static<typeof MemberUpdateMessage>
  | Static<typeof MemberRemoveMessage>
  | Static<typeof LayoutSetMessage>
  | Static<typeof SessionLockMessage>;
export type ClientMessageType = ClientMessage['type'];

// ---- server → client -------------------------------------------------------------------------

export const LiveMember = Type.Object(
  {
    id: MemberId,
    name: Type.String(),
    /** RFC 3339, UTC. */
    join_time: Type.String(),
    join_as: Type.Union([Type.Literal('member'), Type.Literal('audience')]),
    audio_muted: Type.Boolean(),
    video_muted: Type.Boolean(),
    /** False for an audience member: they receive but do not publish. */
    can_publish: Type.Boolean(),
    /** True while the member's connection is lost and their place is kept (grace period). */
    reconnecting: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type LiveMember = Static<typeof LiveMember>;

export const LiveSession = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    display_name: Nullable(Type.String()),
    conference_id: Nullable(Type.String()),
    room_id: Nullable(Type.String()),
    layout: Type.String(),
    locked: Type.Boolean(),
    max_members: Type.Integer(),
    enable_chat: Type.Boolean(),
    start_time: Type.String(),
  },
  { additionalProperties: false },
);
export type LiveSession = Static<typeof LiveSession>;

export interface JoinedMessage {
  type: 'joined';
  ref?: string;
  protocol: typeof REALTIME_PROTOCOL_VERSION;
  session: LiveSession;
  member: LiveMember;
  /** Everyone else in the session, oldest first. */
  members: LiveMember[];
  /** The scopes this member holds (what the token grants). */
  scopes: string[];
  /** Send it in a later `join` to keep this member's place after a dropped connection. */
  resume_token: string;
  /** True when this join resumed an earlier member. */
  resumed: boolean;
}

export interface MemberJoinedMessage {
  type: 'member.joined';
  member: LiveMember;
}
export interface MemberLeftMessage {
  type: 'member.left';
  member_id: string;
  /** `left`, `disconnected` (grace period over), `removed`, `time_up`. */
  reason: 'left' | 'disconnected' | 'removed' | 'time_up';
}
export interface MemberUpdatedMessage {
  type: 'member.updated';
  member: LiveMember;
}
export interface SignalRelayMessage {
  type: 'signal';
  from: string;
  data: unknown;
}
export interface ChatRelayMessage {
  type: 'chat';
  from: string;
  /** The sender's display name. */
  name: string;
  text: string;
  /** RFC 3339, UTC. */
  at: string;
}
export interface SessionUpdatedMessage {
  type: 'session.updated';
  session: LiveSession;
}
export interface AckMessage {
  type: 'ack';
  ref: string;
}
export interface ErrorMessage {
  type: 'error';
  ref?: string;
  code: RealtimeErrorCode;
  message: string;
}

export type ServerMessage =
  | JoinedMessage
  | MemberJoinedMessage
  | MemberLeftMessage
  | MemberUpdatedMessage
  | SignalRelayMessage
  | ChatRelayMessage
  | SessionUpdatedMessage
  | AckMessage
  | ErrorMessage;
export type ServerMessageType = ServerMessage['type'];
