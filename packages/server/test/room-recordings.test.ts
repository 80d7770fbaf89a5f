import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrors, newRoom, startSession, walk } from './helpers/sessions.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

let clockMs = Date.UTC(2026, 3, 1, 12);
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => clockMs });
});
after(async () => {
  await server.close();
});

const T0 = Date.UTC(2026, 3, 1, 9);
let counter = 0;
const tick = () => T0 + ++counter * 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

/** A session with one finished recording, its file written through MediaStorage. */
async function recorded(
  options: { project?: TestProject; data?: string; format?: string; finish?: boolean } = {},
) {
  const project = options.project ?? server.project;
  const sessionId = await startSession(server, { name: 'recorded', startTime: tick() }, project);
  const id = randomUUID();
  const startedAt = tick();
  assert.equal(
    await server.store.startRecording({
      id,
      projectId: project.id,
      roomSessionId: sessionId,
      startedAt,
    }),
    true,
  );
  const finishedAt = startedAt + 125_000;
  const data = options.data ?? `recording ${id}`;
  const format = options.format ?? 'video/mp4';
  if (options.finish !== false) {
    const key = `recordings/${project.id}/${id}.mp4`;
    const { size } = await server.media.put(key, Buffer.from(data));
    assert.equal(
      await server.store.finishRecording(project.id, id, {
        finishedAt,
        sizeInBytes: size,
        format,
        storageKey: key,
      }),
      true,
    );
  }
  return {
    id,
    sessionId,
    startedAt,
    finishedAt,
    data,
    format,
    key: `recordings/${project.id}/${id}.mp4`,
  };
}

describe('GET /api/video/room_recordings/{id}', () => {
  it('returns a recording with a signed uri that serves the file', async () => {
    const r = await recorded({ data: 'the file bytes' });
    const res = await server.api(`/api/video/room_recordings/${r.id}`);
    assert.equal(res.status, 200);
    const { uri, ...rest } = res.body;
    assert.deepEqual(rest, {
      id: r.id,
      room_session_id: r.sessionId,
      status: 'completed',
      started_at: iso(r.startedAt),
      finished_at: iso(r.finishedAt),
      duration: 125,
      size_in_bytes: 14,
      format: 'video/mp4',
      cost_in_dollars: 0,
      created_at: iso(r.startedAt),
      updated_at: iso(r.finishedAt),
    });
    const url = new URL(uri);
    assert.equal(`${url.origin}${url.pathname}`, `${server.url}/media/recordings/${r.id}`);
    assert.equal(url.searchParams.get('expires'), String(clockMs / 1000 + 900));
    const file = await fetch(uri);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'video/mp4');
    assert.equal(await file.text(), 'the file bytes');
  });

  it('bounds the link by media_ttl and refuses it once expired', async () => {
    const r = await recorded({ format: 'audio/webm' });
    const res = await server.api(`/api/video/room_recordings/${r.id}?media_ttl=60`);
    const uri: string = res.body.uri;
    assert.equal(new URL(uri).searchParams.get('expires'), String(clockMs / 1000 + 60));
    const saved = clockMs;
    try {
      clockMs = saved + 60_000; // the last valid second
      const ok = await fetch(uri);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'audio/webm');
      await ok.arrayBuffer();
      clockMs = saved + 61_000;
      const expired = await fetch(uri);
      assert.equal(expired.status, 403);
      assert.deepEqual(await expired.json(), { error: 'Forbidden' });
    } finally {
      clockMs = saved;
    }
    const zero = await server.api(`/api/video/room_recordings/${r.id}?media_ttl=0`);
    assert.equal(new URL(zero.body.uri).searchParams.get('expires'), String(clockMs / 1000));
    const week = await server.api(`/api/video/room_recordings/${r.id}?media_ttl=604800`);
    assert.equal(
      new URL(week.body.uri).searchParams.get('expires'),
      String(clockMs / 1000 + 604800),
    );
  });

  it('refuses tampered, partial and foreign links with 403', async () => {
    const a = await recorded();
    const b = await recorded();
    const uriA = new URL((await server.api(`/api/video/room_recordings/${a.id}`)).body.uri);
    const signature = uriA.searchParams.get('signature')!;
    const expires = uriA.searchParams.get('expires')!;
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const base = `${server.url}/media/recordings`;
    for (const url of [
      `${base}/${a.id}?expires=${expires}&signature=${flip(signature)}`,
      `${base}/${a.id}?expires=${Number(expires) + 1}&signature=${signature}`,
      `${base}/${b.id}?expires=${expires}&signature=${signature}`,
      `${base}/${a.id}?expires=${expires}`,
      `${base}/${a.id}?signature=${signature}`,
      `${base}/${a.id}?expires=${expires}&signature=${signature}x`,
      `${base}/${a.id}?expires=-1&signature=${signature}`,
      `${base}/${randomUUID()}?expires=${expires}&signature=${signature}`,
      `${base}/not-a-uuid?expires=${expires}&signature=${signature}`,
    ]) {
      const res = await fetch(url);
      assert.equal(res.status, 403, url);
      assert.deepEqual(await res.json(), { error: 'Forbidden' });
    }
    assert.equal((await fetch(uriA)).status, 200);
  });

  it('has no uri while recording', async () => {
    const r = await recorded({ finish: false });
    const res = await server.api(`/api/video/room_recordings/${r.id}`);
    assert.equal(res.body.status, 'recording');
    assert.equal(res.body.uri, null);
    assert.equal(res.body.finished_at, null);
    assert.equal(res.body.duration, null);
    assert.equal(res.body.size_in_bytes, null);
  });

  it('rejects an invalid media_ttl with 422', async () => {
    const r = await recorded();
    for (const ttl of ['-1', '604801', 'soon', '1.5']) {
      expectErrors(
        server,
        await server.api(`/api/video/room_recordings/${r.id}?media_ttl=${ttl}`),
        [['media_ttl', 'invalid_parameter']],
      );
      expectErrors(server, await server.api(`/api/video/room_recordings?media_ttl=${ttl}`), [
        ['media_ttl', 'invalid_parameter'],
      ]);
      expectErrors(
        server,
        await server.api(`/api/video/room_sessions/${r.sessionId}/recordings?media_ttl=${ttl}`),
        [['media_ttl', 'invalid_parameter']],
      );
    }
  });

  it('is a 404 for an unknown, non-UUID or other project recording', async () => {
    const other = await server.newProject();
    const theirs = await recorded({ project: other });
    for (const id of [randomUUID(), 'nope', theirs.id]) {
      for (const [method, suffix] of [
        ['GET', ''],
        ['DELETE', ''],
        ['GET', '/events'],
      ] as const) {
        const res = await server.api(`/api/video/room_recordings/${id}${suffix}`, { method });
        assert.equal(res.status, 404, `${method} ${id}${suffix}`);
        assert.deepEqual(res.body, { error: 'Not Found' });
      }
    }
    assert.equal(
      (await server.api(`/api/video/room_recordings/${theirs.id}`, { project: other })).status,
      200,
    );
  });
});

describe('DELETE /api/video/room_recordings/{id}', () => {
  it('deletes the recording and its file; its link stops working', async () => {
    const r = await recorded();
    const uri: string = (await server.api(`/api/video/room_recordings/${r.id}`)).body.uri;
    assert.ok(await server.media.open(r.key).then((f) => (f?.stream.destroy(), f !== undefined)));
    const res = await server.api(`/api/video/room_recordings/${r.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(await server.media.open(r.key), undefined);
    assert.equal((await server.api(`/api/video/room_recordings/${r.id}`)).status, 404);
    assert.equal((await fetch(uri)).status, 403);
    const again = await server.api(`/api/video/room_recordings/${r.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
  });

  it("deletes a project's recording files with the project", async () => {
    const project = await server.newProject();
    const r = await recorded({ project });
    const kept = await recorded();
    const res = await fetch(`${server.url}/admin/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    assert.equal(await server.media.open(r.key), undefined);
    const file = await server.media.open(kept.key);
    assert.ok(file);
    file.stream.destroy();
  });

  it('deletes a recording whose file was never written', async () => {
    const r = await recorded({ finish: false });
    const res = await server.api(`/api/video/room_recordings/${r.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
  });

  it('answers 404 for a signed link whose file is gone', async () => {
    const r = await recorded();
    const uri: string = (await server.api(`/api/video/room_recordings/${r.id}`)).body.uri;
    await server.media.delete(r.key);
    const res = await fetch(uri);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'Not Found' });
  });
});

describe('GET /api/video/room_recordings', () => {
  it("lists the project's recordings newest first and walks along links.next", async () => {
    const project = await server.newProject();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await recorded({ project })).id);
    const res = await server.api('/api/video/room_recordings?media_ttl=30', { project });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.data.map((r: { id: string }) => r.id),
      [...made].reverse(),
    );
    for (const r of res.body.data) {
      assert.equal(new URL(r.uri).searchParams.get('expires'), String(clockMs / 1000 + 30));
    }
    assert.deepEqual(res.body.links, {
      self: `${server.url}/api/video/room_recordings?media_ttl=30&page_number=0&page_size=50`,
      first: `${server.url}/api/video/room_recordings?media_ttl=30&page_size=50`,
    });
    const { ids, pages } = await walk(
      server,
      '/api/video/room_recordings?page_size=2&media_ttl=5',
      project,
    );
    assert.equal(pages, 3);
    assert.deepEqual(ids, [...made].reverse());
    const mine = await server.api('/api/video/room_recordings');
    for (const id of made) assert.ok(!mine.body.data.some((r: { id: string }) => r.id === id));
    expectErrors(server, await server.api('/api/video/room_recordings?page_number=1'), [
      ['page_token', 'page_token_required'],
    ]);
    expectErrors(server, await server.api('/api/video/room_recordings?page_size=0'), [
      ['page_size', 'invalid_parameter'],
    ]);
  });
});

describe('GET /api/video/room_sessions/{id}/recordings', () => {
  it("lists one session's recordings", async () => {
    const room = await newRoom(server, 'recordings_room');
    const sessionId = await startSession(server, {
      roomId: room.id,
      name: room.name,
      startTime: tick(),
    });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      await server.store.startRecording({
        id,
        projectId: server.project.id,
        roomSessionId: sessionId,
        startedAt: tick(),
      });
      made.push(id);
    }
    assert.equal(
      await server.store.startRecording({
        id: randomUUID(),
        projectId: server.project.id,
        roomSessionId: randomUUID(),
        startedAt: tick(),
      }),
      false,
    );
    await recorded(); // another session's
    const res = await server.api(`/api/video/room_sessions/${sessionId}/recordings`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.data.map((r: { id: string }) => r.id),
      [...made].reverse(),
    );
    const { ids } = await walk(
      server,
      `/api/video/room_sessions/${sessionId}/recordings?page_size=2`,
    );
    assert.deepEqual(ids, [...made].reverse());
  });
});

describe('GET /api/video/room_recordings/{id}/events', () => {
  it('lists the events of one recording', async () => {
    const r = await recorded();
    await server.store.addEvent({
      id: randomUUID(),
      projectId: server.project.id,
      roomSessionId: r.sessionId,
      roomRecordingId: r.id,
      level: 'warning',
      name: 'recording.paused',
      payload: { reason: 'test' },
      createdAt: r.startedAt + 1000,
    });
    const res = await server.api(`/api/video/room_recordings/${r.id}/events`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.data.map((e: { name: string }) => e.name),
      ['recording.ended', 'recording.paused', 'recording.started'],
    );
    for (const e of res.body.data) {
      assert.equal(e.room_recording_id, r.id);
      assert.equal(e.room_session_id, r.sessionId);
    }
    assert.equal(res.body.data[1].level, 'warning');
    assert.deepEqual(res.body.data[0].payload, {
      status: 'completed',
      duration: res.body.data[0].payload.duration,
      size_in_bytes: r.data.length,
      format: 'video/mp4',
    });
    assert.equal(typeof res.body.data[0].payload.duration, 'number');
    const { ids } = await walk(server, `/api/video/room_recordings/${r.id}/events?page_size=2`);
    assert.equal(ids.length, 3);
    expectErrors(
      server,
      await server.api(`/api/video/room_recordings/${r.id}/events?page_token=x`),
      [['page_token', 'page_token_is_invalid']],
    );
  });
});
