import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { adminRoutes } from './admin/admin-routes.js';
import { Emulator } from './emulator/emulator.js';
import { emulatorRoutes } from './emulator/emulator-routes.js';
import { faultHook } from './emulator/fault-hook.js';
import { TestClocks } from './emulator/test-clocks.js';
import { basicAuth } from './auth/basic-auth.js';
import { defaultMediaDir, REALTIME_DEFAULTS, type Config, type RealtimeConfig } from './config.js';
import type { AppContext } from './context.js';
import { registerDocsRoutes, registerOpenApi } from './docs/openapi.js';
import { installErrorHandling } from './http/error-handler.js';
import { HttpError } from './http/errors.js';
import { requireObjectBody } from './http/object-body.js';
import { createValidatorCompiler } from './http/validation.js';
import { conferenceTokensRoutes } from './routes/video/conference-tokens/conference-tokens-routes.js';
import { conferencesRoutes } from './routes/video/conferences/conferences-routes.js';
import { roomTokensRoutes } from './routes/video/room-tokens/room-tokens-routes.js';
import { roomsRoutes } from './routes/video/rooms/rooms-routes.js';
import { streamsRoutes } from './routes/video/streams/streams-routes.js';
import { roomSessionsRoutes } from './routes/video/room-sessions/room-sessions-routes.js';
import { roomRecordingsRoutes } from './routes/video/room-recordings/room-recordings-routes.js';
import { videoLogsRoutes } from './routes/video/logs/video-logs-routes.js';
import { mediaRoutes } from './routes/media/media-routes.js';
import { LocalMediaStorage, type MediaStorage } from './media/media-storage.js';
import { healthRoutes } from './routes/health-routes.js';
import { Metrics, metricsRoutes } from './metrics/metrics.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { ClusterNode, type ClusterNodeOptions } from './cluster/cluster-node.js';
import { nodesRoutes } from './cluster/nodes-routes.js';
import type { Store } from './store/store.js';
import { LiveEngine } from './realtime/live-engine.js';
import { realtimeRoutes } from './realtime/realtime-routes.js';
import { relayRoutes } from './relay/relay-routes.js';
import { RelayHub } from './relay/relay-hub.js';
import { RELAY_PATH } from './relay/relay-url.js';
import {
  OUTPUT_DEFAULTS,
  OutputSupervisor,
  type OutputSupervisorOptions,
} from './outputs/output-supervisor.js';
import { DEFAULT_WEB_ROOT, webRoutes } from './web/web-routes.js';
import { WorkerMediaEngine, type MediaEngineOptions } from '@conclave/media';
import { CONCLAVE_API_PREFIX, REALTIME_PATH } from '@conclave/schema';
import {
  LIVE_FEED_DEFAULTS,
  liveRoutes,
  type LiveFeedLimits,
} from './routes/conclave/live-routes.js';
import { moderationRoutes } from './routes/conclave/moderation-routes.js';
import { webhooksRoutes } from './routes/conclave/webhooks-routes.js';
import {
  EVENT_STREAM_DEFAULTS,
  eventStreamRoutes,
  type EventStreamLimits,
} from './routes/conclave/event-stream-routes.js';
import {
  WEBHOOK_DEFAULTS,
  WebhookWorker,
  type WebhookWorkerOptions,
} from './webhooks/webhook-worker.js';

export const BODY_LIMIT = 1024 * 1024;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export interface BuildAppOptions {
  store: Store;
  config: Pick<Config, 'publicUrl' | 'adminToken' | 'rateLimitPerMinute'>;
  logger?: FastifyServerOptions['logger'];
  now?: () => number;
  /** Recording files; by default a local directory (`CONCLAVE_MEDIA_DIR`, else `./data/media`). */
  media?: MediaStorage;
  /** Live-session settings; unset ones take their defaults (a random node id). */
  realtime?: Partial<RealtimeConfig>;
  /** Media workers (audio and video through Conclave); without it, members meet without media. */
  mediaEngine?: MediaEngineOptions;
  /** Listen with HTTPS (and wss) instead of HTTP: at least `cert` and `key`. */
  https?: HttpsServerOptions;
  /** The built pages (`/join`, `/assets/`): by default `@conclave/web`'s `dist/`; `false` serves
   *  none (and leaves `/` alone). */
  webRoot?: string | false;
  /** The live feed (`/conclave/v1/live`): heartbeat, feeds per project, unread bytes allowed. */
  liveFeed?: Partial<LiveFeedLimits>;
  /** Recordings and streams: where files are written while recording (by default
   *  `.recording/` inside a local media directory), stream retry backoff, finish timeout. */
  outputs?: Partial<OutputSupervisorOptions>;
  /** Emulator mode (`CONCLAVE_EMULATOR=1`): scripted faults, project reset and fixtures under
   *  `/admin/v1/emulator`. Off by default; needs the admin token. */
  emulator?: boolean;
  /** Webhook deliveries: SSRF allowance, retry window and backoff, timeouts, poll interval. */
  webhooks?: Partial<WebhookWorkerOptions>;
  /** The event stream (`/conclave/v1/events/stream`): poll interval, heartbeat, limits. */
  eventStream?: Partial<EventStreamLimits>;
  /** `/metrics` asks for this bearer token (`CONCLAVE_METRICS_TOKEN`); open without one. */
  metricsToken?: string | undefined;
  /** The node registry: this node's URL for the others, heartbeat interval. */
  cluster?: Partial<Pick<ClusterNodeOptions, 'url' | 'heartbeatMs'>>;
}

/** The whole HTTP application as one Fastify instance; `main.ts` only boots it. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const rt = { ...REALTIME_DEFAULTS, ...options.realtime };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // D3: keep the caller's request id when it is sane, otherwise mint one.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    routerOptions: { maxParamLength: 500 },
    // Typed as `object`: nothing here uses more of the server than HTTPS shares with HTTP.
    ...((options.https ? { https: options.https } : {}) as object),
  });
  const storage = options.media ?? new LocalMediaStorage(defaultMediaDir());
  const nodeId = rt.nodeId ?? `node-${randomUUID()}`;
  const live = new LiveEngine(
    options.store,
    now,
    {
      nodeId,
      graceMs: rt.graceMs,
      leaseMs: rt.leaseMs,
    },
    app.log,
  );
  const outputs = new OutputSupervisor(
    options.store,
    storage,
    () => live.media,
    now,
    app.log.child({ module: 'outputs' }),
    {
      ...OUTPUT_DEFAULTS,
      workDir:
        storage instanceof LocalMediaStorage
          ? join(storage.root, '.recording')
          : join(tmpdir(), 'conclave-recording'),
      ...options.outputs,
    },
  );
  live.useOutputs(outputs);
  // Emulator mode: a test clock per project, followed by its live sessions and, through
  // `ctx.now`, by the API's routes (inside a request's project: see `enterProject`).
  const clocks = options.emulator ? new TestClocks(now) : undefined;
  if (clocks) live.useClock(clocks);
  const hub = new RelayHub();
  outputs.usePins((sessionId) => hub.pinned(sessionId));
  hub.watchPins((sessionId) => outputs.pinChanged(sessionId));
  const cluster = new ClusterNode(
    options.store,
    live,
    () => live.media,
    now,
    app.log.child({ module: 'cluster' }),
    { nodeId, url: options.config.publicUrl, heartbeatMs: 5000, ...options.cluster },
  );
  app.decorate('cluster', cluster);
  const ctx: AppContext = {
    store: options.store,
    config: options.config,
    now: clocks?.requestNow ?? now,
    media: storage,
    outputs,
    live,
    cluster,
  };
  const webhooks = new WebhookWorker(options.store, now, app.log.child({ module: 'webhooks' }), {
    ...WEBHOOK_DEFAULTS,
    ...options.webhooks,
  });
  if (clocks) webhooks.useClock(clocks);
  if (options.mediaEngine) {
    const log = app.log.child({ module: 'media' });
    ctx.live.useMedia(
      new WorkerMediaEngine(options.mediaEngine, ctx.live.mediaEvents, (message, detail) =>
        log.warn(detail ?? {}, message),
      ),
    );
  }
  closeUnusedConnectionsOnClose(app);
  app.setValidatorCompiler(createValidatorCompiler());
  // Response schemas document each route (OpenAPI) but do not drive serialization: the row
  // mappers build exact wire objects, and plain JSON.stringify measured faster than the
  // schema-compiled serializer for these wide, nullable-heavy objects. The official-schema checks
  // in the test suite guard the shapes.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app, ctx.config);
  const metrics = new Metrics({
    live,
    outputs,
    media: () => live.media,
    forwarded: () => cluster.forwarded,
  });
  registerPoolMetrics(metrics.registry, options.store);
  metricsRoutes(app, metrics, options.metricsToken);
  const emulator = clocks ? new Emulator(ctx, clocks) : undefined;
  if (emulator) {
    if (!ctx.config.adminToken) throw new Error('emulator mode needs the admin token');
    app.log.warn(
      'emulator features are on (CONCLAVE_EMULATOR): scripted faults, project reset, ' +
        'fixtures and test clocks under /admin/v1/emulator — for tests, never for production',
    );
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // D4: a body is JSON whatever its Content-Type says, and no body at all is always accepted.
  const parseJson = app.getDefaultJsonParser('error', 'remove');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    parseJson(request, body as string, (error, value) => {
      done(error ? new HttpError(400) : null, value);
    });
  });

  if (ctx.config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: ctx.config.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: () => new HttpError(429),
    });
  }

  await registerOpenApi(app);
  await app.register(healthRoutes, ctx);
  await app.register(async (live) => {
    await realtimeRoutes(
      live,
      ctx.live,
      {
        heartbeatMs: rt.heartbeatMs,
        joinTimeoutMs: rt.joinTimeoutMs,
        framesPerSecond: rt.framesPerSecond,
      },
      {
        place: (token, again) => cluster.placeJoin(token, again),
        forward: (client, target, first, via) =>
          cluster.forward(client, target, first, REALTIME_PATH, via),
        unavailable: () => cluster.unavailable(),
      },
    );
    // SignalWire's browser SDK, over the same sessions (and the same WebSocket server).
    await relayRoutes(
      live,
      ctx.live,
      ctx.store,
      {
        pingMs: rt.relayPingMs,
        connectTimeoutMs: rt.joinTimeoutMs,
        framesPerSecond: rt.framesPerSecond,
        maxConnectionsPerProject: rt.relayMaxConnectionsPerProject,
        graceMs: rt.graceMs,
      },
      hub,
      {
        place: (token) => cluster.placeJoin(token),
        forward: (client, target, first) => cluster.forward(client, target, first, RELAY_PATH),
        unavailable: () => cluster.unavailable(),
      },
    );
  });
  await app.register(async (media) => mediaRoutes(media, ctx));

  await app.register(
    async (video) => {
      video.addHook('onRequest', basicAuth(ctx.store));
      if (emulator) video.addHook('onRequest', faultHook(emulator.faults));
      video.addHook('preValidation', requireObjectBody);
      if (emulator) video.addHook('preHandler', emulator.clocks.enterProject);
      await conferencesRoutes(video, ctx);
      await conferenceTokensRoutes(video, ctx);
      await roomsRoutes(video, ctx);
      await roomTokensRoutes(video, ctx);
      await streamsRoutes(video, ctx);
      await roomSessionsRoutes(video, ctx);
      await roomRecordingsRoutes(video, ctx);
      await videoLogsRoutes(video, ctx);
    },
    { prefix: '/api/video' },
  );

  // Conclave's own project-scoped API (D22): the same credentials, rate limit and error bodies.
  await app.register(
    async (conclave) => {
      conclave.addHook('onRequest', basicAuth(ctx.store));
      if (emulator) conclave.addHook('onRequest', faultHook(emulator.faults));
      conclave.addHook('preValidation', requireObjectBody);
      if (emulator) conclave.addHook('preHandler', emulator.clocks.enterProject);
      await liveRoutes(conclave, ctx, { ...LIVE_FEED_DEFAULTS, ...options.liveFeed });
      await moderationRoutes(conclave, ctx);
      await webhooksRoutes(conclave, ctx, webhooks);
      await eventStreamRoutes(conclave, ctx, { ...EVENT_STREAM_DEFAULTS, ...options.eventStream });
    },
    { prefix: CONCLAVE_API_PREFIX },
  );

  await app.register(
    async (admin) => {
      admin.addHook('preValidation', requireObjectBody);
      await adminRoutes(admin, ctx);
      await nodesRoutes(admin, cluster);
      if (emulator) await emulatorRoutes(admin, ctx, emulator);
    },
    { prefix: '/admin/v1' },
  );

  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT;
  if (webRoot !== false) await app.register(async (web) => webRoutes(web, webRoot));

  await registerDocsRoutes(app);
  // Once serving: end what an earlier run of this node left in progress, then keep the lease.
  app.addHook('onListen', async () => {
    await ctx.live.start().catch((error: unknown) => {
      app.log.error({ err: error }, 'live sessions: the startup sweep failed');
    });
    webhooks.start();
    await cluster.start().catch((error: unknown) => {
      app.log.error({ err: error }, 'node registry: not registered');
    });
  });
  // Attempts in flight finish and are recorded before the store closes.
  app.addHook('onClose', () => webhooks.stop());
  app.addHook('onClose', () => cluster.stop());
  return app;
}

/**
 * On close, connections that never sent a byte are closed with the idle ones
 * (`forceCloseConnections: 'idle'`). Node counts such a connection as neither idle nor busy, so
 * `close()` would wait for its headers timeout (60 s or more) — and fetch (undici) opens one
 * ahead of need when a pooled connection goes, as when a live feed's reader stops or the server
 * closes the idle ones. Nothing is in flight on them; requests in flight still finish (D21). One
 * that opens while the server is closing gets half a second to say something.
 */
function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  let closing = false;
  const closeIfUnused = (socket: Socket) => {
    if (socket.bytesRead === 0) socket.destroy();
  };
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (closing) setTimeout(() => closeIfUnused(socket), 500).unref();
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of sockets) closeIfUnused(socket);
  });
}
