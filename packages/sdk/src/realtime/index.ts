export {
  CLOSE_CODES,
  REALTIME_ERROR_CODES,
  REALTIME_PATH,
  REALTIME_PROTOCOL_VERSION,
  REALTIME_SUBPROTOCOL,
} from './constants.js';
export { RealtimeClosedError, RealtimeError, type RealtimeRefusal } from './errors.js';
export { Realtime } from './realtime.js';
export {
  RealtimeMedia,
  type LocalTrack,
  type MediaChannel,
  type MediaClosedEvent,
  type PeerConnectionConstructor,
  type PublishInput,
  type PublishOptions,
  type RealtimeMediaOptions,
  type RemoteTrack,
  type TrackEvent,
} from './media.js';
export {
  RealtimeSession,
  joinRealtime,
  type MemberLeftEvent,
  type RealtimeCloseEvent,
  type RealtimeEvents,
  type RealtimeEventType,
  type RealtimeJoinOptions,
  type RealtimeListener,
  type RealtimeOptions,
  type RealtimeState,
  type ReconnectOptions,
  type UpdateMemberParams,
} from './session.js';
export { realtimeUrl, type WebSocketConstructor, type WebSocketLike } from './websocket.js';
