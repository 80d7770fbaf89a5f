import { randomUUID } from 'node:crypto';
import { newApiToken } from '../../src/auth/secrets.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { ADMIN_TOKEN, basicAuth } from './test-server.js';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked field by field
  body: any;
  ms: number;
}

/** One Conclave process of a cluster, with a JSON client bound to the cluster's project. */
export interface Member {
  process: ServerProcess;
  url: string;
  api(path: string, init?: { method?: string; body?: unknown; auth?: string }): Promise<Reply>;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Reply>;
  stop(): Promise<void>;
}

export interface Cluster {
  projectId: string;
  apiToken: string;
  members: Member[];
  stop(): Promise<void>;
}

async function call(url: string, init: { method?: string; body?: unknown; auth?: string }) {
  const started = performance.now();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.auth ? { authorization: init.auth } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    ms: performance.now() - started,
  };
}

export function member(process: ServerProcess, auth: string): Member {
  return {
    process,
    url: process.url,
    api: (path, init = {}) => call(process.url + path, { auth, ...init }),
    admin: (path, init = {}) =>
      call(process.url + '/admin/v1' + path, { ...init, auth: `Bearer ${ADMIN_TOKEN}` }),
    async stop() {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.child.kill('SIGTERM');
      }
      await process.exited;
    },
  };
}

/**
 * `size` Conclave processes (`src/main.ts`, as `npm start` runs it) started at the same moment on
 * one database, all ensuring the same project (CONCLAVE_PROJECT_ID / CONCLAVE_API_TOKEN).
 */
export async function startCluster(
  databaseUrl: string,
  size: number,
  env: Record<string, string> = {},
): Promise<Cluster> {
  const projectId = randomUUID();
  const apiToken = newApiToken();
  const auth = basicAuth(projectId, apiToken);
  const started = await Promise.allSettled(
    Array.from({ length: size }, () =>
      spawnServer({
        DATABASE_URL: databaseUrl,
        CONCLAVE_PROJECT_ID: projectId,
        CONCLAVE_API_TOKEN: apiToken,
        CONCLAVE_ADMIN_TOKEN: ADMIN_TOKEN,
        CONCLAVE_PG_POOL_SIZE: '4',
        ...env,
      }),
    ),
  );
  const members = started.flatMap((s) => (s.status === 'fulfilled' ? [member(s.value, auth)] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(members.map((m) => m.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    projectId,
    apiToken,
    members,
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

/** A conference create body; `name` is left to the server unless given. */
export function conferenceBody(i: number, name?: string) {
  return { display_name: `Conference ${i}`, ...(name ? { name } : {}) };
}
