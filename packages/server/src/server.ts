import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ClusterBus } from './cluster/cluster-bus.js';
import { NatsTransport, PgNotifyTransport } from './cluster/bus-transports.js';
import { bootstrap } from './bootstrap.js';
import { LocalMediaStorage } from './media/media-storage.js';
import type { Config, TlsConfig } from './config.js';
import { openStore } from './store/open-store.js';
import { DEFAULT_WEB_ROOT, joinPageBuilt } from './web/web-routes.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
  /** Takes no new session (`/readyz` 503 `draining`) and waits up to `CONCLAVE_DRAIN_MS` for the
   *  live ones to finish; `close()` ends those still live. */
  drain(): Promise<void>;
}

/** Reads the certificate and key, and checks that they make a usable pair. */
export function readTls(tls: TlsConfig): { cert: Buffer; key: Buffer } {
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${name}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const pair = {
    cert: read('CONCLAVE_TLS_CERT', tls.certFile),
    key: read('CONCLAVE_TLS_KEY', tls.keyFile),
  };
  try {
    createSecureContext(pair);
  } catch (error) {
    throw new Error(
      `CONCLAVE_TLS_CERT and CONCLAVE_TLS_KEY are not a usable PEM certificate and key: ${(error as Error).message}`,
    );
  }
  return pair;
}

/** Opens the database, ensures the bootstrap project, and listens (HTTPS with `config.tls`). */
export async function startServer(config: Config): Promise<RunningServer> {
  // Before the database: a bad certificate is a startup error that changes nothing.
  const https = config.tls ? readTls(config.tls) : undefined;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqliteSynchronous: config.sqliteSynchronous,
    postgres: config.postgres,
  });
  const boot = await bootstrap(store, config);
  const app = await buildApp({
    store,
    config,
    media: new LocalMediaStorage(config.mediaDir),
    ...(config.media.enabled ? { mediaEngine: config.media } : {}),
    ...(https ? { https } : {}),
    emulator: config.emulator,
    webhooks: config.webhooks,
    metricsToken: config.metricsToken,
    cluster: { url: config.cluster.nodeUrl, heartbeatMs: config.cluster.heartbeatMs },
    realtime: {
      ...config.realtime,
      // Stable across restarts, so a restarted server ends what it left in progress at once.
      nodeId:
        config.realtime.nodeId ?? (config.port === 0 ? undefined : `${hostname()}:${config.port}`),
    },
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  });
  if (config.cluster.bus !== 'none') {
    const log = app.log.child({ module: 'cluster' });
    const transport =
      config.cluster.bus === 'nats'
        ? new NatsTransport(config.cluster.natsUrl, config.databaseUrl, log)
        : new PgNotifyTransport(config.databaseUrl, log);
    app.cluster.useBus(new ClusterBus(transport, app.cluster.id, log));
  }
  if (boot.created) {
    // Shown once, on the terminal and never through the logger: logs must not hold secrets.
    process.stdout.write(
      `\nConclave created a project for this database. Keep these; the token is not shown again.\n` +
        `  Project ID: ${boot.created.projectId}\n` +
        `  API token:  ${boot.created.apiToken}\n\n`,
    );
  }
  app.server.maxConnections = config.maxConnections;
  app.server.keepAliveTimeout = 65_000;
  app.server.requestTimeout = 30_000;
  await app.listen({ port: config.port, host: config.host });
  const joinPage = `${config.publicUrl}/join`;
  if (await joinPageBuilt(DEFAULT_WEB_ROOT)) {
    app.log.info({ url: joinPage }, `join page at ${joinPage}`);
    const consolePage = `${config.publicUrl}/console`;
    app.log.info({ url: consolePage }, `console at ${consolePage}`);
  } else {
    app.log.warn(
      { url: joinPage, webRoot: DEFAULT_WEB_ROOT },
      'the web pages are not built (run npm run build): /join answers 503',
    );
  }
  // SIGHUP reloads a renewed certificate (Let's Encrypt); a bad one is logged and the old one kept.
  const reload = () => {
    try {
      (app.server as unknown as HttpsServer).setSecureContext(readTls(config.tls!));
      app.log.info({ cert: config.tls!.certFile }, 'TLS certificate reloaded');
    } catch (error) {
      app.log.error({ err: error }, 'TLS certificate not reloaded; the previous one stays');
    }
  };
  if (config.tls) process.on('SIGHUP', reload);
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    url: config.publicUrl,
    async drain() {
      const sessions = app.cluster.load();
      app.log.info({ sessions, drainMs: config.cluster.drainMs }, 'draining');
      const left = await app.cluster.drainFor(config.cluster.drainMs);
      if (left > 0) app.log.info({ sessions: left }, 'drain time is up: ending the sessions left');
    },
    close() {
      closing ??= (async () => {
        process.off('SIGHUP', reload);
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}
