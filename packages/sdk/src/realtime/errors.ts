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

/** Why the server refused a join, as its `refused` frame told it before closing. */
export interface RealtimeRefusal {
  /** For people: "joining opens at 2030-01-01T09:00:00Z", "the session is locked" … */
  message: string;
  /** When joining opens (RFC 3339), with `too_early`. */
  joinFrom?: string;
  /** When joining closed (RFC 3339: the `join_until` or `remove_at` that applied), with
   *  `too_late`. */
  joinUntil?: string;
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
  /** A refused join: the server's explanation (absent for other closes, and from servers that
   *  send none). */
  readonly refusal?: RealtimeRefusal;

  constructor(
    code: number,
    reason: string,
    options?: { cause?: unknown; refusal?: RealtimeRefusal },
  ) {
    super(
      `realtime connection closed: ${code}${reason ? ` ${reason}` : ''}` +
        (options?.refusal ? ` (${options.refusal.message})` : ''),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.refusal = options?.refusal;
  }
}
