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
  /** A moderator removed this member (or the project, through
   *  `DELETE /conclave/v1/room_sessions/{id}/members/{member_id}`). */
  removed: 4420,
  /** `remove_at` or `remove_after_seconds_elapsed` was reached. */
  time_up: 4421,
  /** The session ended: its conference or room was deleted, a member with
   *  `end_room_session_on_leave` left, or it was ended through
   *  `POST /conclave/v1/room_sessions/{id}/end`. */
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
  /** A media frame the server could not use: a malformed or unusable SDP or candidate, an
   *  answer with no offer outstanding, a track that cannot be published. */
  'media_failed',
  /** This server runs without media (or its media engine is stopping). */
  'media_unavailable',
  /** Recording cannot start on this server: it carries no media, or the encoder (ffmpeg) is
   *  missing; the message says which, and the server logs it. */
  'recording_unavailable',
  /** `recording.stop` named no recording in progress in the session. */
  'recording_not_found',
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
    /** Deaf: the member receives no audio (`room.self.deaf` / `room.member.deaf`, and undeaf). */
    deaf: Type.Optional(Type.Boolean()),
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

/** Start recording the session (scope `room.recording`). Acknowledged with the recording's id
 *  once its row is written (`{"type":"ack","ref":…,"recording_id":…}`). */
export const RecordingStartMessage = Type.Object(
  { type: Type.Literal('recording.start'), id: RequestId },
  { additionalProperties: false },
);

/** Stop one recording of the session (`recording_id`), or all of them (scope `room.recording`).
 *  The file is finished afterwards: the recording is `processing`, then `completed`. */
export const RecordingStopMessage = Type.Object(
  {
    type: Type.Literal('recording.stop'),
    id: RequestId,
    recording_id: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);

// ---- media (Conclave is every member's WebRTC peer) ---------------------------------------------

/** Largest SDP the server reads (characters). */
export const MEDIA_MAX_SDP_LENGTH = 64 * 1024;
/** Most tracks one member publishes at once (microphone, camera, screen, and screen audio). */
export const MEDIA_MAX_PUBLISHED_TRACKS = 4;

/** What a published track carries. */
export const MEDIA_SOURCES = ['microphone', 'camera', 'screen', 'screen_audio'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

/** Which of a member's two peer connections with Conclave: the one it sends on, the one it
 *  receives on. */
export const MediaPeer = Type.Union([Type.Literal('publish'), Type.Literal('subscribe')]);
export type MediaPeer = Static<typeof MediaPeer>;

const Sdp = Type.String({ minLength: 1, maxLength: MEDIA_MAX_SDP_LENGTH });

export const PublishedTrack = Type.Object(
  {
    /** The transceiver's `mid` in the offer. */
    mid: Type.String({ minLength: 1, maxLength: 32 }),
    source: Type.Union(MEDIA_SOURCES.map((s) => Type.Literal(s))),
  },
  { additionalProperties: false },
);
export type PublishedTrack = Static<typeof PublishedTrack>;

/** Publish (or renegotiate what one publishes): an SDP offer whose send-only transceivers carry
 *  the tracks listed. Answered by `media.answer` (and an `ack` when `id` is given). */
export const MediaPublishMessage = Type.Object(
  {
    type: Type.Literal('media.publish'),
    id: RequestId,
    sdp: Sdp,
    tracks: Type.Array(PublishedTrack, { maxItems: MEDIA_MAX_PUBLISHED_TRACKS }),
  },
  { additionalProperties: false },
);

/** Start receiving the others' tracks: the server sends `media.offer` now and whenever the set
 *  of tracks changes. */
export const MediaSubscribeMessage = Type.Object(
  { type: Type.Literal('media.subscribe'), id: RequestId },
  { additionalProperties: false },
);

/** The client's answer to the server's latest `media.offer`. */
export const MediaAnswerMessage = Type.Object(
  { type: Type.Literal('media.answer'), id: RequestId, sdp: Sdp },
  { additionalProperties: false },
);

export const IceCandidate = Type.Object(
  {
    candidate: Type.String({ maxLength: 1024 }),
    sdpMid: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    sdpMLineIndex: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 255 }))),
    usernameFragment: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  },
  { additionalProperties: false },
);
export type IceCandidate = Static<typeof IceCandidate>;

/** A trickled ICE candidate of one of the client's peer connections (`null`: gathering done). */
export const MediaCandidateMessage = Type.Object(
  {
    type: Type.Literal('media.candidate'),
    id: RequestId,
    pc: MediaPeer,
    candidate: Nullable(IceCandidate),
  },
  { additionalProperties: false },
);

/** Stop all of one's media with Conclave (both peer connections); the session goes on. */
export const MediaStopMessage = Type.Object(
  { type: Type.Literal('media.stop'), id: RequestId },
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
  'recording.start': RecordingStartMessage,
  'recording.stop': RecordingStopMessage,
  'media.publish': MediaPublishMessage,
  'media.subscribe': MediaSubscribeMessage,
  'media.answer': MediaAnswerMessage,
  'media.candidate': MediaCandidateMessage,
  'media.stop': MediaStopMessage,
} as const satisfies Record<string, TSchema>;

export type ClientMessage =
  | Static<typeof JoinMessage>
  | Static<typeof LeaveMessage>
  | Static<typeof SignalMessage>
  | Static<typeof ChatMessage>
  | Static<typeof MemberUpdateMessage>
  | Static<typeof MemberRemoveMessage>
  | Static<typeof LayoutSetMessage>
  | Static<typeof SessionLockMessage>
  | Static<typeof RecordingStartMessage>
  | Static<typeof RecordingStopMessage>
  | MediaClientMessage;
export type MediaClientMessage =
  | Static<typeof MediaPublishMessage>
  | Static<typeof MediaSubscribeMessage>
  | Static<typeof MediaAnswerMessage>
  | Static<typeof MediaCandidateMessage>
  | Static<typeof MediaStopMessage>;
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
    /** Receives no audio from the others. */
    deaf: Type.Boolean(),
    /** False for an audience member: they receive but do not publish. */
    can_publish: Type.Boolean(),
    /** True while the member's connection is lost and their place is kept (grace period). */
    reconnecting: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type LiveMember = Static<typeof LiveMember>;

/**
 * The session's theme colours (`#RRGGBB`): a conference's stored `dark_*` / `light_*` fields;
 * null where none is set, and always null for rooms (they have no colours). A client uses its own
 * default for a null one.
 */
export const LiveSessionColors = Type.Object(
  {
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
  },
  { additionalProperties: false },
);
export type LiveSessionColors = Static<typeof LiveSessionColors>;

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
    /** The conference's or room's `tone_on_entry_and_exit`: clients play a tone when members
     *  join and leave. */
    tone_on_entry_and_exit: Type.Boolean(),
    colors: LiveSessionColors,
    /** Whether a recording of it is in progress now (one stopped and being finished is not). */
    recording: Type.Boolean(),
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
  /** Media with Conclave: whether this server carries it, and the STUN/TURN servers to give one's
   *  `RTCPeerConnection` (`CONCLAVE_ICE_SERVERS`). */
  media: MediaInfo;
}

export interface MediaInfo {
  available: boolean;
  ice_servers: { urls: string | string[]; username?: string; credential?: string }[];
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
  /** In the ack of `recording.start`: the recording it started. */
  recording_id?: string;
}
export interface ErrorMessage {
  type: 'error';
  ref?: string;
  code: RealtimeErrorCode;
  message: string;
}

/** The server's offer on the member's `subscribe` peer connection, sent after `media.subscribe`
 *  and again whenever tracks come or go. `tracks` maps each of its send-only transceivers to the
 *  member and source it carries. Answer it with `media.answer`. */
export interface MediaOfferMessage {
  type: 'media.offer';
  pc: 'subscribe';
  sdp: string;
  tracks: MediaTrackInfo[];
}
export interface MediaTrackInfo {
  mid: string;
  member_id: string;
  kind: 'audio' | 'video';
  source: MediaSource;
}
/** The server's answer to `media.publish` (its candidates are in the SDP: no trickle). */
export interface MediaAnswerReplyMessage {
  type: 'media.answer';
  ref?: string;
  pc: 'publish';
  sdp: string;
}
/** The member's media with Conclave ended (both peer connections); the session goes on. */
export interface MediaClosedMessage {
  type: 'media.closed';
  /** `stopped` (after `media.stop`), `failed` (ICE or DTLS failed, or the connection was lost),
   *  `worker_failed` (the media worker serving the session died: publish and subscribe again). */
  reason: 'stopped' | 'failed' | 'worker_failed';
}
/** Who is talking: `talking` turns true when a member's audio rises above speech level, false
 *  after about a second of quiet. */
export interface MemberTalkingMessage {
  type: 'member.talking';
  member_id: string;
  talking: boolean;
}

/**
 * Why a join was refused, sent just before the connection is closed with the reason's close code
 * (not for 1001, a join refused while the server stops). `message` is for people ("joining opens
 * at 2030-01-01T09:00:00Z"); `join_from` (with `too_early`) and `join_until` (with `too_late`: the
 * `join_until` or `remove_at` that applied) are RFC 3339, UTC, for a client to show or count down.
 */
export interface RefusedMessage {
  type: 'refused';
  reason: CloseReason;
  message: string;
  join_from?: string;
  join_until?: string;
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
  | ErrorMessage
  | MediaOfferMessage
  | MediaAnswerReplyMessage
  | MediaClosedMessage
  | MemberTalkingMessage
  | RefusedMessage;
export type ServerMessageType = ServerMessage['type'];
