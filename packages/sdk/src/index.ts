/**
 * @conclave/sdk — the TypeScript client of Conclave's SignalWire-compatible Video REST API.
 * Runs in Node 20+, browsers, Deno and Bun: nothing here imports a Node-only module (the realtime
 * client loads the `ws` package at run time, and only where there is no global `WebSocket`).
 */
export { RestClient, type ClientOptions, type TransportOptions } from './rest-client.js';
export { AdminClient, type AdminClientOptions } from './admin-client.js';
export { Page, PagePromise, type ListBody } from './core/pagination.js';
export type { FetchLike, RequestOptions } from './core/request-options.js';
export {
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConclaveError,
  ConclaveError as RestError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UserAbortError,
  type ApiErrorInit,
} from './core/errors.js';
export { Video } from './resources/video/video.js';
export { Conferences } from './resources/video/conferences.js';
export { ConferenceTokens } from './resources/video/conference-tokens.js';
export { Rooms } from './resources/video/rooms.js';
export { RoomTokens } from './resources/video/room-tokens.js';
export { Streams } from './resources/video/streams.js';
export { RoomSessions } from './resources/video/room-sessions.js';
export { RoomRecordings } from './resources/video/room-recordings.js';
export { Logs } from './resources/video/logs.js';
export { Projects } from './resources/admin/projects.js';
export { ApiTokens } from './resources/admin/api-tokens.js';
export { VERSION } from './version.js';
export { joinUrl, type JoinUrlOptions } from './join-url.js';
export {
  CLOSE_CODES,
  REALTIME_ERROR_CODES,
  REALTIME_PATH,
  REALTIME_PROTOCOL_VERSION,
  REALTIME_SUBPROTOCOL,
  Realtime,
  RealtimeClosedError,
  RealtimeError,
  RealtimeSession,
  joinRealtime,
  type RealtimeRefusal,
  realtimeUrl,
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
  type WebSocketConstructor,
  type WebSocketLike,
  RealtimeMedia,
  type LocalTrack,
  type MediaClosedEvent,
  type PeerConnectionConstructor,
  type PublishInput,
  type PublishOptions,
  type RealtimeMediaOptions,
  type RemoteTrack,
  type TrackEvent,
} from './realtime/index.js';
export type {
  ActiveSession,
  ApiToken,
  ApiTokenScope,
  ChatRelayMessage,
  CloseReason,
  Conference,
  ConferenceSize,
  ConferenceToken,
  CreateApiTokenRequest,
  CreateConferenceRequest,
  CreatedApiToken,
  CreateProjectRequest,
  CreateRoomRequest,
  CreateRoomTokenRequest,
  CreateStreamRequest,
  GetConferenceQuery,
  GetRoomQuery,
  GetRoomRecordingQuery,
  ListConferencesQuery,
  ListPageQuery,
  ListRoomRecordingsQuery,
  ListRoomSessionChildrenQuery,
  ListRoomSessionsQuery,
  ListRoomsQuery,
  ListStreamsQuery,
  ListVideoLogsQuery,
  LiveMember,
  LiveSession,
  LiveSessionColors,
  MediaClosedMessage,
  MediaInfo,
  MediaSource,
  MediaTrackInfo,
  MemberJoinedMessage,
  MemberLeftMessage,
  MemberTalkingMessage,
  MemberUpdatedMessage,
  RealtimeErrorCode,
  RefusedMessage,
  SessionUpdatedMessage,
  SignalRelayMessage,
  PaginationLinks,
  Project,
  Room,
  RoomRecording,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
  RoomSessionSummary,
  RoomTokenKeyRotation,
  RoomTokenPermission,
  RoomTokenResponse,
  Stream,
  UpdateConferenceRequest,
  UpdateRoomRequest,
  UpdateStreamRequest,
  ValidationErrorItem,
  VideoLayout,
  VideoLog,
  VideoQuality,
} from '@conclave/schema';
