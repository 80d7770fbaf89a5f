/**
 * The realtime protocol's constants, as values. They mirror `@conclave/schema`'s (a test checks
 * that they are equal): the SDK imports only types from the schema package, so that a browser
 * bundle does not carry the schema validators.
 */
import type {
  CLOSE_CODES as SchemaCloseCodes,
  REALTIME_ERROR_CODES as SchemaErrorCodes,
  REALTIME_PATH as SchemaPath,
  REALTIME_PROTOCOL_VERSION as SchemaVersion,
  REALTIME_SUBPROTOCOL as SchemaSubprotocol,
} from '@conclave/schema';

/** The protocol version this client speaks. */
export const REALTIME_PROTOCOL_VERSION: typeof SchemaVersion = 1;
/** The WebSocket subprotocol the client asks for. */
export const REALTIME_SUBPROTOCOL: typeof SchemaSubprotocol = 'conclave.v1';
/** Where the endpoint lives, relative to the server's base URL. */
export const REALTIME_PATH: typeof SchemaPath = '/api/video/realtime';

/** The server's close codes, by reason (`invalid_token: 4401`, `removed: 4420` …). */
export const CLOSE_CODES: typeof SchemaCloseCodes = {
  bad_message: 4000,
  join_timeout: 4001,
  invalid_token: 4401,
  not_found: 4404,
  hosted_elsewhere: 4409,
  too_early: 4410,
  too_late: 4411,
  session_full: 4412,
  session_locked: 4413,
  removed: 4420,
  time_up: 4421,
  session_ended: 4422,
  replaced: 4423,
  rate_limited: 4429,
  heartbeat_timeout: 4430,
};

/** The codes of `RealtimeError`: the server's non-fatal refusals of one request. */
export const REALTIME_ERROR_CODES: typeof SchemaErrorCodes = [
  'bad_message',
  'forbidden',
  'member_not_found',
  'chat_disabled',
  'not_publisher',
  'too_large',
  'unavailable',
  'media_failed',
  'media_unavailable',
  'recording_unavailable',
  'recording_not_found',
];

/**
 * Whether a close with this code ends the session for good. The others are dropped connections
 * (1001 going away, 1006 abnormal closure, 4430 heartbeat time-out …), which the client resumes.
 */
export function isFinalClose(code: number): boolean {
  if (code === CLOSE_CODES.heartbeat_timeout) return false;
  return code === 1000 || code === 1008 || code === 1009 || (code >= 4000 && code <= 4999);
}
