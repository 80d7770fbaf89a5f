import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { hashSecret, newApiToken, tokenPrefix } from '../../src/auth/secrets.js';
import { newId } from '../../src/lib/ids.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

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
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export function basicAuth(projectId: string, token: string): string {
  return 'Basic ' + Buffer.from(`${projectId}:${token}`).toString('base64');
}

/** A store on a fresh database of the engine under test (SQLite file by default). */
export async function createTestStore(): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-test-'));
  const store = createSqliteStore({ filename: join(dir, 'test.sqlite') });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
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
  options: { now?: () => number; rateLimitPerMinute?: number } = {},
): Promise<TestServer> {
  const { store, cleanup } = await createTestStore();
  const config = {
    publicUrl: 'http://placeholder',
    adminToken: ADMIN_TOKEN,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
  };
  const app = await buildApp({ store, config, ...(options.now ? { now: options.now } : {}) });
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
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  return {
    url,
    app,
    store,
    project,
    newProject: (scopes) => createProject(store, scopes),
    api,
    async close() {
      await app.close();
      await cleanup();
    },
  };
}
