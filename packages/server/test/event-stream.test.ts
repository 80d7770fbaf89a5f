import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { appendEvent } from '../src/events/event-outbox.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { eventually } from './helpers/eventually.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  testEngine,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

interface Frame {
  id: string;
  event: string;
  data: { id: string; type: string; created_at: string; object: { name?: string } };
}

/** Opens the stream and collects frames until `count` came (then closes it). */
async function read(count: number, project: TestProject, lastEventId?: string): Promise<Frame[]> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/conclave/v1/events/stream`, {
    headers: {
      authorization: project.auth,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let buffer = '';
  const deadline = setTimeout(() => controller.abort(), 8000);
  try {
    while (frames.length < count) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) continue;
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        frames.push({
          id: field('id')!,
          event: field('event')!,
          data: JSON.parse(field('data')!) as Frame['data'],
        });
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  // A chunk may carry more than asked for: the reader "saw" only the first `count`.
  return frames.slice(0, count);
}

const createRoom = (name: string, project: TestProject, on = server) =>
  on.api('/api/video/rooms', { method: 'POST', body: { name }, project });

/** A stream kept open: its frames so far, until closed. */
function follow(project: TestProject, lastEventId?: string, on = server) {
  const controller = new AbortController();
  const frames: Frame[] = [];
  const done = (async () => {
    const response = await fetch(`${on.url}/conclave/v1/events/stream`, {
      headers: {
        authorization: project.auth,
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) continue;
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        frames.push({
          id: field('id')!,
          event: field('event')!,
          data: JSON.parse(field('data')!) as Frame['data'],
        });
      }
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  return {
    frames,
    names: () => frames.map((f) => f.data.object.name),
    async close() {
      controller.abort();
      await done;
    },
  };
}

describe('GET /conclave/v1/events/stream', () => {
  it('streams the project’s events and resumes after Last-Event-ID with nothing missing', async () => {
    const project = await server.newProject();
    const other = await server.newProject();
    for (const name of ['a', 'b', 'c']) assert.equal((await createRoom(name, project)).status, 200);
    await createRoom('elsewhere', other);
    const first = await read(2, project);
    assert.deepEqual(
      first.map((f) => f.data.object.name),
      ['a', 'b'],
    );
    for (const f of first) {
      assert.equal(f.event, 'room.created');
      assert.equal(f.id, f.data.id);
    }
    // Dropped after b; more happens meanwhile.
    for (const name of ['d', 'e']) assert.equal((await createRoom(name, project)).status, 200);
    const resumed = await read(3, project, first[1]!.id);
    assert.deepEqual(
      resumed.map((f) => f.data.object.name),
      ['c', 'd', 'e'],
    );
    // Live: an event written while the stream is open arrives.
    const live = read(4, project, first[1]!.id);
    await new Promise((r) => setTimeout(r, 300));
    await createRoom('f', project);
    assert.deepEqual(
      (await live).map((f) => f.data.object.name),
      ['c', 'd', 'e', 'f'],
    );
  });

  it(
    'sends an event whose transaction committed late, after later ones were streamed (PostgreSQL)',
    {
      skip: testEngine() !== 'postgres' && 'one writer on SQLite: transactions commit in id order',
    },
    async () => {
      // A transaction takes an event id (seq) and stays open while a later event commits and is
      // streamed; it commits after more than the old one-second hold-back. The stream must send
      // both, the late one after, and a resumed stream must miss neither.
      const project = await server.newProject();
      const store = server.store as KyselyStore;
      assert.equal((await createRoom('first', project)).status, 200);
      const live = follow(project);
      await eventually(async () => assert.deepEqual(live.names(), ['first']));
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      let appended!: () => void;
      const inserted = new Promise<void>((resolve) => (appended = resolve));
      const slow = store.db.transaction().execute(async (trx) => {
        await appendEvent(trx, {
          projectId: project.id,
          type: 'room.created',
          objectId: randomUUID(),
          orderingKey: randomUUID(),
          object: { name: 'slow' },
          at: Date.now(),
        });
        appended();
        await held;
      });
      await inserted;
      assert.equal((await createRoom('fast', project)).status, 200);
      await eventually(async () => assert.deepEqual(live.names(), ['first', 'fast']));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      commit();
      await slow;
      await eventually(async () => assert.deepEqual(live.names(), ['first', 'fast', 'slow']));
      await live.close();
      const ids = live.frames.map((f) => Number(f.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'ids ascend as sent',
      );
      const outbox = await store.listEvents(project.id, 0, 10);
      const seqOf = (name: string) =>
        outbox.find((row) => (JSON.parse(row.data) as { name: string }).name === name)!.seq;
      assert.ok(seqOf('slow') < seqOf('fast'), 'the late one took the lower seq');
      // Resumed after the first: both, in the order they were sent.
      const resumed = follow(project, live.frames[0]!.id);
      await eventually(async () => assert.deepEqual(resumed.names(), ['fast', 'slow']));
      await resumed.close();
      assert.deepEqual(
        resumed.frames.map((f) => f.id),
        live.frames.slice(1).map((f) => f.id),
      );
      const listed = await server.api(`/conclave/v1/events?after=${live.frames[0]!.id}`, {
        project,
      });
      assert.deepEqual(
        listed.body.data.map((e: { id: string }) => e.id),
        live.frames.slice(1).map((f) => f.id),
      );
    },
  );

  it('sends events at once under a frozen emulator clock', async () => {
    const emulator = await startTestServer({ emulator: true });
    try {
      const project = await emulator.newProject();
      const frozen = await fetch(`${emulator.url}/admin/v1/emulator/projects/${project.id}/clock`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ time: '2030-01-01T09:00:00.000Z', frozen: true }),
      });
      assert.equal(frozen.status, 200);
      const live = follow(project, undefined, emulator);
      assert.equal((await createRoom('frozen-a', project, emulator)).status, 200);
      assert.equal((await createRoom('frozen-b', project, emulator)).status, 200);
      await eventually(async () => assert.deepEqual(live.names(), ['frozen-a', 'frozen-b']));
      await live.close();
      for (const f of live.frames) {
        assert.equal(
          Date.parse(f.data.created_at),
          Date.parse('2030-01-01T09:00:00Z'),
          'stamped by the test clock',
        );
      }
    } finally {
      await emulator.close();
    }
  });

  it('refuses a bad Last-Event-ID and anonymous readers', async () => {
    const bad = await fetch(`${server.url}/conclave/v1/events/stream`, {
      headers: { authorization: server.project.auth, 'last-event-id': 'x' },
    });
    assert.equal(bad.status, 422);
    const anonymous = await fetch(`${server.url}/conclave/v1/events/stream`);
    assert.equal(anonymous.status, 401);
  });
});
