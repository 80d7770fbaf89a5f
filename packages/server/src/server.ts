import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { LocalMediaStorage } from './media/media-storage.js';
import type { Config } from './config.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
}

/** Opens the database, ensures the bootstrap project, and listens. */
export async function startServer(config: Config): Promise<RunningServer> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqliteSynchronous: config.sqliteSynchronous,
  });
  const boot = await bootstrap(store, config);
  const app = await buildApp({
    store,
    config,
    media: new LocalMediaStorage(config.mediaDir),
    ...(config.media.enabled ? { mediaEngine: config.media } : {}),
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
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    url: config.publicUrl,
    close() {
      closing ??= (async () => {
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}
