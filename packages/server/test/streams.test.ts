import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MAX_STREAMS_PER_ROOM } from '@conclave/schema';
import {
  ADMIN_TOKEN,
  startTestServer,
  type ApiResponse,
  type TestServer,
} from './helpers/test-server.js';

// Each read of the clock is one second later, so updated_at visibly moves on every write.
let clockMs = Date.UTC(2026, 0, 1);
const clock = () => (clockMs += 1000);

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: clock });
});
after(async () => {
  await server.close();
});

type Project = TestServer['project'];
type Owner = { kind: 'conferences' | 'rooms'; id: string; created: number };

let counter = 0;
async function newConference(project?: Project): Promise<Owner> {
  const res = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: `streams ${++counter}` },
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 200);
  return { kind: 'conferences', id: res.body.id, created: 200 };
}

async function newRoom(project?: Project): Promise<Owner> {
  const res = await server.api('/api/video/rooms', {
    method: 'POST',
    body: { name: `streams_${++counter}` },
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 200);
  return { kind: 'rooms', id: res.body.id, created: 201 };
}

const streamsOf = (owner: Owner) => `/api/video/${owner.kind}/${owner.id}/streams`;

const add = (owner: Owner, body: unknown, project?: Project) =>
  server.api(streamsOf(owner), { method: 'POST', body, ...(project ? { project } : {}) });

async function addStream(owner: Owner, url = `rtmp://live.example.com/app/${++counter}`) {
  const res = await add(owner, { url });
  assert.equal(res.status, owner.created, JSON.stringify(res.body));
  return res.body as Record<string, unknown> & { id: string };
}

function expectErrors(res: ApiResponse, expected: [attribute: string | null, code: string][]) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.errors.map((e: { attribute: string | null; code: string }) => [e.attribute, e.code]),
    expected,
  );
  for (const e of res.body.errors) {
    assert.equal(e.type, 'validation_error');
    assert.equal(e.url, `${server.url}/docs/errors#${e.code}`);
  }
}

for (const make of [newConference, newRoom]) {
  const label = make === newConference ? 'conference' : 'room';

  describe(`POST /api/video/${label}s/{id}/streams`, () => {
    it(`creates a stream (${make === newConference ? 200 : 201}) holding its configuration only`, async () => {
      const owner = await make();
      const res = await add(owner, { url: 'rtmp://broadcaster/live/key', extra: 1 });
      assert.equal(res.status, owner.created);
      const s = res.body;
      assert.deepEqual(Object.keys(s), [
        'id',
        'url',
        'stream_type',
        'width',
        'height',
        'fps',
        'created_at',
        'updated_at',
      ]);
      assert.match(s.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...s, id: undefined, created_at: undefined, updated_at: undefined },
        {
          id: undefined,
          url: 'rtmp://broadcaster/live/key',
          stream_type: 'rtmp',
          width: null,
          height: null,
          fps: null,
          created_at: undefined,
          updated_at: undefined,
        },
      );
      assert.equal(s.created_at, s.updated_at);
      const secure = await addStream(owner, 'RTMPS://Ingest.Example.com:443/app');
      assert.equal(secure.stream_type, 'rtmps');
      assert.equal(secure.url, 'RTMPS://Ingest.Example.com:443/app');
    });

    it('accepts only an rtmp:// or rtmps:// address with a host', async () => {
      const owner = await make();
      expectErrors(await add(owner, {}), [['url', 'missing_required_parameter']]);
      expectErrors(await add(owner, { url: '' }), [['url', 'missing_required_parameter']]);
      expectErrors(await add(owner, { url: 5 }), [['url', 'not_a_string']]);
      for (const url of [
        'http://example.com/live',
        'rtmpx://example.com',
        'rtmp:/example.com',
        'rtmp://',
        'rtmp:///app/key',
        'rtmp://exa mple.com/app',
        ' rtmp://example.com',
        `rtmp://example.com/${'k'.repeat(2000)}`,
      ]) {
        expectErrors(await add(owner, { url }), [['url', 'invalid_parameter']]);
      }
      const bodiless = await server.api(streamsOf(owner), { method: 'POST' });
      expectErrors(bodiless, [['url', 'missing_required_parameter']]);
      const list = await server.api(streamsOf(owner));
      assert.deepEqual(list.body.data, []);
    });

    it(`allows ${MAX_STREAMS_PER_ROOM} streams per ${label}, then 422 exceeds_platform_stream_limit`, async () => {
      const owner = await make();
      for (let i = 0; i < MAX_STREAMS_PER_ROOM; i++) await addStream(owner);
      expectErrors(await add(owner, { url: 'rtmp://one.more/app' }), [
        [null, 'exceeds_platform_stream_limit'],
      ]);
      // Another owner is not affected, and deleting a stream frees a place.
      await addStream(await make());
      const list = await server.api(`${streamsOf(owner)}?page_size=1`);
      const del = await server.api(`/api/video/streams/${list.body.data[0].id}`, {
        method: 'DELETE',
      });
      assert.equal(del.status, 204);
      await addStream(owner);
    });

    it('holds the limit when creates race', async () => {
      const owner = await make();
      const results = await Promise.all(
        Array.from({ length: MAX_STREAMS_PER_ROOM + 4 }, (_, i) =>
          add(owner, { url: `rtmp://race.example.com/app/${i}` }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [
        ...Array<number>(MAX_STREAMS_PER_ROOM).fill(owner.created),
        ...Array<number>(4).fill(422),
      ]);
      const list = await server.api(streamsOf(owner));
      assert.equal(list.body.data.length, MAX_STREAMS_PER_ROOM);
    });

    it(`answers 404 for an unknown, non-UUID or another project's ${label}`, async () => {
      const owner = await make();
      const other = await server.newProject();
      for (const [path, project] of [
        [`/api/video/${owner.kind}/${randomUUID()}/streams`, undefined],
        [`/api/video/${owner.kind}/not-a-uuid/streams`, undefined],
        [streamsOf(owner), other],
      ] as const) {
        for (const method of ['GET', 'POST']) {
          const res = await server.api(path, {
            method,
            ...(method === 'POST' ? { body: { url: 'rtmp://x.example/app' } } : {}),
            ...(project ? { project } : {}),
          });
          assert.equal(res.status, 404, `${method} ${path}`);
          assert.deepEqual(res.body, { error: 'Not Found' });
        }
      }
      assert.deepEqual((await server.api(streamsOf(owner))).body.data, []);
    });

    it('answers 400 for a body that is not a JSON object, 401 without credentials', async () => {
      const owner = await make();
      const bad = await server.api(streamsOf(owner), {
        method: 'POST',
        rawBody: '{"url":',
        headers: { 'content-type': 'application/json' },
        skipSpec: true, // the spec declares no 400 for stream creates
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { error: 'Bad Request' });
      for (const method of ['GET', 'POST']) {
        const res = await server.api(streamsOf(owner), {
          method,
          anonymous: true,
          ...(method === 'POST' ? { body: { url: 'rtmp://x.example/app' } } : {}),
        });
        assert.equal(res.status, 401);
      }
    });
  });

  describe(`GET /api/video/${label}s/{id}/streams`, () => {
    it('lists newest first and walks along links.next', async () => {
      const owner = await make();
      const made = [];
      for (let i = 0; i < MAX_STREAMS_PER_ROOM; i++) made.push((await addStream(owner)).id);
      const all = await server.api(streamsOf(owner));
      assert.deepEqual(
        all.body.data.map((s: { id: string }) => s.id),
        [...made].reverse(),
      );
      const base = `${server.url}/api/video/${owner.kind}/${owner.id}/streams`;
      assert.deepEqual(all.body.links, {
        self: `${base}?page_number=0&page_size=50`,
        first: `${base}?page_size=50`,
      });
      const seen: string[] = [];
      let next: string | undefined = `${streamsOf(owner)}?page_size=2`;
      let pages = 0;
      while (next) {
        const res = await server.api(next);
        assert.equal(res.status, 200);
        seen.push(...res.body.data.map((s: { id: string }) => s.id));
        next = res.body.links.next;
        pages++;
      }
      assert.equal(pages, Math.ceil(MAX_STREAMS_PER_ROOM / 2));
      assert.deepEqual(seen, [...made].reverse());
      expectErrors(await server.api(`${streamsOf(owner)}?page_number=2`), [
        ['page_token', 'page_token_required'],
      ]);
    });

    it(`lists only that ${label}'s streams`, async () => {
      const a = await make();
      const b = await make();
      const sa = await addStream(a);
      await addStream(b);
      const list = await server.api(streamsOf(a));
      assert.deepEqual(
        list.body.data.map((s: { id: string }) => s.id),
        [sa.id],
      );
    });
  });
}

describe('a conference id is not a room id, and the other way round', () => {
  it('answers 404 for /rooms/{conference id}/streams and /conferences/{room id}/streams', async () => {
    const conference = await newConference();
    const room = await newRoom();
    await addStream(conference);
    await addStream(room);
    for (const path of [
      `/api/video/rooms/${conference.id}/streams`,
      `/api/video/conferences/${room.id}/streams`,
    ]) {
      assert.equal((await server.api(path)).status, 404, path);
      const post = await server.api(path, { method: 'POST', body: { url: 'rtmp://x.example/a' } });
      assert.equal(post.status, 404, path);
    }
  });
});

describe('/api/video/streams/{id}', () => {
  it('gets a stream by id', async () => {
    const stream = await addStream(await newRoom());
    const res = await server.api(`/api/video/streams/${stream.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, stream);
  });

  it('updates the url, its stream_type and updated_at', async () => {
    const stream = await addStream(await newConference(), 'rtmp://a.example/app');
    const res = await server.api(`/api/video/streams/${stream.id}`, {
      method: 'PUT',
      body: { url: 'rtmps://b.example/app/key' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.url, 'rtmps://b.example/app/key');
    assert.equal(res.body.stream_type, 'rtmps');
    assert.equal(res.body.created_at, stream.created_at);
    assert.ok(res.body.updated_at > (stream.updated_at as string));
    assert.deepEqual((await server.api(`/api/video/streams/${stream.id}`)).body, res.body);
  });

  it('validates the url on update', async () => {
    const stream = await addStream(await newRoom());
    const put = (body: unknown) =>
      server.api(`/api/video/streams/${stream.id}`, { method: 'PUT', body });
    expectErrors(await put({}), [['url', 'missing_required_parameter']]);
    expectErrors(await put({ url: 'https://example.com' }), [['url', 'invalid_parameter']]);
    expectErrors(await put({ url: 'rtmp:///x' }), [['url', 'invalid_parameter']]);
    expectErrors(await put({ url: false }), [['url', 'not_a_string']]);
    assert.deepEqual((await server.api(`/api/video/streams/${stream.id}`)).body, stream);
  });

  it('deletes with 204 and no body', async () => {
    const stream = await addStream(await newRoom());
    const res = await server.api(`/api/video/streams/${stream.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal((await server.api(`/api/video/streams/${stream.id}`)).status, 404);
    assert.equal(
      (await server.api(`/api/video/streams/${stream.id}`, { method: 'DELETE' })).status,
      404,
    );
  });

  it("answers 404 for an unknown id, a non-UUID and another project's stream", async () => {
    const stream = await addStream(await newRoom());
    const other = await server.newProject();
    for (const [id, project] of [
      [randomUUID(), undefined],
      ['not-a-uuid', undefined],
      [stream.id, other],
    ] as const) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await server.api(`/api/video/streams/${id}`, {
          method,
          ...(method === 'PUT' ? { body: { url: 'rtmp://x.example/app' } } : {}),
          ...(project ? { project } : {}),
        });
        assert.equal(res.status, 404, `${method} ${id}`);
        assert.deepEqual(res.body, { error: 'Not Found' });
      }
    }
    assert.deepEqual((await server.api(`/api/video/streams/${stream.id}`)).body, stream);
  });

  it('answers 401 without credentials', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await server.api(`/api/video/streams/${randomUUID()}`, {
        method,
        anonymous: true,
        ...(method === 'PUT' ? { body: { url: 'rtmp://x.example/app' } } : {}),
      });
      assert.equal(res.status, 401);
    }
  });
});

describe('streams go with their owner', () => {
  it('deleting a conference or a room deletes its streams', async () => {
    for (const owner of [await newConference(), await newRoom()]) {
      const a = await addStream(owner);
      const b = await addStream(owner);
      const del = await server.api(`/api/video/${owner.kind}/${owner.id}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      for (const s of [a, b]) {
        assert.equal((await server.api(`/api/video/streams/${s.id}`)).status, 404);
      }
    }
  });

  it("deleting a project deletes its rooms' and conferences' streams", async () => {
    const project = await server.newProject();
    await addStreamIn(project, await newConference(project));
    await addStreamIn(project, await newRoom(project));
    assert.equal(await server.store.countRows('streams', project.id), 2);
    assert.equal(await server.store.countRows('rooms', project.id), 1);
    const res = await fetch(`${server.url}/admin/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    assert.equal(await server.store.countRows('streams', project.id), 0);
    assert.equal(await server.store.countRows('rooms', project.id), 0);
  });
});

async function addStreamIn(project: Project, owner: Owner) {
  const res = await add(owner, { url: 'rtmp://p.example/app' }, project);
  assert.equal(res.status, owner.created);
}
