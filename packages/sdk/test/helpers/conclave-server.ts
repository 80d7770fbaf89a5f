import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type Store } from '@conclave/server';

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
  close(): Promise<void>;
}

/** A port that was free a moment ago, so the server's links carry its real address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The real server (`startServer`, as `conclave serve` runs it) on a fresh SQLite file. */
export async function startConclave(
  options: {
    rateLimitPerMinute?: number;
    /** Media workers (`CONCLAVE_MEDIA_WORKERS`) and announced addresses
     *  (`CONCLAVE_MEDIA_ADDRESSES`); default: the server's defaults. */
    media?: { workers?: number; addresses?: string };
  } = {},
): Promise<Conclave> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-sdk-test-'));
  const port = await freePort();
  const projectId = randomUUID();
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
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
      CONCLAVE_MEDIA_DIR: join(dir, 'media'),
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
    mediaDir: join(dir, 'media'),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
