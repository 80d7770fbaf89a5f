/**
 * SignalWire's relay wire format, as `@signalwire/js` 3.x reads it: JSON-RPC envelopes, the
 * room-session and member entities, layouts, the connect result's `authorization`, and the error
 * catalogue. Pure functions of Conclave's own live-session objects; no state.
 */
import { randomUUID } from 'node:crypto';
import { CLOSE_CODES, type CloseReason, type LiveMember, type LiveSession } from '@conclave/schema';
import type { RoomTokenGrants } from '../auth/room-tokens.js';
import type { Ticket } from '../realtime/admission.js';
import { formatSeconds } from '../lib/time.js';

/** The `node_id` the relay names itself with (the SDK echoes it back and reads nothing in it). */
export const RELAY_NODE_ID = 'conclave';

export type JsonObject = Record<string, unknown>;

/** A JSON-RPC error object. `data.reason` is the stable word to match on; `message` is for people. */
export interface RpcError {
  code: number;
  message: string;
  data?: JsonObject;
}

/**
 * The relay's JSON-RPC errors. Refused connects and invites reuse the realtime protocol's close
 * codes and reasons (`4401 invalid_token`, `4410 too_early`, …): see {@link refusalError}.
 */
export const RPC_ERRORS = {
  parse: { code: -32700, message: 'Parse error: a frame is one JSON object' },
  invalidRequest: { code: -32600, message: 'Invalid Request' },
  methodNotFound: { code: -32601, message: 'Method not found' },
  invalidParams: { code: -32602, message: 'Invalid params' },
  internal: { code: -32603, message: 'Internal error' },
  /** A method other than `signalwire.connect` before the connect succeeded. */
  notConnected: { code: -32001, message: 'Not connected: send signalwire.connect first' },
  /** A room method before `verto.invite` joined the room (or after leaving it). */
  notInRoom: { code: -32002, message: 'Not in a room session: send verto.invite first' },
  /** A `protocol` this process did not issue, or whose member is gone, or another token's. */
  staleProtocol: {
    code: CLOSE_CODES.invalid_token,
    message: 'Requester validation failed',
    data: { reason: 'invalid_protocol' },
  },
  /** Screen share and additional-device invites (child members) are not carried. */
  notSupported: { code: -32004, message: 'Not supported by this server' },
  /** The server runs without media (`CONCLAVE_MEDIA=off`): a call cannot be answered. */
  mediaUnavailable: {
    code: -32005,
    message: 'This server carries no media',
    data: { reason: 'media_unavailable' },
  },
  /** Another connect on a connection that is connected with another token. */
  alreadyConnected: { code: -32006, message: 'Already connected with another token' },
} as const satisfies Record<string, RpcError>;

/** A refused join, as the JSON-RPC error the SDK rejects `join()` with. */
export function refusalError(refusal: {
  reason: CloseReason;
  message: string;
  times: { joinFrom?: number; joinUntil?: number };
}): RpcError {
  const { joinFrom, joinUntil } = refusal.times;
  return {
    code: CLOSE_CODES[refusal.reason],
    message: refusal.message,
    data: {
      reason: refusal.reason,
      ...(joinFrom === undefined ? {} : { join_from: formatSeconds(joinFrom) }),
      ...(joinUntil === undefined ? {} : { join_until: formatSeconds(joinUntil) }),
    },
  };
}

/** A room method's answer: `{code:'200', message:'OK'}` plus what it returns, or another code. */
export interface MethodResult extends JsonObject {
  code: string;
  message: string;
}

export const OK: MethodResult = { code: '200', message: 'OK' };

export function failed(
  code: '403' | '404' | '409' | '422' | '429' | '501' | '503',
  message: string,
) {
  return { code, message } satisfies MethodResult;
}

// ---- envelopes -------------------------------------------------------------------------------

export function rpcResult(id: unknown, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export function rpcError(id: unknown, error: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error });
}

/** A server → client request (`signalwire.event`, `signalwire.ping`): the SDK answers each. */
export function rpcRequest(method: string, params: JsonObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method, params });
}

/** A `signalwire.event` of `eventType`; `channel` names the room session (`room.<id>`). */
export function swEvent(
  eventType: string,
  channel: string,
  projectId: string,
  params: JsonObject,
): string {
  return rpcRequest('signalwire.event', {
    event_type: eventType,
    event_channel: channel,
    timestamp: Date.now() / 1000,
    project_id: projectId,
    node_id: RELAY_NODE_ID,
    params,
  });
}

/** A Verto message the server sends into a call (`verto.answer`, `verto.bye`). */
export function vertoEvent(
  channel: string,
  projectId: string,
  method: string,
  params: JsonObject,
): string {
  return swEvent('webrtc.message', channel, projectId, {
    jsonrpc: '2.0',
    id: randomUUID(),
    method,
    params,
  });
}

/** The answer to a Verto request wrapped in `video.message` (`CALL CREATED`, `CALL ENDED`). */
export function vertoReply(vertoId: unknown, message: string, callID: string): JsonObject {
  return {
    node_id: RELAY_NODE_ID,
    result: { jsonrpc: '2.0', id: vertoId, result: { message, callID } },
  };
}

// ---- entities --------------------------------------------------------------------------------

/** What one connection knows of its session: what LiveEngine told it, kept current. */
export interface RoomView {
  session: LiveSession;
  /** Everyone admitted, self included, oldest first. */
  members: Map<string, LiveMember>;
  talking: Set<string>;
}

/** `room_id` of the SignalWire entities: the room's or conference's id; an auto-created
 *  session (no room row) names itself. */
export const roomIdOf = (session: LiveSession) => session.room_id ?? session.id;

export const channelOf = (sessionId: string) => `room.${sessionId}`;

/**
 * A member as `InternalVideoMemberEntity`. `position` is where it is in this viewer's picture
 * (`standard-1` featured, `self`, else `off-canvas`); `pinned` says a moderator pinned it.
 */
export function swMember(
  view: RoomView,
  member: LiveMember,
  position: string,
  pinned: boolean,
): JsonObject {
  return {
    id: member.id,
    room_id: roomIdOf(view.session),
    room_session_id: view.session.id,
    name: member.name,
    type: 'member',
    parent_id: null,
    requested_position: pinned ? 'standard-1' : 'auto',
    current_position: position,
    handraised: false,
    visible: true,
    audio_muted: member.audio_muted,
    video_muted: member.video_muted,
    deaf: member.deaf,
    input_volume: 0,
    output_volume: 0,
    input_sensitivity: 11,
    meta: {},
    talking: view.talking.has(member.id),
  };
}

/** The room session entity (`room_session` and `room` of `video.room.subscribed`). */
export function swRoomSession(view: RoomView, members?: JsonObject[]): JsonObject {
  const s = view.session;
  return {
    id: s.id,
    room_session_id: s.id,
    room_id: roomIdOf(s),
    event_channel: channelOf(s.id),
    name: s.name,
    display_name: s.display_name ?? s.name,
    layout_name: s.layout,
    locked: s.locked,
    recording: s.recording,
    streaming: false,
    hide_video_muted: false,
    prioritize_handraise: false,
    meta: {},
    ...(members ? { members } : {}),
  };
}

/** The params of `video.room.updated` and `video.room.ended`: the session, twice (the SDK reads
 *  `room_session`, older pages `room`). */
export function swRoomParams(view: RoomView): JsonObject {
  const entity = swRoomSession(view);
  return {
    room_session_id: view.session.id,
    room_id: roomIdOf(view.session),
    room_session: entity,
    room: entity,
  };
}

/**
 * A viewer's own layout: the featured member full frame, and its own small layer at the bottom
 * right when it sends video (the SDK draws the local camera there: a self view the server never
 * encodes).
 */
export function swLayout(
  view: RoomView,
  featured: string | null,
  self: string,
  selfLayer: boolean,
): JsonObject {
  const layer = (memberId: string, box: number[], index: number, position: string) => ({
    member_id: memberId,
    x: box[0],
    y: box[1],
    width: box[2],
    height: box[3],
    layer_index: index,
    z_index: index,
    reservation: '',
    position,
    playing_file: false,
    visible: true,
  });
  const layers: JsonObject[] = [];
  if (featured) layers.push(layer(featured, [0, 0, 100, 100], 0, 'standard-1'));
  if (selfLayer) layers.push(layer(self, [72, 72, 26, 26], 1, 'self'));
  const s = view.session;
  return {
    room_session_id: s.id,
    room_id: roomIdOf(s),
    layout: {
      id: s.layout,
      name: s.layout,
      room_session_id: s.id,
      room_id: roomIdOf(s),
      layers,
    },
  };
}

/** The member fields SignalWire's `video.member.updated` names, and their LiveMember keys. */
export const UPDATABLE = ['audio_muted', 'video_muted', 'deaf'] as const;

// ---- authorization ---------------------------------------------------------------------------

type Allowed = 'none' | 'receive' | 'both';

/**
 * The connect result's `authorization` (a `VideoAuthorization`). It drives the SDK's media: it
 * sends audio or video only where `*_allowed` is `both` and `join_as` is `member`. It never has a
 * `jti`: the SDK takes any authorization with one for a Call Fabric (SAT) token and changes
 * protocol.
 */
export function swAuthorization(
  ticket: Ticket,
  grants: RoomTokenGrants | undefined,
  signature: string,
): JsonObject {
  const mediaAllowed = grants?.mediaAllowed ?? 'all';
  const member = ticket.joinAs === 'member';
  const audio: Allowed = member && mediaAllowed !== 'video-only' ? 'both' : 'receive';
  const video: Allowed = member && mediaAllowed !== 'audio-only' ? 'both' : 'receive';
  const s = ticket.settings;
  return {
    type: 'video',
    project: ticket.projectId,
    project_id: ticket.projectId,
    scopes: ['video'],
    scope_id: s.roomId ?? s.conferenceId ?? ticket.key,
    resource: s.roomId ?? s.conferenceId ?? ticket.key,
    join_as: ticket.joinAs,
    user_name: ticket.name ?? '',
    room: {
      name: s.name,
      display_name: s.displayName ?? s.name,
      scopes: [...ticket.scopes],
      meta: grants?.roomMeta ?? {},
    },
    signature,
    media_allowed: mediaAllowed,
    audio_allowed: audio,
    video_allowed: video,
    meta: grants?.meta ?? {},
  };
}
