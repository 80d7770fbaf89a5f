import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { MediaEngineOptions } from '@conclave/media';
import { buildApp } from '../../src/app.js';
import type { OutputSupervisorOptions } from '../../src/outputs/output-supervisor.js';
import type { RealtimeConfig } from '../../src/config.js';
import type { WebhookWorkerOptions } from '../../src/webhooks/webhook-worker.js';
import type { LiveFeedLimits } from '../../src/routes/conclave/live-routes.js';
import { hashSecret, newApiToken, tokenPrefix } from '../../src/auth/secrets.js';
import { newId } from '../../src/lib/ids.js';
import { LocalMediaStorage, type MediaStorage } from '../../src/media/media-storage.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Engine } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/store.js';
import { assertOfficial } from './official-spec.js';
import { createTestDatabase, testEngine } from './test-database.js';

export { testEngine };

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestProject {
  id: string;
  token: string;
  /** `Authorization` header value for this project. */
  auth: string;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Recording files, in a temporary directory removed by close(). */
  media: MediaStorage;
  project: TestProject;
  newProject(scopes?: ('video' | string)[]): Promise<TestProject>;
  /** fetch against the server with this project's credentials (JSON in and out). */
  api(path: string, init?: ApiInit): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiInit {
  method?: string;
  body?: unknown;
  /** Raw body text, sent as is. */
  rawBody?: string;
  headers?: Record<string, string>;
  project?: TestProject;
  /** Send no Authorization header. */
  anonymous?: boolean;
  /** Skip the official-schema check (for requests outside the spec, e.g. wrong methods). */
  skipSpec?: boolean;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

/** `/api/video/conferences/<id>/…` → `/api/video/conferences/{id}/…`, as the spec names paths. */
export function specTemplate(pathname: string): string {
  const parts = pathname.split('/');
  if (parts.length > 4) parts[4] = '{id}';
  return parts.join('/');
}

export function basicAuth(projectId: string, token: string): string {
  return 'Basic ' + Buffer.from(`${projectId}:${token}`).toString('base64');
}

/**
 * A store on a fresh database of the engine under test: a SQLite file by default, a schema of its
 * own in `DATABASE_URL_TEST` with `CONCLAVE_TEST_ENGINE=postgres` (or `engine`, to pick one).
 * `cleanup` drops it.
 */
export async function createTestStore(
  engine: Engine = testEngine(),
): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const database = await createTestDatabase(engine);
  const store =
    database.engine === 'postgres'
      ? createPostgresStore({ connectionString: database.url, max: 4 })
      : createSqliteStore({ filename: database.url });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    await database.drop();
    throw error;
  }
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

export async function createProject(
  store: Store,
  scopes: string[] = ['video'],
): Promise<TestProject> {
  const id = newId();
  const token = newApiToken();
  await store.createProject({ id, name: `test ${id.slice(0, 8)}`, createdAt: Date.now() });
  await store.createApiToken({
    id: newId(),
    projectId: id,
    name: 'test',
    prefix: tokenPrefix(token),
    tokenHash: hashSecret(token),
    scopes: scopes as ['video'],
    createdAt: Date.now(),
  });
  return { id, token, auth: basicAuth(id, token) };
}

/** The real app on a real port, over a real database. */
export async function startTestServer(
  options: {
    now?: () => number;
    rateLimitPerMinute?: number;
    realtime?: Partial<RealtimeConfig>;
    /** Media workers (loopback only); without it, the server carries no media. */
    media?: Partial<MediaEngineOptions>;
    /** The built pages' directory (`false`: none); by default `@conclave/web`'s. */
    webRoot?: string | false;
    /** The live feed's heartbeat and limits (`/conclave/v1/live`). */
    liveFeed?: Partial<LiveFeedLimits>;
    /** Recordings and streams (retry backoff, finish timeout, work directory). */
    outputs?: Partial<OutputSupervisorOptions>;
    /** Emulator mode (`CONCLAVE_EMULATOR=1`). */
    emulator?: boolean;
    /** Webhook deliveries (fast retries in tests; private addresses allowed unless said). */
    webhooks?: Partial<WebhookWorkerOptions>;
  } = {},
): Promise<TestServer> {
  const { store, cleanup } = await createTestStore();
  const config = {
    publicUrl: 'http://placeholder',
    adminToken: ADMIN_TOKEN,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
  };
  const mediaDir = await mkdtemp(join(tmpdir(), 'conclave-media-'));
  const media = new LocalMediaStorage(mediaDir);
  const app = await buildApp({
    store,
    config,
    media,
    ...(options.now ? { now: options.now } : {}),
    ...(options.realtime ? { realtime: options.realtime } : {}),
    ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
    ...(options.liveFeed ? { liveFeed: options.liveFeed } : {}),
    ...(options.outputs ? { outputs: options.outputs } : {}),
    ...(options.emulator ? { emulator: true } : {}),
    webhooks: { allowPrivate: true, ...options.webhooks },
    ...(options.media
      ? {
          mediaEngine: {
            workers: 1,
            addresses: ['127.0.0.1'],
            portRange: undefined,
            iceServers: [],
            keyframeIntervalMs: 500,
            ...options.media,
          },
        }
      : {}),
  });
  // Every route declares each status it may answer with (for its schema and the OpenAPI
  // document); a test fails when a route answers with one it did not declare.
  const undeclared: string[] = [];
  app.addHook('onSend', async (request, reply) => {
    const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
    if (responses && !(String(reply.statusCode) in responses)) {
      undeclared.push(`${request.method} ${request.routeOptions.url} → ${reply.statusCode}`);
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  config.publicUrl = url;
  const project = await createProject(store);

  async function api(path: string, init: ApiInit = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...init.headers };
    if (!init.anonymous && headers.authorization === undefined) {
      headers.authorization = (init.project ?? project).auth;
    }
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(path.startsWith('http') ? path : url + path, {
      method: init.method ?? 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    const pathname = new URL(path, url).pathname;
    if (!init.skipSpec && pathname.startsWith('/api/video/')) {
      assertOfficial(init.method ?? 'GET', specTemplate(pathname), response.status, parsed);
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  return {
    url,
    app,
    store,
    media,
    project,
    newProject: (scopes) => createProject(store, scopes),
    api,
    async close() {
      await app.close();
      await cleanup();
      await rm(mediaDir, { recursive: true, force: true });
      assert.deepEqual(undeclared, [], 'routes answered with statuses they do not declare');
    },
  };
}
