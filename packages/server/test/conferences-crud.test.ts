import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { NameTakenError, type ConferenceFields } from '../src/store/store.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const conferenceFields: ConferenceFields = {
  display_name: 'together',
  description: null,
  join_from: null,
  join_until: null,
  quality: '720p',
  layout: 'grid-responsive',
  size: 'medium',
  record_on_start: false,
  tone_on_entry_and_exit: true,
  user_join_video_off: false,
  room_join_video_off: false,
  enable_chat: true,
  enable_room_previews: false,
  dark_primary: null,
  dark_background: null,
  dark_foreground: null,
  dark_success: null,
  dark_negative: null,
  light_primary: null,
  light_background: null,
  light_foreground: null,
  light_success: null,
  light_negative: null,
  meta: null,
};

const create = (body: unknown) => server.api('/api/video/conferences', { method: 'POST', body });

function expectErrors(
  res: {
    status: number;
    body: { errors: { code: string; attribute: string | null; type: string; url: string }[] };
  },
  expected: [attribute: string | null, code: string][],
) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  const got = res.body.errors.map((e) => [e.attribute, e.code]);
  assert.deepEqual(got, expected);
  for (const e of res.body.errors) {
    assert.equal(e.type, 'validation_error');
    assert.equal(e.url, `${server.url}/docs/errors#${e.code}`);
  }
}

describe('POST /api/video/conferences', () => {
  it('creates a conference with every default filled in', async () => {
    const res = await create({ display_name: 'All hands' });
    assert.equal(res.status, 200);
    const c = res.body;
    assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(c.name, /^[A-Za-z0-9]{20}$/);
    assert.deepEqual(
      { ...c, id: undefined, name: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: undefined,
        created_at: undefined,
        updated_at: undefined,
        display_name: 'All hands',
        description: null,
        join_from: null,
        join_until: null,
        quality: '720p',
        layout: 'grid-responsive',
        size: 'medium',
        record_on_start: false,
        tone_on_entry_and_exit: true,
        user_join_video_off: false,
        room_join_video_off: false,
        enable_chat: true,
        enable_room_previews: false,
        dark_primary: '#044EF4',
        dark_background: '#FFFFFF',
        dark_foreground: '#1D2127',
        dark_success: '#17BB58',
        dark_negative: '#F42C50',
        light_primary: '#044EF4',
        light_background: '#FFFFFF',
        light_foreground: '#1D2127',
        light_success: '#17BB58',
        light_negative: '#F42C50',
        meta: null,
      },
    );
    assert.match(c.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(c.created_at, c.updated_at);
    assert.ok('active_session' in c === false);
    // The field order of the spec.
    assert.deepEqual(Object.keys(c).slice(0, 6), [
      'id',
      'name',
      'display_name',
      'description',
      'join_from',
      'join_until',
    ]);
  });

  it('stores every settable field, including the superset fields and meta', async () => {
    const body = {
      name: 'all_hands-2026',
      display_name: 'All hands',
      description: 'Quarterly',
      join_from: '2026-01-01T10:00:00+02:00',
      join_until: '2026-01-02',
      quality: '1080p',
      layout: '5up',
      size: 'large',
      record_on_start: true,
      enable_room_previews: true,
      enable_chat: false,
      tone_on_entry_and_exit: false,
      room_join_video_off: true,
      user_join_video_off: true,
      meta: { team: 'core', n: 1 },
      dark_primary: '#abcdef',
      light_negative: '#ABCDEF',
    };
    const res = await create(body);
    assert.equal(res.status, 200);
    const c = res.body;
    assert.equal(c.name, 'all_hands-2026');
    assert.equal(c.join_from, '2026-01-01T08:00:00Z');
    assert.equal(c.join_until, '2026-01-02T00:00:00Z');
    assert.equal(c.quality, '1080p');
    assert.equal(c.layout, '5up');
    assert.equal(c.size, 'large');
    assert.equal(c.record_on_start, true);
    assert.equal(c.enable_room_previews, true);
    assert.equal(c.enable_chat, false);
    assert.equal(c.tone_on_entry_and_exit, false);
    assert.equal(c.room_join_video_off, true);
    assert.equal(c.user_join_video_off, true);
    assert.deepEqual(c.meta, { team: 'core', n: 1 });
    assert.equal(c.dark_primary, '#abcdef');
    assert.equal(c.light_negative, '#ABCDEF');
    const got = await server.api(`/api/video/conferences/${c.id}`);
    assert.deepEqual(got.body, c);
  });

  it('reads a leap second as :59 and converts offsets to UTC', async () => {
    const res = await create({
      display_name: 'x',
      join_from: '2022-01-01T23:59:60Z',
      join_until: '2022-01-02T01:30:00.123-01:15',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.join_from, '2022-01-01T23:59:59Z');
    assert.equal(res.body.join_until, '2022-01-02T02:45:00Z');
  });

  it('ignores unknown fields without storing them', async () => {
    const res = await create({ display_name: 'x', color: 'red', id: 'mine', created_at: 'no' });
    assert.equal(res.status, 200);
    assert.equal(res.body.color, undefined);
    assert.notEqual(res.body.id, 'mine');
  });

  it('requires display_name, and reports a blank one', async () => {
    expectErrors(await create({}), [['display_name', 'missing_required_parameter']]);
    expectErrors(await create({ display_name: '' }), [
      ['display_name', 'missing_required_parameter'],
    ]);
  });

  it('treats a bodiless POST as an empty object', async () => {
    const res = await server.api('/api/video/conferences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expectErrors(res, [['display_name', 'missing_required_parameter']]);
  });

  it('reports every failing field at once, with its attribute and code', async () => {
    const res = await create({
      display_name: 42,
      name: 'has space',
      description: 'd'.repeat(3001),
      join_from: 'tomorrow',
      join_until: '2022-02-30',
      quality: '4k',
      layout: 'grid',
      size: 'huge',
      record_on_start: 'yes',
      enable_chat: 1,
      dark_primary: '#fff',
      light_primary: 'blue',
    });
    assert.equal(res.status, 422);
    const byAttribute = Object.fromEntries(
      res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]),
    );
    assert.deepEqual(byAttribute, {
      display_name: 'not_a_string',
      name: 'invalid_parameter',
      description: 'invalid_parameter',
      join_from: 'not_a_datetime',
      join_until: 'not_a_datetime',
      quality: 'invalid_parameter',
      layout: 'invalid_parameter',
      size: 'invalid_parameter',
      record_on_start: 'not_a_boolean',
      enable_chat: 'not_a_boolean',
      dark_primary: 'invalid_parameter',
      light_primary: 'invalid_parameter',
    });
  });

  it('enforces length limits at their exact boundaries', async () => {
    assert.equal(
      (await create({ display_name: 'd'.repeat(200), name: 'n'.repeat(100) })).status,
      200,
    );
    expectErrors(await create({ display_name: 'd'.repeat(201) }), [
      ['display_name', 'invalid_parameter'],
    ]);
    expectErrors(await create({ display_name: 'x', name: 'n'.repeat(101) }), [
      ['name', 'invalid_parameter'],
    ]);
    assert.equal((await create({ display_name: 'x', description: 'd'.repeat(3000) })).status, 200);
  });

  it('limits meta to an object of at most 2000 serialised characters', async () => {
    const fits = { k: 'v'.repeat(2000 - '{"k":""}'.length) };
    assert.equal((await create({ display_name: 'x', meta: fits })).status, 200);
    expectErrors(await create({ display_name: 'x', meta: { k: 'v'.repeat(2000) } }), [
      ['meta', 'invalid_parameter'],
    ]);
    expectErrors(await create({ display_name: 'x', meta: [1] }), [['meta', 'invalid_parameter']]);
    expectErrors(await create({ display_name: 'x', meta: 'str' }), [['meta', 'invalid_parameter']]);
  });

  it('refuses join_until before join_from', async () => {
    expectErrors(
      await create({
        display_name: 'x',
        join_from: '2022-01-02',
        join_until: '2022-01-01T23:59:59Z',
      }),
      [['join_until', 'invalid_join_until_date']],
    );
    assert.equal(
      (await create({ display_name: 'x', join_from: '2022-01-02', join_until: '2022-01-02' }))
        .status,
      200,
    );
  });

  it('keeps names unique within the project, and frees a deleted name', async () => {
    const first = await create({ display_name: 'x', name: 'unique-one' });
    assert.equal(first.status, 200);
    expectErrors(await create({ display_name: 'y', name: 'unique-one' }), [
      ['name', 'not_unique_within_project'],
    ]);
    const other = await server.newProject();
    const elsewhere = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { display_name: 'x', name: 'unique-one' },
      project: other,
    });
    assert.equal(elsewhere.status, 200, 'another project may use the same name');
    assert.equal(
      (await server.api(`/api/video/conferences/${first.body.id}`, { method: 'DELETE' })).status,
      204,
    );
    assert.equal((await create({ display_name: 'again', name: 'unique-one' })).status, 200);
  });

  it('answers 400 for malformed JSON and for JSON that is not an object', async () => {
    for (const rawBody of ['{"display_name":', 'not json', '[1,2]', '"text"', 'null', '42']) {
      const res = await server.api('/api/video/conferences', {
        method: 'POST',
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400, rawBody);
      assert.deepEqual(res.body, { error: 'Bad Request' });
    }
  });

  it('reads the body as JSON whatever the Content-Type', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-8',
    ]) {
      const res = await server.api('/api/video/conferences', {
        method: 'POST',
        rawBody: JSON.stringify({ display_name: type }),
        headers: { 'content-type': type },
      });
      assert.equal(res.status, 200, type);
      assert.equal(res.body.display_name, type);
    }
  });

  it('answers 413 for a body over 1 MiB and stores nothing', async () => {
    const before = await server.api('/api/video/conferences?page_size=1000');
    const res = await create({ display_name: 'big', description: 'x'.repeat(1024 * 1024) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: 'Payload Too Large' });
    const after = await server.api('/api/video/conferences?page_size=1000');
    assert.equal(after.body.data.length, before.body.data.length);
  });

  it('refuses a body carrying a __proto__ key (prototype poisoning) with 400', async () => {
    const res = await server.api('/api/video/conferences', {
      method: 'POST',
      rawBody: '{"display_name":"p","meta":{"__proto__":{"polluted":true}}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'Bad Request' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('GET /api/video/conferences/{id}', () => {
  it('returns the conference, and 404 for unknown, non-UUID and other-project ids', async () => {
    const c = (await create({ display_name: 'get me' })).body;
    const got = await server.api(`/api/video/conferences/${c.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, c);
    assert.equal((await server.api(`/api/video/conferences/${c.id.toUpperCase()}`)).status, 200);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'conf-1', '1', "x'--", '%20']) {
      const res = await server.api(`/api/video/conferences/${id}`);
      assert.equal(res.status, 404, id);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
  });

  it('validates include_active_session', async () => {
    const c = (await create({ display_name: 'q' })).body;
    for (const v of ['true', 'TRUE', 'False', '1', '0']) {
      assert.equal(
        (await server.api(`/api/video/conferences/${c.id}?include_active_session=${v}`)).status,
        200,
      );
    }
    const bad = await server.api(`/api/video/conferences/${c.id}?include_active_session=yes`);
    expectErrors(bad, [['include_active_session', 'not_a_boolean']]);
  });
});

describe('creates arriving together', () => {
  it('are committed together, and a taken name fails alone', async () => {
    const taken = `taken-${Date.now()}`;
    assert.equal((await create({ display_name: 'first', name: taken })).status, 200);
    // Store calls made in one tick: on SQLite they share one transaction (group commit).
    const { store, project } = server;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.createConference(project.id, {
          ...conferenceFields,
          id: randomUUID(),
          name: i === 3 ? taken : `together-${Date.now()}-${i}`,
          createdAt: Date.now(),
          tokens: [{ id: randomUUID(), name: 'Guest', token: randomUUID(), scopes: [] }],
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      results.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')),
    );
    assert.ok((results[3] as PromiseRejectedResult).reason instanceof NameTakenError);
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const read = await server.api(`/api/video/conferences/${r.value.wire.id}`);
      assert.deepEqual(read.body, r.value.wire);
    }
  });
});

describe('PUT /api/video/conferences/{id}', () => {
  it('requires display_name and keeps fields left out', async () => {
    const c = (
      await create({
        display_name: 'before',
        description: 'kept',
        quality: '1080p',
        join_from: '2030-01-01',
        meta: { a: 1 },
        dark_primary: '#111111',
      })
    ).body;
    expectErrors(await server.api(`/api/video/conferences/${c.id}`, { method: 'PUT', body: {} }), [
      ['display_name', 'missing_required_parameter'],
    ]);
    const res = await server.api(`/api/video/conferences/${c.id}`, {
      method: 'PUT',
      body: {
        display_name: 'after',
        name: 'renamed',
        size: 'small',
        tone_on_entry_and_exit: false,
      },
    });
    assert.equal(res.status, 200);
    const u = res.body;
    assert.equal(u.display_name, 'after');
    assert.equal(u.name, c.name, 'name never changes');
    assert.equal(u.description, 'kept');
    assert.equal(u.quality, '1080p');
    assert.equal(u.size, 'small');
    assert.equal(u.join_from, '2030-01-01T00:00:00Z');
    assert.equal(u.tone_on_entry_and_exit, false);
    assert.deepEqual(u.meta, { a: 1 });
    assert.equal(u.dark_primary, '#111111');
    assert.equal(u.created_at, c.created_at);
    assert.deepEqual((await server.api(`/api/video/conferences/${c.id}`)).body, u);
  });

  it("applies concurrent updates one after the other: none loses another one's field", async () => {
    const c = (await create({ display_name: 'race' })).body;
    // Each request changes a field of its own. Read-then-write would let a later write put back
    // the values it read before an earlier one landed.
    const changes: Record<string, unknown>[] = [
      { description: 'set' },
      { quality: '1080p' },
      { layout: 'highlight-1-responsive' },
      { size: 'large' },
      { record_on_start: true },
      { enable_chat: false },
      { dark_primary: '#123456' },
      { light_primary: '#654321' },
      { meta: { set: true } },
      { join_from: '2031-01-01T00:00:00Z' },
    ];
    const responses = await Promise.all(
      changes.map((change) =>
        server.api(`/api/video/conferences/${c.id}`, {
          method: 'PUT',
          body: { display_name: 'race', ...change },
        }),
      ),
    );
    for (const res of responses) assert.equal(res.status, 200, JSON.stringify(res.body));
    const stored = (await server.api(`/api/video/conferences/${c.id}`)).body;
    for (const change of changes) {
      for (const [field, value] of Object.entries(change)) {
        assert.deepEqual(stored[field], value, field);
      }
    }
  });

  it('checks the join window against the stored value and changes nothing on error', async () => {
    const c = (await create({ display_name: 'w', join_from: '2030-01-10' })).body;
    const bad = await server.api(`/api/video/conferences/${c.id}`, {
      method: 'PUT',
      body: { display_name: 'changed?', join_until: '2030-01-09' },
    });
    expectErrors(bad, [['join_until', 'invalid_join_until_date']]);
    assert.equal((await server.api(`/api/video/conferences/${c.id}`)).body.display_name, 'w');
  });

  it('validates types like create does', async () => {
    const c = (await create({ display_name: 't' })).body;
    const res = await server.api(`/api/video/conferences/${c.id}`, {
      method: 'PUT',
      body: { display_name: 't', tone_on_entry_and_exit: 'no', layout: 'nope', join_from: 12 },
    });
    assert.equal(res.status, 422);
    assert.deepEqual(
      res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]),
      [
        ['join_from', 'not_a_string'],
        ['layout', 'invalid_parameter'],
        ['tone_on_entry_and_exit', 'not_a_boolean'],
      ],
    );
  });

  it('answers 404 for unknown and non-UUID ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const res = await server.api(`/api/video/conferences/${id}`, {
        method: 'PUT',
        body: { display_name: 'x' },
      });
      assert.equal(res.status, 404);
    }
  });
});

describe('DELETE /api/video/conferences/{id}', () => {
  it('deletes with 204 and no body, removes the tokens, then 404s', async () => {
    const c = (await create({ display_name: 'gone' })).body;
    const tokens = (await server.api(`/api/video/conferences/${c.id}/conference_tokens`)).body.data;
    assert.equal(tokens.length, 2);
    const res = await server.api(`/api/video/conferences/${c.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal((await server.api(`/api/video/conferences/${c.id}`)).status, 404);
    assert.equal(
      (await server.api(`/api/video/conferences/${c.id}`, { method: 'DELETE' })).status,
      404,
    );
    for (const t of tokens) {
      assert.equal((await server.api(`/api/video/conference_tokens/${t.id}`)).status, 404);
    }
  });

  it('accepts a bodiless DELETE that claims a JSON body', async () => {
    const c = (await create({ display_name: 'gone' })).body;
    const res = await server.api(`/api/video/conferences/${c.id}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 204);
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and mints one otherwise', async () => {
    const given = await server.api('/api/video/conferences', {
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    const insane = await server.api('/api/video/conferences', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    assert.match(insane.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const anonymous = await server.api('/api/video/conferences', { anonymous: true });
    assert.match(anonymous.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
