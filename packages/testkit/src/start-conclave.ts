import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type Store } from '@conclave/server';
import { freePort } from './free-port.js';

export interface Conclave {
  /** `http://127.0.0.1:PORT` */
  url: string;
  projectId: string;
  apiToken: string;
  adminToken: string;
  /** The server's store: the live-session engine's write operations (sessions, recordings). */
  store: Store;
  /** `CONCLAVE_MEDIA_DIR`: where recording files live (`recordings/<project>/<id>.<ext>`). */
  mediaDir: string;
  /** Stops the server and removes its database and media files. */
  close(): Promise<void>;
}

export interface StartConclaveOptions {
  /** `CONCLAVE_RATE_LIMIT`, requests per minute; default 0, no limit. */
  rateLimitPerMinute?: number;
  /** `CONCLAVE_ADMIN_TOKEN`; default a random one. */
  adminToken?: string;
  /** Media workers (`CONCLAVE_MEDIA_WORKERS`) and announced addresses
   *  (`CONCLAVE_MEDIA_ADDRESSES`); default: the server's defaults. */
  media?: { workers?: number; addresses?: string };
  /** `CONCLAVE_EMULATOR=1`: scripted faults, project reset and fixtures (docs/emulator.md). */
  emulator?: boolean;
}

/**
 * The real server (`startServer`, as `conclave serve` runs it) on a fresh SQLite file in its own
 * temporary directory, listening on 127.0.0.1 with one project and its API token.
 *
 * @example
 * const server = await startConclave();
 * after(() => server.close());
 * const client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
 */
export async function startConclave(options: StartConclaveOptions = {}): Promise<Conclave> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-test-'));
  const mediaDir = join(dir, 'media');
  const port = await freePort();
  const projectId = randomUUID();
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const adminToken = options.adminToken ?? `admin-${randomBytes(12).toString('hex')}`;
  const server = await startServer(
    loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'conclave.sqlite'),
      CONCLAVE_PROJECT_ID: projectId,
      CONCLAVE_API_TOKEN: apiToken,
      CONCLAVE_ADMIN_TOKEN: adminToken,
      CONCLAVE_RATE_LIMIT: String(options.rateLimitPerMinute ?? 0),
      LOG_LEVEL: 'silent',
      CONCLAVE_MEDIA_DIR: mediaDir,
      // Webhook receivers in tests listen on 127.0.0.1.
      CONCLAVE_WEBHOOKS_ALLOW_PRIVATE: '1',
      ...(options.emulator ? { CONCLAVE_EMULATOR: '1' } : {}),
      ...(options.media?.workers === undefined
        ? {}
        : { CONCLAVE_MEDIA_WORKERS: String(options.media.workers) }),
      ...(options.media?.addresses === undefined
        ? {}
        : { CONCLAVE_MEDIA_ADDRESSES: options.media.addresses }),
    }),
  );
  return {
    url: server.url,
    projectId,
    apiToken,
    adminToken,
    store: server.store,
    mediaDir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
