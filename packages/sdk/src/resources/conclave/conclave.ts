import type {
  ConclaveEvent,
  LIVE_FEED_EVENT_TYPES as SchemaLiveFeedEventTypes,
  LIVE_FEED_PATH as SchemaLiveFeedPath,
  LiveFeedEvent,
  LiveMember,
  RoomRecording,
} from '@conclave/schema';
import { ApiConnectionError, ApiTimeoutError, ConclaveError } from '../../core/errors.js';
import type { HttpClient, OpenStream } from '../../core/http-client.js';
import type { RequestOptions } from '../../core/request-options.js';
import { SseParser } from '../../internal/sse.js';
import {
  eventStream,
  listEvents,
  Webhooks,
  type EventStreamOptions,
  type ListEventsParams,
} from './webhooks.js';

/** Where the live feed is, relative to the server's base URL. */
export const LIVE_FEED_PATH: typeof SchemaLiveFeedPath = '/conclave/v1/live';
/** The event types `live()` yields; an event of another type (a newer server's) is skipped. */
export const LIVE_FEED_EVENT_TYPES: typeof SchemaLiveFeedEventTypes = [
  'snapshot',
  'session.started',
  'session.updated',
  'session.ended',
  'member.joined',
  'member.updated',
  'member.left',
  'member.talking',
];

const BASE = '/conclave/v1/room_sessions';
/** The server sends a heartbeat every 15 s: three missed mean the connection is gone. */
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

export interface LiveFeedOptions {
  /** Ends the feed: the iteration simply finishes (no error), whether it had started or not. */
  signal?: AbortSignal;
  /**
   * Milliseconds without a byte from the server (an event or its 15-second heartbeat) after which
   * the connection is taken as lost: the iteration throws `ApiTimeoutError`. Default 45 000;
   * `0` waits for ever.
   */
  idleTimeout?: number;
  /** Milliseconds to wait for the server to answer (default: the client's `timeout`). */
  timeout?: number;
  /** Extra headers for the request; `null` removes one the client would send. */
  headers?: Record<string, string | null | undefined>;
}

/** What `updateMember` changes: at least one of them. */
export interface UpdateLiveMemberParams {
  /** Mute (`true`) or unmute the member's audio. */
  audioMuted?: boolean;
  /** Mute (`true`) or unmute the member's video. */
  videoMuted?: boolean;
}

/** What `stopRecording` stops: one recording, or (without it) every one of the session's. */
export interface StopRecordingParams {
  /** The recording to stop; without it, every recording of the session in progress. */
  recordingId?: string;
}

const known = new Set<string>(LIVE_FEED_EVENT_TYPES);

/**
 * `client.conclave` — Conclave's own API (`/conclave/v1`, not part of SignalWire's): the project's
 * live sessions as they change, and moderation of them with the API token's authority.
 */
export class Conclave {
  readonly #http: HttpClient;
  /** The project's webhook endpoints, their deliveries and replays. */
  readonly webhooks: Webhooks;

  constructor(http: HttpClient) {
    this.#http = http;
    this.webhooks = new Webhooks(http);
  }

  /**
   * One page of the project's events (what webhooks deliver), oldest first, after the event id
   * `after`.
   *
   * @example
   * ```ts
   * const events = await client.conclave.events({ after: lastSeenId });
   * ```
   */
  events(params: ListEventsParams = {}, options?: RequestOptions): Promise<ConclaveEvent[]> {
    return listEvents(this.#http, params, options);
  }

  /**
   * The project's events as they happen, from `after` (an event id) on; a dropped connection is
   * resumed with `Last-Event-ID`, so none is missed. Ends when `signal` aborts or you `break`.
   *
   * @example
   * ```ts
   * for await (const event of client.conclave.eventStream({ after: lastSeenId })) {
   *   console.log(event.id, event.type);
   * }
   * ```
   */
  eventStream(options: EventStreamOptions = {}): AsyncIterable<ConclaveEvent> {
    return eventStream(this.#http, options);
  }

  /**
   * The project's live sessions as they change: first a `snapshot` (every session live on the
   * server now, its members and who is talking), then each change (`session.started`,
   * `session.updated`, `session.ended`, `member.joined`, `member.updated`, `member.left`,
   * `member.talking`), each with `session_id`. Read with `fetch()`, in browsers and Node 20+ alike;
   * the credentials travel in the Authorization header, never the URL.
   *
   * The iteration ends when `signal` aborts, when you `break`, or when the server ends the stream
   * (it stops, or the API token was revoked: open it again and you get `AuthenticationError`). It
   * throws `AuthenticationError` (401) for bad credentials — sign out — and `RateLimitError`
   * (429) past 10 open feeds per project; `ApiConnectionError` / `ApiTimeoutError` when the
   * connection is lost.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * for await (const event of client.conclave.live({ signal: controller.signal })) {
   *   if (event.type === 'snapshot') console.log(event.sessions.length, 'live sessions');
   *   else console.log(event.type, event.session_id);
   * }
   * ```
   */
  live(options: LiveFeedOptions = {}): AsyncIterable<LiveFeedEvent> {
    return liveFeed(this.#http, options);
  }

  /**
   * Ends a live session now: everyone in it is disconnected (realtime close 4422
   * `session_ended`) and it is recorded as completed. The conference or room stays; the next
   * join starts a new session. `NotFoundError` when it is not live; `ConflictError`
   * (`hosted_elsewhere`) when it is live on another node of a deployment without a cluster bus.
   *
   * @example
   * ```ts
   * await client.conclave.endSession(sessionId);
   * ```
   */
  endSession(sessionId: string, options?: RequestOptions): Promise<void> {
    return this.#http.request<void>(
      { method: 'POST', path: `${BASE}/${encodeURIComponent(sessionId)}/end` },
      options,
    );
  }

  /**
   * Removes a member from a live session (realtime close 4420 `removed`; the others get
   * `member.left` with reason `removed`).
   *
   * @example
   * ```ts
   * await client.conclave.removeMember(sessionId, memberId);
   * ```
   */
  removeMember(sessionId: string, memberId: string, options?: RequestOptions): Promise<void> {
    return this.#http.request<void>(
      {
        method: 'DELETE',
        path: `${BASE}/${encodeURIComponent(sessionId)}/members/${encodeURIComponent(memberId)}`,
      },
      options,
    );
  }

  /**
   * Mutes or unmutes a member's audio or video; resolves with the member as it is now. An
   * audience member cannot be unmuted: `ConflictError` with `code` `not_publisher`.
   *
   * @example
   * ```ts
   * const member = await client.conclave.updateMember(sessionId, memberId, { audioMuted: true });
   * ```
   */
  updateMember(
    sessionId: string,
    memberId: string,
    params: UpdateLiveMemberParams,
    options?: RequestOptions,
  ): Promise<LiveMember> {
    return this.#http.request<LiveMember>(
      {
        method: 'PATCH',
        path: `${BASE}/${encodeURIComponent(sessionId)}/members/${encodeURIComponent(memberId)}`,
        body: {
          ...(params.audioMuted !== undefined ? { audio_muted: params.audioMuted } : {}),
          ...(params.videoMuted !== undefined ? { video_muted: params.videoMuted } : {}),
        },
      },
      options,
    );
  }

  /**
   * Starts recording a live session (a WebM file of the featured member's camera and everyone's
   * audio) until it is stopped or the session ends; resolves with the recording as
   * `client.video.roomRecordings.get()` shows it (`status` `recording`). The live feed's
   * session shows `recording: true`. A server that cannot record (no ffmpeg, or no media):
   * `ConflictError` with `code` `recording_unavailable`, its message saying why; `NotFoundError`
   * when the session is not live; `ConflictError` (`hosted_elsewhere`) when it is live on another
   * node of a deployment without a cluster bus (with one, the recording starts on its node).
   *
   * @example
   * ```ts
   * const recording = await client.conclave.startRecording(sessionId);
   * ```
   */
  startRecording(sessionId: string, options?: RequestOptions): Promise<RoomRecording> {
    return this.#http.request<RoomRecording>(
      { method: 'POST', path: `${BASE}/${encodeURIComponent(sessionId)}/recordings` },
      options,
    );
  }

  /**
   * Stops a live session's recordings in progress — all of them, or the one `recordingId`
   * names. Each turns `processing` while its file is finished, then `completed`. Nothing in
   * progress: `ConflictError` with `code` `not_recording` (all) or `NotFoundError` (one).
   *
   * @example
   * ```ts
   * await client.conclave.stopRecording(sessionId);
   * await client.conclave.stopRecording(sessionId, { recordingId: recording.id });
   * ```
   */
  stopRecording(
    sessionId: string,
    params: StopRecordingParams = {},
    options?: RequestOptions,
  ): Promise<void> {
    const session = `${BASE}/${encodeURIComponent(sessionId)}/recordings`;
    return this.#http.request<void>(
      {
        method: 'POST',
        path:
          params.recordingId === undefined
            ? `${session}/stop`
            : `${session}/${encodeURIComponent(params.recordingId)}/stop`,
      },
      options,
    );
  }
}

async function* liveFeed(
  http: HttpClient,
  options: LiveFeedOptions,
): AsyncGenerator<LiveFeedEvent, void, undefined> {
  const { signal } = options;
  if (signal?.aborted) return;
  let stream: OpenStream;
  try {
    stream = await http.openStream(
      { method: 'GET', path: LIVE_FEED_PATH },
      {
        ...(signal ? { signal } : {}),
        ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      },
    );
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
  const { response } = stream;
  const context = {
    method: 'GET',
    url: http.url(LIVE_FEED_PATH),
    requestId: response.headers.get('x-request-id') ?? undefined,
  };
  const body = response.body;
  if (!body) {
    stream.close();
    throw new ConclaveError('The server sent no stream', context);
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
  try {
    for (;;) {
      let idle = false;
      const timer =
        idleTimeout > 0
          ? setTimeout(() => {
              idle = true;
              stream.close();
            }, idleTimeout)
          : undefined;
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) return;
        if (idle) {
          throw new ApiTimeoutError(`No data from the live feed for ${idleTimeout} ms`, {
            ...context,
            cause: error,
          });
        }
        throw new ApiConnectionError('The live feed was cut off', { ...context, cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done) return;
      for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (!known.has(event.event)) continue;
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          throw new ConclaveError(`The live feed sent a ${event.event} that is not JSON`, {
            ...context,
            cause: error,
          });
        }
        yield data as LiveFeedEvent;
        if (signal?.aborted) return;
      }
    }
  } finally {
    stream.close();
    reader.cancel().catch(() => {});
  }
}
