import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type ApiResponse, type TestServer } from './helpers/test-server.js';

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

const create = (body: unknown, project?: Project) =>
  server.api('/api/video/rooms', { method: 'POST', body, ...(project ? { project } : {}) });

let counter = 0;
const uniqueName = (prefix = 'room') => `${prefix}_${++counter}_${randomUUID().slice(0, 8)}`;

async function createRoom(body: Record<string, unknown> = {}, project?: Project) {
  const res = await create({ name: uniqueName(), ...body }, project);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown> & { id: string; name: string };
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
    assert.equal(typeof e.message, 'string');
  }
}

const SPEC_ORDER = [
  'id',
  'name',
  'display_name',
  'description',
  'max_members',
  'quality',
  'fps',
  'join_from',
  'join_until',
  'remove_at',
  'remove_after_seconds_elapsed',
  'layout',
  'record_on_start',
  'tone_on_entry_and_exit',
  'room_join_video_off',
  'user_join_video_off',
  'enable_room_previews',
  'sync_audio_video',
  'meta',
  'prioritize_handraise',
  'created_at',
  'updated_at',
];

describe('POST /api/video/rooms', () => {
  it('creates a room with the spec defaults, display_name defaulting to the name', async () => {
    const res = await create({ name: 'all_hands-1' });
    assert.equal(res.status, 200);
    const r = res.body;
    assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(Object.keys(r), SPEC_ORDER);
    assert.deepEqual(
      { ...r, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'all_hands-1',
        display_name: 'all_hands-1',
        description: null,
        max_members: 20,
        quality: '720p',
        fps: 20,
        join_from: null,
        join_until: null,
        remove_at: null,
        remove_after_seconds_elapsed: null,
        layout: 'grid-responsive',
        record_on_start: false,
        tone_on_entry_and_exit: true,
        room_join_video_off: false,
        user_join_video_off: false,
        enable_room_previews: false,
        sync_audio_video: null,
        meta: null,
        prioritize_handraise: false,
        created_at: undefined,
        updated_at: undefined,
      },
    );
    assert.match(r.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(r.created_at, r.updated_at);
  });

  it('stores every settable field, the superset flags included, and reads them back', async () => {
    const body = {
      name: uniqueName('full'),
      display_name: 'Full room',
      description: 'Everything set',
      max_members: 300,
      quality: '1080p',
      join_from: '2030-01-01T10:00:00+02:00',
      join_until: '2030-01-02',
      remove_at: '2030-01-02T23:59:60Z',
      remove_after_seconds_elapsed: 200000,
      layout: '5up',
      record_on_start: true,
      enable_room_previews: true,
      meta: { team: 'core', n: [1, 2] },
      sync_audio_video: true,
      tone_on_entry_and_exit: false,
      room_join_video_off: true,
      user_join_video_off: true,
      prioritize_handraise: true,
      unknown_field: 'ignored',
    };
    const res = await create(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.equal(r.display_name, 'Full room');
    assert.equal(r.description, 'Everything set');
    assert.equal(r.max_members, 300);
    assert.equal(r.quality, '1080p');
    assert.equal(r.join_from, '2030-01-01T08:00:00Z');
    assert.equal(r.join_until, '2030-01-02T00:00:00Z');
    assert.equal(r.remove_at, '2030-01-02T23:59:59Z');
    assert.equal(r.remove_after_seconds_elapsed, 200000);
    assert.equal(r.layout, '5up');
    assert.equal(r.record_on_start, true);
    assert.equal(r.enable_room_previews, true);
    assert.deepEqual(r.meta, { team: 'core', n: [1, 2] });
    assert.equal(r.sync_audio_video, true);
    assert.equal(r.tone_on_entry_and_exit, false);
    assert.equal(r.room_join_video_off, true);
    assert.equal(r.user_join_video_off, true);
    assert.equal(r.prioritize_handraise, true);
    assert.ok(!('unknown_field' in r));
    const got = await server.api(`/api/video/rooms/${r.id}`);
    assert.deepEqual(got.body, r);
  });

  it('requires a name, and reports a blank one', async () => {
    expectErrors(await create({}), [['name', 'missing_required_parameter']]);
    expectErrors(await create({ name: '' }), [['name', 'missing_required_parameter']]);
    const bodiless = await server.api('/api/video/rooms', { method: 'POST' });
    expectErrors(bodiless, [['name', 'missing_required_parameter']]);
  });

  it('checks every field, reporting each failing one with its code', async () => {
    const res = await create({
      name: 'has space',
      display_name: 7,
      description: 'd'.repeat(3001),
      max_members: 0,
      quality: '4k',
      join_from: 'tomorrow',
      join_until: '2022-02-30',
      remove_at: 'never',
      remove_after_seconds_elapsed: 0,
      layout: 'grid',
      record_on_start: 'yes',
      enable_room_previews: 1,
      meta: [1],
      sync_audio_video: 'true',
      tone_on_entry_and_exit: null,
      prioritize_handraise: 'no',
    });
    assert.equal(res.status, 422);
    const byAttribute = Object.fromEntries(
      res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]),
    );
    assert.deepEqual(byAttribute, {
      name: 'invalid_parameter',
      display_name: 'not_a_string',
      description: 'invalid_parameter',
      max_members: 'invalid_parameter',
      quality: 'invalid_parameter',
      join_from: 'not_a_datetime',
      join_until: 'not_a_datetime',
      remove_at: 'not_a_datetime',
      remove_after_seconds_elapsed: 'invalid_parameter',
      layout: 'invalid_parameter',
      record_on_start: 'not_a_boolean',
      enable_room_previews: 'not_a_boolean',
      meta: 'invalid_parameter',
      sync_audio_video: 'not_a_boolean',
      tone_on_entry_and_exit: 'not_a_boolean',
      prioritize_handraise: 'not_a_boolean',
    });
  });

  it('enforces every limit at its exact boundaries', async () => {
    const ok = await create({
      name: 'n'.repeat(96) + String(counter++).padStart(4, '0'),
      display_name: 'd'.repeat(200),
      description: 'x'.repeat(3000),
      max_members: 1,
      remove_after_seconds_elapsed: 1,
      meta: { k: 'v'.repeat(2000 - '{"k":""}'.length) },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.name.length, 100);
    expectErrors(await create({ name: 'n'.repeat(101) }), [['name', 'invalid_parameter']]);
    const name = uniqueName();
    expectErrors(await create({ name, display_name: 'd'.repeat(201) }), [
      ['display_name', 'invalid_parameter'],
    ]);
    expectErrors(await create({ name, max_members: 301 }), [['max_members', 'invalid_parameter']]);
    expectErrors(await create({ name, max_members: 2.5 }), [['max_members', 'invalid_parameter']]);
    expectErrors(await create({ name, max_members: '20' }), [['max_members', 'invalid_parameter']]);
    expectErrors(await create({ name, remove_after_seconds_elapsed: 200001 }), [
      ['remove_after_seconds_elapsed', 'invalid_parameter'],
    ]);
    expectErrors(await create({ name, meta: { k: 'v'.repeat(2000 - '{"k":""}'.length + 1) } }), [
      ['meta', 'invalid_parameter'],
    ]);
    expectErrors(await create({ name, meta: 'text' }), [['meta', 'invalid_parameter']]);
  });

  it('refuses a join_until before join_from, and accepts them equal', async () => {
    expectErrors(
      await create({
        name: uniqueName(),
        join_from: '2030-01-02T00:00:00Z',
        join_until: '2030-01-01T23:59:59Z',
      }),
      [['join_until', 'invalid_join_until_date']],
    );
    const same = await create({
      name: uniqueName(),
      join_from: '2030-01-02',
      join_until: '2030-01-02T00:00:00Z',
    });
    assert.equal(same.status, 200);
  });

  it('keeps names unique within a project only, and frees a deleted room’s name', async () => {
    const name = uniqueName('dup');
    const first = await createRoom({ name });
    expectErrors(await create({ name }), [['name', 'not_unique_within_project']]);
    const other = await server.newProject();
    assert.equal((await create({ name }, other)).status, 200);
    const del = await server.api(`/api/video/rooms/${first.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await create({ name })).status, 200);
  });

  it('answers 400 for a body that is not a JSON object', async () => {
    for (const rawBody of ['{nope', '[1]', '"x"']) {
      const res = await server.api('/api/video/rooms', {
        method: 'POST',
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: 'Bad Request' });
    }
  });
});

describe('GET /api/video/rooms/{id} and /rooms/{name}', () => {
  it('finds a room by id and by name, with the same body', async () => {
    const room = await createRoom({ display_name: 'Lookup' });
    const byId = await server.api(`/api/video/rooms/${room.id}`);
    const byUpperId = await server.api(`/api/video/rooms/${room.id.toUpperCase()}`);
    const byName = await server.api(`/api/video/rooms/${room.name}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(byId.body, room);
    assert.deepEqual(byUpperId.body, room);
    assert.deepEqual(byName.body, room);
  });

  it('reads a UUID-shaped name as a name when no room has that id', async () => {
    const name = randomUUID();
    const room = await createRoom({ name });
    const res = await server.api(`/api/video/rooms/${name}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, room.id);
  });

  it('answers 404 for an unknown id or name, and for another project’s room', async () => {
    const room = await createRoom();
    const other = await server.newProject();
    for (const path of [
      `/api/video/rooms/${randomUUID()}`,
      '/api/video/rooms/no_such_room',
      '/api/video/rooms/not%20a%20name',
    ]) {
      const res = await server.api(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    for (const segment of [room.id, room.name]) {
      const res = await server.api(`/api/video/rooms/${segment}`, { project: other });
      assert.equal(res.status, 404);
    }
  });

  it('checks include_active_session like every query boolean', async () => {
    const room = await createRoom();
    const res = await server.api(`/api/video/rooms/${room.id}?include_active_session=maybe`);
    expectErrors(res, [['include_active_session', 'not_a_boolean']]);
  });

  it('adds active_session from the room’s in-progress session, and only then', async () => {
    const project = await server.newProject();
    const room = await createRoom({}, project);
    const idle = await createRoom({}, project);
    const sessionId = randomUUID();
    await server.store.startRoomSession({
      id: sessionId,
      projectId: project.id,
      roomId: room.id,
      name: room.name,
      displayName: 'live',
      layout: 'grid-responsive',
      quality: '720p',
      fps: 20,
      maxMembers: 20,
      startTime: Date.UTC(2026, 0, 1, 10),
    });
    const expected = {
      id: sessionId,
      room_id: room.id,
      name: room.name,
      display_name: 'live',
      status: 'in-progress',
      start_time: '2026-01-01T10:00:00Z',
      layout: 'grid-responsive',
      quality: '720p',
      fps: 20,
      max_members: 20,
      record_on_start: false,
      enable_room_previews: false,
      audio_video_sync: false,
    };
    for (const segment of [room.id, room.name]) {
      const one = await server.api(`/api/video/rooms/${segment}?include_active_session=TRUE`, {
        project,
      });
      assert.deepEqual(one.body.active_session, expected);
    }
    const plain = await server.api(`/api/video/rooms/${room.id}`, { project });
    assert.ok(!('active_session' in plain.body));
    const list = await server.api('/api/video/rooms?include_active_session=1', { project });
    const byId = new Map(list.body.data.map((r: { id: string }) => [r.id, r]));
    assert.deepEqual((byId.get(room.id) as { active_session: unknown }).active_session, expected);
    assert.ok(!('active_session' in (byId.get(idle.id) as object)));
    assert.match(list.body.links.self, /include_active_session=true/);

    await server.store.endRoomSession(project.id, sessionId, Date.UTC(2026, 0, 1, 11));
    const ended = await server.api(`/api/video/rooms/${room.id}?include_active_session=true`, {
      project,
    });
    assert.ok(!('active_session' in ended.body));
  });
});

describe('rooms and conferences', () => {
  it('keeps a conference’s backing room out of /rooms; its sessions carry the conference id', async () => {
    const project = await server.newProject();
    const conference = (
      await server.api('/api/video/conferences', {
        method: 'POST',
        body: { display_name: 'Backed', name: 'backed' },
        project,
      })
    ).body;
    const room = await createRoom({ name: 'a_room' }, project);
    const list = await server.api('/api/video/rooms', { project });
    assert.deepEqual(
      list.body.data.map((r: { id: string }) => r.id),
      [room.id],
    );
    for (const segment of [conference.id, conference.name]) {
      const res = await server.api(`/api/video/rooms/${segment}`, { project });
      assert.equal(res.status, 404, segment);
    }
    for (const method of ['PUT', 'DELETE']) {
      const res = await server.api(`/api/video/rooms/${conference.id}`, {
        method,
        project,
        ...(method === 'PUT' ? { body: { display_name: 'x' } } : {}),
      });
      assert.equal(res.status, 404);
    }

    const sessionId = randomUUID();
    await server.store.startRoomSession({
      id: sessionId,
      projectId: project.id,
      conferenceId: conference.id,
      name: conference.name,
      startTime: Date.UTC(2026, 0, 1, 10),
    });
    const live = await server.api(
      `/api/video/conferences/${conference.id}?include_active_session=true`,
      { project },
    );
    assert.equal(live.body.active_session.id, sessionId);
    assert.equal(live.body.active_session.room_id, conference.id);
    // The conference's session is not any listed room's.
    const rooms = await server.api('/api/video/rooms?include_active_session=true', { project });
    assert.ok(rooms.body.data.every((r: object) => !('active_session' in r)));
    // A room may share a conference's name: the two are separate namespaces.
    assert.equal((await create({ name: 'backed' }, project)).status, 200);
  });
});

describe('PUT /api/video/rooms/{id}', () => {
  it("applies concurrent updates one after the other: none loses another one's field", async () => {
    const room = await createRoom({});
    const changes: Record<string, unknown>[] = [
      { display_name: 'set' },
      { description: 'set' },
      { max_members: 7 },
      { quality: '1080p' },
      { layout: 'highlight-1-responsive' },
      { record_on_start: true },
      { prioritize_handraise: true },
      { remove_after_seconds_elapsed: 60 },
      { meta: { set: true } },
      { join_from: '2031-01-01T00:00:00Z' },
    ];
    const responses = await Promise.all(
      changes.map((body) => server.api(`/api/video/rooms/${room.id}`, { method: 'PUT', body })),
    );
    for (const res of responses) assert.equal(res.status, 200, JSON.stringify(res.body));
    const stored = (await server.api(`/api/video/rooms/${room.id}`)).body;
    for (const change of changes) {
      for (const [field, value] of Object.entries(change)) {
        assert.deepEqual(stored[field], value, field);
      }
    }
  });

  it('changes the fields given and keeps the others; name never changes', async () => {
    const room = await createRoom({
      display_name: 'Before',
      description: 'kept',
      max_members: 10,
      join_from: '2030-01-01T00:00:00Z',
      meta: { a: 1 },
      sync_audio_video: false,
    });
    const res = await server.api(`/api/video/rooms/${room.id}`, {
      method: 'PUT',
      body: {
        name: 'renamed',
        display_name: 'After',
        quality: '1080p',
        join_until: '2030-02-01T00:00:00Z',
        remove_after_seconds_elapsed: 60,
        prioritize_handraise: true,
        meta: { b: 2 },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.deepEqual(Object.keys(r), SPEC_ORDER);
    assert.equal(r.name, room.name);
    assert.equal(r.display_name, 'After');
    assert.equal(r.description, 'kept');
    assert.equal(r.max_members, 10);
    assert.equal(r.quality, '1080p');
    assert.equal(r.join_from, '2030-01-01T00:00:00Z');
    assert.equal(r.join_until, '2030-02-01T00:00:00Z');
    assert.equal(r.remove_after_seconds_elapsed, 60);
    assert.equal(r.prioritize_handraise, true);
    assert.equal(r.sync_audio_video, false);
    assert.deepEqual(r.meta, { b: 2 });
    assert.equal(r.created_at, room.created_at);
    assert.ok(r.updated_at > (room.updated_at as string));
    assert.deepEqual((await server.api(`/api/video/rooms/${room.id}`)).body, r);
  });

  it('accepts an empty body, changing nothing but updated_at', async () => {
    const room = await createRoom();
    const res = await server.api(`/api/video/rooms/${room.id}`, { method: 'PUT', body: {} });
    assert.equal(res.status, 200);
    assert.deepEqual({ ...res.body, updated_at: room.updated_at }, room);
  });

  it('validates each field present, and the merged join window', async () => {
    const room = await createRoom({ join_from: '2030-01-10' });
    const put = (body: unknown) =>
      server.api(`/api/video/rooms/${room.id}`, { method: 'PUT', body });
    expectErrors(await put({ max_members: 301, layout: 'x', meta: [] }), [
      ['max_members', 'invalid_parameter'],
      ['layout', 'invalid_parameter'],
      ['meta', 'invalid_parameter'],
    ]);
    expectErrors(await put({ meta: { k: 'v'.repeat(2001) } }), [['meta', 'invalid_parameter']]);
    expectErrors(await put({ join_until: '2030-01-09' }), [
      ['join_until', 'invalid_join_until_date'],
    ]);
    expectErrors(await put({ remove_after_seconds_elapsed: 0 }), [
      ['remove_after_seconds_elapsed', 'invalid_parameter'],
    ]);
    expectErrors(await put({ display_name: 'd'.repeat(201) }), [
      ['display_name', 'invalid_parameter'],
    ]);
    const unchanged = await server.api(`/api/video/rooms/${room.id}`);
    assert.deepEqual(unchanged.body, room);
  });

  it('answers 404 for an unknown id, a name, and another project’s room', async () => {
    const room = await createRoom();
    const other = await server.newProject();
    for (const [segment, project] of [
      [randomUUID(), undefined],
      [room.name, undefined],
      [room.id, other],
    ] as const) {
      const res = await server.api(`/api/video/rooms/${segment}`, {
        method: 'PUT',
        body: { display_name: 'x' },
        ...(project ? { project } : {}),
      });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    assert.equal((await server.api(`/api/video/rooms/${room.id}`)).body.display_name, room.name);
  });
});

describe('DELETE /api/video/rooms/{id}', () => {
  it('deletes with 204 and no body; then the room is gone', async () => {
    const room = await createRoom();
    const res = await server.api(`/api/video/rooms/${room.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal((await server.api(`/api/video/rooms/${room.id}`)).status, 404);
    assert.equal(
      (await server.api(`/api/video/rooms/${room.id}`, { method: 'DELETE' })).status,
      404,
    );
  });

  it('answers 404 for a name, a non-UUID and another project’s room, deleting nothing', async () => {
    const room = await createRoom();
    const other = await server.newProject();
    assert.equal(
      (await server.api(`/api/video/rooms/${room.name}`, { method: 'DELETE' })).status,
      404,
    );
    assert.equal(
      (await server.api(`/api/video/rooms/${room.id}`, { method: 'DELETE', project: other }))
        .status,
      404,
    );
    assert.equal((await server.api(`/api/video/rooms/${room.id}`)).status, 200);
  });
});

describe('GET /api/video/rooms', () => {
  let project: Project;
  let all: { id: string; name: string; join_from: string | null; join_until: string | null }[];

  before(async () => {
    project = await server.newProject();
    for (let i = 0; i < 23; i++) {
      await createRoom(
        {
          name: `list_${String(i).padStart(2, '0')}`,
          ...(i % 3 === 0 ? { join_from: `2030-01-${String(1 + i).padStart(2, '0')}` } : {}),
          ...(i % 4 === 0 ? { join_until: `2030-02-${String(1 + i).padStart(2, '0')}` } : {}),
        },
        project,
      );
    }
    const res = await server.api('/api/video/rooms?page_size=1000', { project });
    all = res.body.data;
  });

  it('lists newest first with exact links, 50 a page by default', async () => {
    assert.equal(all.length, 23);
    assert.deepEqual(
      all.map((r) => r.name),
      Array.from({ length: 23 }, (_, i) => `list_${String(22 - i).padStart(2, '0')}`),
    );
    const res = await server.api('/api/video/rooms', { project });
    const base = `${server.url}/api/video/rooms`;
    assert.deepEqual(res.body.links, {
      self: `${base}?page_number=0&page_size=50`,
      first: `${base}?page_size=50`,
    });
  });

  it('walks along links.next without skipping or repeating, and back along links.prev', async () => {
    const pages: ApiResponse[] = [];
    let next: string | undefined = '/api/video/rooms?page_size=4';
    while (next) {
      const res = await server.api(next, { project });
      assert.equal(res.status, 200);
      pages.push(res);
      next = res.body.links.next;
    }
    assert.equal(pages.length, 6);
    assert.deepEqual(
      pages.flatMap((p) => p.body.data.map((r: { id: string }) => r.id)),
      all.map((r) => r.id),
    );
    assert.equal(pages[0]!.body.links.prev, undefined);
    const back = await server.api(pages[2]!.body.links.prev, { project });
    assert.deepEqual(back.body.data, pages[1]!.body.data);
    // Only the query string of links.next, re-sent to the original path, gives the same page.
    const query = new URL(pages[0]!.body.links.next).search;
    const again = await server.api(`/api/video/rooms${query}`, { project });
    assert.deepEqual(again.body, pages[1]!.body);
  });

  it('keeps a walk exact while rooms are created and deleted meanwhile', async () => {
    const mine = await server.newProject();
    const made: string[] = [];
    for (let i = 0; i < 12; i++) made.push((await createRoom({}, mine)).id);
    const seen: string[] = [];
    let next: string | undefined = '/api/video/rooms?page_size=5';
    let step = 0;
    while (next) {
      const res = await server.api(next, { project: mine });
      seen.push(...res.body.data.map((r: { id: string }) => r.id));
      next = res.body.links.next;
      if (step++ === 0) {
        // Delete the boundary item the token points at, and create a new one at the top.
        await server.api(`/api/video/rooms/${res.body.data.at(-1).id}`, {
          method: 'DELETE',
          project: mine,
        });
        await createRoom({}, mine);
      }
    }
    const expected = [...made].reverse();
    assert.deepEqual(seen, expected);
  });

  it('filters by starts_after and ends_before, carrying the filters in every link', async () => {
    const res = await server.api(
      '/api/video/rooms?starts_after=2030-01-04&ends_before=2030-02-17T00:00:00Z&page_size=1',
      { project },
    );
    const pages = [res];
    while (pages.at(-1)!.body.links.next) {
      pages.push(await server.api(pages.at(-1)!.body.links.next, { project }));
    }
    const names = pages.flatMap((p) => p.body.data.map((r: { name: string }) => r.name));
    // join_from on i%3==0 at Jan 1+i (>= Jan 4 ⇒ i ≥ 3); join_until on i%4==0 at Feb 1+i (≤ Feb 17 ⇒ i ≤ 16).
    assert.deepEqual(names, ['list_12']);
    for (const p of pages) {
      assert.match(p.body.links.self, /ends_before=2030-02-17T00%3A00%3A00Z/);
      assert.match(p.body.links.first, /starts_after=2030-01-04/);
    }
    const after = await server.api('/api/video/rooms?starts_after=1893456000', { project });
    assert.deepEqual(
      after.body.data.map((r: { name: string }) => r.name),
      ['list_21', 'list_18', 'list_15', 'list_12', 'list_09', 'list_06', 'list_03', 'list_00'],
    );
  });

  it('answers 422 for bad filters and paging', async () => {
    expectErrors(await server.api('/api/video/rooms?starts_after=soon', { project }), [
      ['starts_after', 'not_a_datetime'],
    ]);
    expectErrors(await server.api('/api/video/rooms?page_number=1', { project }), [
      ['page_token', 'page_token_required'],
    ]);
    expectErrors(await server.api('/api/video/rooms?page_number=1&page_token=PAxyz', { project }), [
      ['page_token', 'page_token_is_invalid'],
    ]);
    expectErrors(await server.api('/api/video/rooms?page_size=1001', { project }), [
      ['page_size', 'invalid_parameter'],
    ]);
  });

  it('shows only the caller’s own rooms', async () => {
    const stranger = await server.newProject();
    const res = await server.api('/api/video/rooms', { project: stranger });
    assert.deepEqual(res.body.data, []);
  });
});

describe('rooms without credentials', () => {
  it('answers 401 on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/video/rooms'],
      ['POST', '/api/video/rooms'],
      ['GET', `/api/video/rooms/${randomUUID()}`],
      ['PUT', `/api/video/rooms/${randomUUID()}`],
      ['DELETE', `/api/video/rooms/${randomUUID()}`],
    ] as const) {
      const res = await server.api(path, { method, anonymous: true });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.deepEqual(res.body, { error: 'Unauthorized' });
    }
  });
});
