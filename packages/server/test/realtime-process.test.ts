/**
 * Live sessions across process lifetimes: a server killed mid-session, a graceful stop, a host that
 * never comes back, and two processes sharing one database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSE_CODES } from '@conclave/schema';
import { newApiToken } from '../src/auth/secrets.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { basicAuth } from './helpers/test-server.js';

const projectId = randomUUID();
const apiToken = newApiToken();
const auth = basicAuth(projectId, apiToken);
let db: TestDatabase;
const running = new Set<ServerProcess>();

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  for (const s of running) s.child.kill('SIGKILL');
  await Promise.all([...running].map((s) => s.exited));
  await db.drop();
});

async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await spawnServer({
    DATABASE_URL: db.url,
    CONCLAVE_PROJECT_ID: projectId,
    CONCLAVE_API_TOKEN: apiToken,
    CONCLAVE_RECONNECT_GRACE_MS: '300',
    ...env,
  });
  running.add(server);
  void server.exited.then(() => running.delete(server));
  return server;
}

async function api(server: ServerProcess, path: string, init: RequestInit = {}) {
  const res = await fetch(server.url + path, {
    ...init,
    headers: { authorization: auth, 'content-type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function conference(server: ServerProcess) {
  const created = await api(server, '/api/video/conferences', {
    method: 'POST',
    body: JSON.stringify({ name: `proc_${randomUUID().slice(0, 8)}`, display_name: 'Proc' }),
  });
  assert.equal(created.status, 200);
  const tokens = await api(server, `/api/video/conferences/${created.body.id}/conference_tokens`);
  return { id: created.body.id as string, token: tokens.body.data[0].token as string };
}

async function presentMembers(server: ServerProcess, sessionId: string) {
  const res = await api(server, `/api/video/room_sessions/${sessionId}/members`);
  return (res.body.data as { leave_time: string | null }[]).filter((m) => m.leave_time === null)
    .length;
}

describe('live sessions and the server process', () => {
  it('a server killed mid-session ends that session when it starts again', async () => {
    const first = await start({ CONCLAVE_NODE_ID: 'node-restart' });
    const conf = await conference(first);
    const members = await Promise.all(
      [1, 2, 3].map((i) => TestMember.join(first.url, conf.token, { name: `m${i}` })),
    );
    const session = members[0]!.joined!.session.id;
    await eventually(async () => assert.equal(await presentMembers(first, session), 3));
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    for (const m of members) assert.equal((await m.closed).code, 1006);

    const second = await start({ CONCLAVE_NODE_ID: 'node-restart' });
    const ended = await eventually(async () => {
      const res = await api(second, `/api/video/room_sessions/${session}`);
      assert.equal(res.body.status, 'completed');
      return res.body;
    });
    assert.ok(Date.parse(ended.end_time) <= killedAt + 1000, 'ends when the old process died');
    assert.equal(await presentMembers(second, session), 0, 'everyone has left');
    const active = await api(
      second,
      `/api/video/conferences/${conf.id}?include_active_session=true`,
    );
    assert.equal(active.body.active_session, undefined);
    // People can come back: a new session.
    const back = await TestMember.join(second.url, conf.token);
    assert.notEqual(back.joined!.session.id, session);
    back.drop();
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('SIGTERM ends every live session, tells its members (1001) and exits 0', async () => {
    const server = await start();
    const conf = await conference(server);
    const a = await TestMember.join(server.url, conf.token);
    const session = a.joined!.session.id;
    server.child.kill('SIGTERM');
    assert.equal((await a.closed).code, 1001);
    assert.deepEqual(await server.exited, { code: 0, signal: null });

    const again = await start();
    const res = await api(again, `/api/video/room_sessions/${session}`);
    assert.equal(res.body.status, 'completed');
    again.child.kill('SIGTERM');
    await again.exited;
  });

  it('a session whose host never comes back ends when its lease runs out', async () => {
    const lease = { CONCLAVE_SESSION_LEASE_MS: '2000' };
    const doomed = await start({ ...lease, CONCLAVE_NODE_ID: 'node-gone' });
    const other = await start({ ...lease, CONCLAVE_NODE_ID: 'node-other' });
    const conf = await conference(doomed);
    const m = await TestMember.join(doomed.url, conf.token);
    const session = m.joined!.session.id;
    await eventually(async () => assert.equal(await presentMembers(doomed, session), 1));

    // While its host lives, another process opens no second session for it: on PostgreSQL it
    // carries the join on to the host (one session); on SQLite, with no bus, it refuses.
    const through = await TestMember.join(other.url, conf.token).catch((e: unknown) => e);
    if (db.engine === 'postgres') {
      assert.equal((through as TestMember).joined!.session.id, session);
    } else {
      assert.equal((through as { code: number }).code, CLOSE_CODES.hosted_elsewhere);
    }

    // The lease is renewed: still in progress after several lease periods.
    await sleep(4500);
    const live = await api(other, `/api/video/room_sessions/${session}`);
    assert.equal(live.body.status, 'in-progress');

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // The member carried on to it is told its host is gone, and may join again.
    if (db.engine === 'postgres') assert.equal((await (through as TestMember).closed).code, 1012);
    await eventually(async () => {
      const res = await api(other, `/api/video/room_sessions/${session}`);
      assert.equal(res.body.status, 'completed');
    });
    const moved = await TestMember.join(other.url, conf.token);
    assert.notEqual(moved.joined!.session.id, session);
    moved.drop();
    other.child.kill('SIGTERM');
    await other.exited;
  });
});
