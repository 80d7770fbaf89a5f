import type { RealtimeErrorCode } from '@conclave/schema';

/** The server refused one request (an `error` frame): the session stays connected. */
export class RealtimeError extends Error {
  /** Why: `forbidden`, `member_not_found`, `chat_disabled`, `too_large`, `unavailable` … */
  readonly code: RealtimeErrorCode;
  /** The request id the error answers, if it answers one. */
  readonly ref: string | undefined;

  constructor(code: RealtimeErrorCode, message: string, ref?: string) {
    super(`${code}: ${message}`);
    this.name = new.target.name;
    this.code = code;
    this.ref = ref;
  }
}

/**
 * The connection closed: a join was refused (`4401 invalid_token`, `4413 session_locked` …), the
 * member was removed, the session ended, or the connection dropped while a request was pending.
 */
export class RealtimeClosedError extends Error {
  /** The WebSocket close code: `4401`, `4420`, `1006` … (`CLOSE_CODES` names Conclave's). */
  readonly code: number;
  /** The close reason the server sent (`invalid_token`, `removed` …); may be empty. */
  readonly reason: string;

  constructor(code: number, reason: string, options?: { cause?: unknown }) {
    super(`realtime connection closed: ${code}${reason ? ` ${reason}` : ''}`, options);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
  }
}
