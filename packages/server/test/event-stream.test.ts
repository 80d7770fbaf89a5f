import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestProject, type TestServer } from './helpers/test-server.js';

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
  data: { id: string; type: string; object: { name?: string } };
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

const createRoom = (name: string, project: TestProject) =>
  server.api('/api/video/rooms', { method: 'POST', body: { name }, project });

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

  it('refuses a bad Last-Event-ID and anonymous readers', async () => {
    const bad = await fetch(`${server.url}/conclave/v1/events/stream`, {
      headers: { authorization: server.project.auth, 'last-event-id': 'x' },
    });
    assert.equal(bad.status, 422);
    const anonymous = await fetch(`${server.url}/conclave/v1/events/stream`);
    assert.equal(anonymous.status, 401);
  });
});
