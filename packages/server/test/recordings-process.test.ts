/**
 * Recordings across the server process's life: SIGTERM finishes the files and completes the rows
 * before the process exits; a killed process leaves nothing `recording` once it starts again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newApiToken } from '../src/auth/secrets.js';
import { eventually } from './helpers/eventually.js';
import { MediaPeer } from './helpers/media-peer.js';
import { TestMember } from './helpers/realtime-client.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { basicAuth } from './helpers/test-server.js';

const projectId = randomUUID();
const apiToken = newApiToken();
const auth = basicAuth(projectId, apiToken);
const ADMIN = 'recordings-process-admin-token';
let db: TestDatabase;
let mediaDir: string;
const running = new Set<ServerProcess>();
const peers: MediaPeer[] = [];

before(async () => {
  db = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'conclave-rec-process-'));
});
after(async () => {
  for (const p of peers.splice(0)) await p.close().catch(() => undefined);
  for (const s of running) s.child.kill('SIGKILL');
  await Promise.all([...running].map((s) => s.exited));
  await db.drop();
  await rm(mediaDir, { recursive: true, force: true });
});

async function start(nodeId: string): Promise<ServerProcess> {
  const server = await spawnServer({
    DATABASE_URL: db.url,
    CONCLAVE_PROJECT_ID: projectId,
    CONCLAVE_API_TOKEN: apiToken,
    CONCLAVE_NODE_ID: nodeId,
    CONCLAVE_MEDIA_DIR: mediaDir,
    CONCLAVE_MEDIA_WORKERS: '1',
    CONCLAVE_MEDIA_ADDRESSES: '127.0.0.1',
    CONCLAVE_RECONNECT_GRACE_MS: '300',
    CONCLAVE_ADMIN_TOKEN: ADMIN,
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

async function recordedSession(server: ServerProcess) {
  const created = await api(server, '/api/video/conferences', {
    method: 'POST',
    body: JSON.stringify({ name: `rp_${randomUUID().slice(0, 8)}`, display_name: 'Proc' }),
  });
  assert.equal(created.status, 200);
  const tokens = await api(server, `/api/video/conferences/${created.body.id}/conference_tokens`);
  const moderator = (tokens.body.data as { name: string; token: string }[]).find(
    (t) => t.name === 'Moderator',
  )!.token;
  const member = await TestMember.join(server.url, moderator, { name: 'Ada' });
  const peer = new MediaPeer(member);
  peers.push(peer);
  await peer.startPublishing();
  const started = await member.request({ type: 'recording.start' });
  const id = (started as { recording_id?: string }).recording_id;
  assert.ok(id, JSON.stringify(started));
  // Media reaches the encoder (counted by the media workers).
  await eventually(async () => {
    const res = await fetch(`${server.url}/admin/v1/media`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const { total } = (await res.json()) as { total: { outputPackets?: number } };
    assert.ok((total.outputPackets ?? 0) > 150, `${total.outputPackets} packets`);
  }, 20_000);
  return { id, peer };
}

describe('recordings and the server process', { timeout: 120_000 }, () => {
  it('SIGTERM finishes the file and completes the row before the process exits', async () => {
    const server = await start('rec-term');
    const { id, peer } = await recordedSession(server);
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    await peer.close();

    const again = await start('rec-term');
    const row = await api(again, `/api/video/room_recordings/${id}`);
    assert.equal(row.body.status, 'completed', JSON.stringify(row.body));
    assert.ok(typeof row.body.uri === 'string', 'the file is there');
    assert.ok(row.body.size_in_bytes > 0);
    const events = await api(again, `/api/video/room_recordings/${id}/events`);
    const ended = (events.body.data as { name: string; payload: { status: string } }[]).find(
      (e) => e.name === 'recording.ended',
    );
    assert.equal(ended?.payload.status, 'completed');
    const file = await fetch(row.body.uri as string);
    assert.equal(file.status, 200);
    again.child.kill('SIGTERM');
    await again.exited;
  });

  it('a killed process leaves no recording stuck in recording after it starts again', async () => {
    const server = await start('rec-kill');
    const { id, peer } = await recordedSession(server);
    server.child.kill('SIGKILL');
    await server.exited;
    await peer.close();

    const again = await start('rec-kill');
    const row = await eventually(async () => {
      const res = await api(again, `/api/video/room_recordings/${id}`);
      assert.equal(res.body.status, 'completed', JSON.stringify(res.body));
      return res.body;
    });
    assert.notEqual(row.finished_at, null);
    const events = await api(again, `/api/video/room_recordings/${id}/events`);
    const ended = (
      events.body.data as { name: string; payload: { status: string; reason?: string } }[]
    ).find((e) => e.name === 'recording.ended');
    assert.equal(ended?.payload.status, 'error');
    assert.match(ended?.payload.reason ?? '', /stopped/);
    again.child.kill('SIGTERM');
    await again.exited;
  });
});
