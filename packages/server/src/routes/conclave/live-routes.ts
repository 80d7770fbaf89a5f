/**
 * `GET /conclave/v1/live`: the project's live sessions as Server-Sent Events — a `snapshot`, then
 * every change as it happens (docs in README "Conclave's own API", decisions E80–E84).
 *
 * Read with `fetch()` and a stream reader: the credentials are the API's Basic auth header, never
 * a URL (EventSource cannot send a header). The stream is written straight to the socket
 * (`reply.hijack()`), so this file owns its framing, its heartbeat and its limits.
 */
import type { ServerResponse } from 'node:http';
import {
  LIVE_FEED_HEARTBEAT_MS,
  LIVE_FEED_MAX_STREAMS,
  LiveFeedEventSchema,
} from '@conclave/schema';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiTokenStillValid } from '../../auth/basic-auth.js';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/responses.js';
import { sseFrame, type LiveFeedListener } from '../../realtime/live-feed.js';

export interface LiveFeedLimits {
  /** A comment line this often; the API token is checked again at each (default 15 s). */
  heartbeatMs: number;
  /** Open feeds per project on this process (default 10); more answer 429. */
  maxStreams: number;
  /** Bytes a reader may leave unread (beyond the snapshot) before it is cut off (4 MiB). */
  maxBacklogBytes: number;
}

export const LIVE_FEED_DEFAULTS: LiveFeedLimits = {
  heartbeatMs: LIVE_FEED_HEARTBEAT_MS,
  maxStreams: LIVE_FEED_MAX_STREAMS,
  maxBacklogBytes: 4 * 1024 * 1024,
};

/** One open feed: its response, its heartbeat, and the way it ends (exported for tests). */
export class LiveStream implements LiveFeedListener {
  /**
   * Takes the reply over and answers `200 text/event-stream` (with the headers the app set, such
   * as the request id): the stream of Conclave's SSE endpoints.
   */
  static open(reply: FastifyReply, maxBacklogBytes: number): LiveStream {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string | number | string[]>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies (nginx) must pass each event on at once.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    return new LiveStream(res, maxBacklogBytes);
  }

  #closed = false;
  #allowance: number;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #cleanups: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    maxBacklogBytes: number,
  ) {
    this.#allowance = maxBacklogBytes;
    res.on('close', () => this.#finish());
    // A write to a connection that just broke: the stream ends (never an unhandled 'error').
    res.on('error', () => this.#finish());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs when the stream ends, however it ends. */
  onEnd(cleanup: () => void): void {
    if (this.#closed) cleanup();
    else this.#cleanups.push(cleanup);
  }

  /** The first event: a large snapshot is not held against the reader's backlog. */
  start(snapshot: string): void {
    this.#allowance += Buffer.byteLength(snapshot);
    this.write(snapshot);
  }

  write(frame: string): void {
    if (this.#closed) return;
    this.res.write(frame);
    // A reader that does not keep up is cut off, never buffered for without bound.
    if (this.res.writableLength > this.#allowance) {
      this.#finish();
      this.res.destroy();
    }
  }

  /** Ends the stream with a last comment line saying why (a feed ended by the server). */
  close(reason: string): void {
    if (this.#closed) return;
    this.#finish();
    this.res.end(`: ${reason}\n\n`);
  }

  heartbeat(everyMs: number, check: () => Promise<boolean>): void {
    let checking = false;
    this.#heartbeat = setInterval(() => {
      if (checking || this.#closed) return;
      checking = true;
      void check()
        .then(
          (valid) => (valid ? this.write(': heartbeat\n\n') : this.close('token revoked')),
          // Whether the token is still valid cannot be told: the feed ends (the client may
          // reconnect, and is answered 503 while the database is unreachable).
          () => this.close('unavailable'),
        )
        .finally(() => {
          checking = false;
        });
    }, everyMs);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }
}

export async function liveRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  limits: LiveFeedLimits,
): Promise<void> {
  const { live, store } = ctx;

  // Before the server waits for connections to end: a feed would otherwise keep it open.
  app.addHook('preClose', async () => live.feed.closeAll('server shutting down'));

  app.get(
    '/live',
    {
      schema: {
        tags: ['Conclave'],
        operationId: 'conclave_live_feed',
        summary: "The project's live sessions as they change (Server-Sent Events)",
        description:
          'Conclave’s own API, not SignalWire’s. Answers `text/event-stream`: each event has ' +
          '`event: <type>` and one `data:` line, the JSON object shown (its `type` repeats the ' +
          'event name). First a `snapshot` of the project’s sessions live on this process, then ' +
          'every change (`session.started`, `session.updated`, `session.ended`, `member.joined`, ' +
          '`member.updated`, `member.left`, `member.talking`), each with `session_id`. A comment ' +
          `line (\`: heartbeat\`) comes every ${LIVE_FEED_HEARTBEAT_MS / 1000} s, when the API ` +
          'token is checked again: a revoked token ends the stream. Read it with `fetch()` and ' +
          'a stream reader (EventSource cannot send the Authorization header; never put the ' +
          `token in a URL). At most ${LIVE_FEED_MAX_STREAMS} open feeds per project, then 429; ` +
          'a reader that leaves more than 4 MiB unread is disconnected.',
        response: {
          200: {
            description: 'A stream of events (`text/event-stream`), each `data` one of these',
            content: { 'text/event-stream': { schema: LiveFeedEventSchema } },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const projectId = request.projectId;
      if (live.feed.count(projectId) >= limits.maxStreams) throw new HttpError(429);
      const tokenHash = request.apiTokenHash;

      const stream = LiveStream.open(reply, limits.maxBacklogBytes);
      // Subscribed and snapshotted in one synchronous step: no change falls between the two.
      stream.onEnd(live.feed.subscribe(projectId, stream));
      stream.start(sseFrame({ type: 'snapshot', sessions: live.snapshot(projectId) }));
      stream.heartbeat(limits.heartbeatMs, () => apiTokenStillValid(store, projectId, tokenHash));
      request.log.debug({ project: projectId }, 'live feed opened');
    },
  );
}
