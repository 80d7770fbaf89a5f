/**
 * `GET /conclave/v1/events/stream`: the project's events (the outbox: docs/webhooks.md) as
 * Server-Sent Events, resumable with `Last-Event-ID` (or `?after=`). Each event is
 * `id: <event id>`, `event: <type>` and one `data:` line, the event as webhooks deliver it.
 */
import { ConclaveEvent } from '@conclave/schema';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { apiTokenStillValid } from '../../auth/basic-auth.js';
import type { AppContext } from '../../context.js';
import { onEventsPlaced } from '../../events/event-outbox.js';
import { eventJson } from '../../events/events-store.js';
import { HttpError, problem, ValidationFailed } from '../../http/errors.js';
import { errorResponses } from '../../http/responses.js';
import { LiveStream } from './live-routes.js';

export interface EventStreamLimits {
  /** How often the outbox is read for each open stream. */
  pollMs: number;
  /** A comment line this often; the API token is checked again at each. */
  heartbeatMs: number;
  /** Open streams per project on this process; more answer 429. */
  maxStreams: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamLimits = {
  pollMs: 250,
  heartbeatMs: 15_000,
  maxStreams: 10,
};

const EventStreamQuery = Type.Object(
  { after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })) },
  { additionalProperties: false },
);
type EventStreamQuery = Static<typeof EventStreamQuery>;

const BATCH = 500;
/** A reader this far behind is not given more until it reads. */
const PAUSE_BYTES = 1024 * 1024;

export async function eventStreamRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  limits: EventStreamLimits,
): Promise<void> {
  const { store } = ctx;
  const open = new Map<string, Set<LiveStream>>();

  app.addHook('preClose', async () => {
    for (const streams of open.values()) {
      for (const stream of streams) stream.close('server shutting down');
    }
  });

  app.get<{ Querystring: EventStreamQuery }>(
    '/events/stream',
    {
      schema: {
        tags: ['Conclave'],
        operationId: 'conclave_event_stream',
        summary: "The project's events as they happen (Server-Sent Events)",
        description:
          'Conclave’s own API, not SignalWire’s. Answers `text/event-stream`: each event has ' +
          '`id: <event id>`, `event: <type>` and one `data:` line, the event as webhooks deliver ' +
          'it. Resumes after the `Last-Event-ID` header (or `after`), from the first event kept ' +
          'without either. A comment line comes every 15 s, when the API token is checked ' +
          `again. At most ${EVENT_STREAM_DEFAULTS.maxStreams} open streams per project, then 429.`,
        querystring: EventStreamQuery,
        response: {
          200: {
            description: 'A stream of events (`text/event-stream`), each `data` one of these',
            content: { 'text/event-stream': { schema: ConclaveEvent } },
          },
          ...errorResponses(401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const projectId = request.projectId;
      const header = request.headers['last-event-id'];
      const resume = typeof header === 'string' && header !== '' ? header : request.query.after;
      if (resume !== undefined && !/^[0-9]{1,18}$/.test(resume)) {
        throw new ValidationFailed([problem('invalid_parameter', 'Last-Event-ID')]);
      }
      let cursor = resume === undefined ? 0 : Number(resume);
      const streams = open.get(projectId) ?? new Set<LiveStream>();
      if (streams.size >= limits.maxStreams) throw new HttpError(429);
      const tokenHash = request.apiTokenHash;

      // Unread events are read again from the database, never buffered without bound.
      const stream = LiveStream.open(reply, Number.MAX_SAFE_INTEGER);
      const res = reply.raw;
      streams.add(stream);
      open.set(projectId, streams);
      stream.write(': connected\n\n');

      let reading = false;
      const poll = async () => {
        if (reading || stream.closed || res.writableLength > PAUSE_BYTES) return;
        reading = true;
        try {
          for (;;) {
            // By position: given in commit order with no gaps, so nothing committed later can
            // land behind the cursor (docs/webhooks.md).
            const rows = await store.readEvents(projectId, cursor, BATCH);
            for (const row of rows) {
              stream.write(`id: ${row.position}\nevent: ${row.type}\ndata: ${eventJson(row)}\n\n`);
              cursor = row.position;
            }
            if (rows.length < BATCH || stream.closed) break;
            if (res.writableLength > PAUSE_BYTES) break;
          }
        } catch (error) {
          request.log.warn({ err: error }, 'event stream: read failed');
          stream.close('unavailable');
        } finally {
          reading = false;
        }
      };
      const timer = setInterval(() => void poll(), limits.pollMs);
      res.on('drain', () => void poll());
      // Events placed by this process's dispatcher are sent at once (others' at the next poll).
      const unlisten = onEventsPlaced(() => void poll());
      void poll();
      stream.onEnd(() => {
        clearInterval(timer);
        unlisten();
        streams.delete(stream);
        if (streams.size === 0) open.delete(projectId);
      });
      stream.heartbeat(limits.heartbeatMs, () => apiTokenStillValid(store, projectId, tokenHash));
    },
  );
}
