import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import type { SessionWrite } from '../src/store/store.js';
import { eventually } from './helpers/eventually.js';
import { createTestDatabase, testEngine } from './helpers/test-database.js';
import { createProject, createTestStore } from './helpers/test-server.js';

const skip = testEngine() !== 'postgres' ? { skip: 'runs in the PostgreSQL pass' } : {};

describe('webhook deliveries on several nodes', skip, () => {
  it('two processes on one database deliver each event once, in order per session', async () => {
    const database = await createTestDatabase('postgres');
    const stores = [0, 1].map(() =>
      createPostgresStore({ connectionString: database.url, max: 4 }),
    );
    const apps: FastifyInstance[] = [];
    const received: { id: string; session: string; node: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', async () => {
        const event = JSON.parse(body) as {
          id: string;
          object: { id: string; room_session_id?: string };
        };
        received.push({
          id: event.id,
          session: event.object.room_session_id ?? event.object.id,
          node: String(req.headers['user-agent']),
        });
        // Slow enough that both workers have deliveries in flight at once.
        await sleep(2);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await stores[0]!.migrate();
      await stores[1]!.migrate();
      const project = await createProject(stores[0]!);
      await stores[0]!.createWebhookEndpoint(project.id, {
        id: randomUUID(),
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        description: null,
        eventTypes: ['*'],
        enabled: true,
        secret: 'whsec_test',
        createdAt: Date.now() - 1000,
      });
      for (const store of stores) {
        const app = await buildApp({
          store,
          config: { publicUrl: 'http://placeholder', adminToken: undefined, rateLimitPerMinute: 0 },
          webRoot: false,
          webhooks: { allowPrivate: true, pollMs: 5, batch: 10 },
        });
        await app.listen({ port: 0, host: '127.0.0.1' });
        apps.push(app);
      }
      // Six sessions of ten members, written interleaved through both processes' stores.
      const sessions = Array.from({ length: 6 }, () => {
        const sessionId = randomUUID();
        const writes: SessionWrite[] = [
          {
            kind: 'start',
            session: {
              id: sessionId,
              projectId: project.id,
              name: sessionId,
              startTime: Date.now(),
            },
          },
        ];
        for (let i = 0; i < 10; i++) {
          writes.push({
            kind: 'member',
            member: {
              id: randomUUID(),
              projectId: project.id,
              roomSessionId: sessionId,
              name: null,
              joinTime: Date.now(),
            },
          });
        }
        writes.push({ kind: 'end', projectId: project.id, sessionId, at: Date.now() + 1 });
        return writes;
      });
      for (let i = 0; i < sessions[0]!.length; i++) {
        await Promise.all(
          sessions.map((writes, s) => stores[s % 2]!.applySessionWrites([writes[i]!])),
        );
      }
      const events = await stores[0]!.listEvents(project.id, 0, 10_000);
      // start, ten joins, ten leaves at the end, end: per session.
      assert.equal(events.length, 6 * 22);
      await eventually(async () => assert.equal(received.length, events.length), 20_000);
      // Nothing more comes: no event was sent twice.
      await sleep(200);
      assert.equal(received.length, events.length);
      assert.equal(new Set(received.map((r) => r.id)).size, events.length);
      const bySession = new Map<string, number[]>();
      for (const r of received)
        bySession.set(r.session, [...(bySession.get(r.session) ?? []), Number(r.id)]);
      for (const [session, ids] of bySession) {
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
          `session ${session} in order`,
        );
      }
    } finally {
      for (const app of apps) await app.close();
      for (const store of stores) await store.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await database.drop();
    }
  });
});

describe('a worker that dies mid-delivery', () => {
  it('loses nothing: its claims lapse and another worker delivers them', async () => {
    const { store, cleanup } = await createTestStore();
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push((JSON.parse(body) as { id: string }).id);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    let app: FastifyInstance | undefined;
    try {
      const project = await createProject(store);
      await store.createWebhookEndpoint(project.id, {
        id: randomUUID(),
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        description: null,
        eventTypes: ['*'],
        enabled: true,
        secret: 'whsec_test',
        createdAt: Date.now() - 1000,
      });
      const sessionId = randomUUID();
      await store.applySessionWrites([
        {
          kind: 'start',
          session: { id: sessionId, projectId: project.id, name: sessionId, startTime: Date.now() },
        },
        { kind: 'end', projectId: project.id, sessionId, at: Date.now() + 1 },
      ]);
      // The worker that dies: it claims the first delivery, then is gone without a word.
      const now = Date.now();
      // Another test's dispatcher on the same PostgreSQL database may hold the turn a moment.
      let round = await store.dispatchEvents(now, 100);
      while (!round) {
        await sleep(20);
        round = await store.dispatchEvents(now, 100);
      }
      assert.deepEqual(round, { events: 2, deliveries: 2 });
      const claimed = await store.claimDeliveries(now, 6000, 10);
      assert.deepEqual(
        claimed.map((c) => c.event.type),
        ['session.started'],
        'the later one waits for the earlier (same session)',
      );
      app = await buildApp({
        store,
        config: { publicUrl: 'http://placeholder', adminToken: undefined, rateLimitPerMinute: 0 },
        webRoot: false,
        webhooks: { allowPrivate: true, pollMs: 10, leaseMs: 400 },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      await sleep(300);
      assert.ok(Date.now() < now + 6000, 'still within the dead worker’s claim');
      assert.deepEqual(received, [], "nothing while the dead worker's claim holds");
      await eventually(async () => assert.equal(received.length, 2), 15_000);
      const events = await store.readEvents(project.id, 0, 10);
      assert.deepEqual(
        received,
        events.map((e) => String(e.position)),
      );
    } finally {
      await app?.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await cleanup();
    }
  });
});
