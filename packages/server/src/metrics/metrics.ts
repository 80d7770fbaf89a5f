import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MediaEngine, MediaStats } from '@conclave/media';
import { secretsEqual } from '../auth/secrets.js';
import { HttpError } from '../http/errors.js';
import type { OutputSupervisor } from '../outputs/output-supervisor.js';
import type { LiveEngine } from '../realtime/live-engine.js';
import { onQueryTimed } from '../store/query-timing.js';

/** What the metrics read at each scrape. */
export interface MetricsSources {
  live: LiveEngine;
  outputs: OutputSupervisor;
  /** The media engine in use now (it may be set after the metrics are made). */
  media: () => MediaEngine;
  /** Realtime connections carried on to the node hosting their session, since start. */
  forwarded: () => number;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

let processRegistry: Registry | undefined;

/** The process's own metrics (CPU, memory, event loop, GC): collected once per process, however
 *  many apps it builds (their monitors are never stopped), and served with each app's. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'conclave_' });
  }
  return processRegistry;
}

/**
 * One registry per app (tests build several apps in one process). Counters the engines keep
 * themselves (media packets) are read at scrape time and exposed as counters by their growth;
 * a restarted media worker starts its count again, which Prometheus' rate() reads as a reset.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly joins: Counter;
  readonly refusals: Counter<'reason'>;
  readonly #stopTiming: () => void;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'conclave_http_request_duration_seconds',
      help: 'HTTP requests by route (its pattern), method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    const dbDuration = new Histogram({
      name: 'conclave_db_query_duration_seconds',
      help: 'Database queries run through the query builder, by outcome',
      labelNames: ['outcome'],
      buckets: DB_BUCKETS,
      registers,
    });
    this.#stopTiming = onQueryTimed((seconds, failed) =>
      dbDuration.observe({ outcome: failed ? 'error' : 'ok' }, seconds),
    );
    this.joins = new Counter({
      name: 'conclave_joins_total',
      help: 'Members admitted into live sessions on this node',
      registers,
    });
    this.refusals = new Counter({
      name: 'conclave_join_refusals_total',
      help: 'Joins refused on this node, by reason (the close reason the client is sent)',
      labelNames: ['reason'],
      registers,
    });
    sources.live.onJoinOutcome((refusal) => {
      if (refusal === undefined) this.joins.inc();
      else this.refusals.inc({ reason: refusal });
    });
    let forwardedSeen = 0;
    new Counter({
      name: 'conclave_realtime_forwarded_total',
      help: 'Realtime connections carried on to the node hosting their session (several nodes)',
      registers,
      collect() {
        const now = sources.forwarded();
        if (now > forwardedSeen) this.inc(now - forwardedSeen);
        forwardedSeen = now;
      },
    });
    new Gauge({
      name: 'conclave_live_sessions',
      help: 'Live sessions hosted on this node',
      registers,
      collect() {
        this.set(sources.live.load().sessions);
      },
    });
    new Gauge({
      name: 'conclave_live_members',
      help: 'Members of the live sessions hosted on this node (reconnecting ones included)',
      registers,
      collect() {
        this.set(sources.live.load().members);
      },
    });
    new Gauge({
      name: 'conclave_outputs_running',
      help: 'Recordings and streams running on this node, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        const running = sources.outputs.running();
        this.set({ kind: 'recording' }, running.recordings);
        this.set({ kind: 'stream' }, running.streams);
      },
    });
    // One stats round-trip to the workers per scrape: every media metric's collect() is called in
    // the same turn of a scrape and awaits the same answer.
    let pending: Promise<MediaStats> | undefined;
    const mediaStats = () =>
      (pending ??= sources
        .media()
        .stats()
        .finally(() => {
          pending = undefined;
        }));
    new Gauge({
      name: 'conclave_media_workers',
      help: 'Media worker threads (0 without media)',
      registers,
      async collect() {
        this.set((await mediaStats()).workers.length);
      },
    });
    new Gauge({
      name: 'conclave_media_transports',
      help: 'Peer connections open in the media workers',
      registers,
      async collect() {
        this.set((await mediaStats()).total.transports);
      },
    });
    /** A counter of a total the workers keep, exposed by its growth since the last scrape. */
    const growth = (read: (stats: MediaStats) => number) => {
      let seen = 0;
      return (stats: MediaStats, add: (by: number) => void) => {
        const now = read(stats);
        // Lower than last time: a worker restarted and counts again from zero.
        const by = now >= seen ? now - seen : now;
        if (by > 0) add(by);
        seen = now;
      };
    };
    const packetsIn = growth((stats) => stats.total.packetsIn);
    const packetsOut = growth((stats) => stats.total.packetsOut);
    new Counter({
      name: 'conclave_media_packets_total',
      help: 'RTP packets received from publishers (in) and forwarded to subscribers (out)',
      labelNames: ['direction'],
      registers,
      async collect() {
        const stats = await mediaStats();
        packetsIn(stats, (by) => this.inc({ direction: 'in' }, by));
        packetsOut(stats, (by) => this.inc({ direction: 'out' }, by));
      },
    });
    const bytesOut = growth((stats) => stats.total.bytesOut);
    new Counter({
      name: 'conclave_media_bytes_out_total',
      help: 'Bytes of media forwarded to subscribers (rate() of it is the outgoing bitrate)',
      registers,
      async collect() {
        bytesOut(await mediaStats(), (by) => this.inc(by));
      },
    });
  }

  close(): void {
    this.#stopTiming();
    this.registry.clear();
  }
}

/**
 * `GET /metrics` in Prometheus' text format, and the timing of every request. With a token
 * (`CONCLAVE_METRICS_TOKEN`) a scrape must bring it as a bearer token.
 */
export function metricsRoutes(app: FastifyInstance, metrics: Metrics, token: string | undefined) {
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, never the raw URL: ids in paths would make a series per resource.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onClose', async () => metrics.close());
  app.get(
    '/metrics',
    {
      schema: { hide: true },
    },
    async (request, reply) => {
      if (token) {
        const given = request.headers.authorization ?? '';
        const bearer = given.startsWith('Bearer ') ? given.slice(7) : '';
        if (!secretsEqual(bearer, token)) throw new HttpError(401);
      }
      const text = (await metrics.registry.metrics()) + (await processMetrics().metrics());
      reply.type(metrics.registry.contentType);
      return text;
    },
  );
}
