import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrors, newConference, newRoom, startSession, walk } from './helpers/sessions.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const clockMs = Date.UTC(2026, 2, 1, 10);
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => clockMs });
});
after(async () => {
  await server.close();
});

const T0 = Date.UTC(2026, 2, 1, 9);
let counter = 0;
/** A new time a minute after the previous one, so sessions order by creation. */
const tick = () => T0 + ++counter * 60_000;

describe('GET /api/video/room_sessions/{id}', () => {
  it('returns the summary shape of a session the engine started and ended', async () => {
    const room = await newRoom(server, 'summary_room');
    const start = tick();
    const id = await startSession(server, {
      roomId: room.id,
      name: room.name,
      displayName: 'Summary room',
      layout: 'grid-responsive',
      quality: '1080p',
      fps: 30,
      maxMembers: 12,
      joinFrom: Date.UTC(2026, 2, 1) / 1000,
      removeAfterSecondsElapsed: 600,
      recordOnStart: true,
      startTime: start,
    });
    let res = await server.api(`/api/video/room_sessions/${id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      id,
      room_id: room.id,
      name: 'summary_room',
      display_name: 'Summary room',
      max_members: 12,
      quality: '1080p',
      fps: 30,
      join_from: '2026-03-01T00:00:00Z',
      join_until: null,
      remove_at: null,
      remove_after_seconds_elapsed: 600,
      layout: 'grid-responsive',
      record_on_start: true,
      tone_on_entry_and_exit: true,
      room_join_video_off: false,
      user_join_video_off: false,
      locked: false,
      start_time: new Date(start).toISOString().replace('.000', ''),
      end_time: null,
      duration: null,
      status: 'in-progress',
      created_at: new Date(start).toISOString().replace('.000', ''),
      updated_at: new Date(start).toISOString().replace('.000', ''),
      preview_url: null,
      prioritize_handraise: false,
      sync_audio_video: false,
    });
    assert.equal(
      await server.store.setRoomSessionLocked(server.project.id, id, true, start + 1000),
      true,
    );
    assert.equal(await server.store.endRoomSession(server.project.id, id, start + 95_400), true);
    assert.equal(await server.store.endRoomSession(server.project.id, id, start + 99_000), false);
    res = await server.api(`/api/video/room_sessions/${id.toUpperCase()}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.equal(res.body.locked, true);
    assert.equal(res.body.duration, 95);
    assert.equal(res.body.end_time, new Date(start + 95_000).toISOString().replace('.000', ''));
    assert.equal(res.body.updated_at, res.body.end_time);
    for (const listOnly of ['cost_in_dollars', 'enable_room_previews', 'locked_cover']) {
      assert.ok(!(listOnly in res.body), listOnly);
    }
  });

  it('gives a conference session its conference id as room_id', async () => {
    const conference = await newConference(server, 'summary-conference');
    const id = await startSession(server, {
      conferenceId: conference.id,
      name: conference.name,
      startTime: tick(),
    });
    const res = await server.api(`/api/video/room_sessions/${id}`);
    assert.equal(res.body.room_id, conference.id);
  });

  it('is a 404 for an unknown, non-UUID or other project session', async () => {
    const other = await server.newProject();
    const theirs = await startSession(server, { name: 'theirs', startTime: tick() }, other);
    for (const id of [randomUUID(), 'not-a-uuid', theirs]) {
      for (const suffix of ['', '/members', '/events', '/recordings']) {
        const res = await server.api(`/api/video/room_sessions/${id}${suffix}`);
        assert.equal(res.status, 404, `${id}${suffix}`);
        assert.deepEqual(res.body, { error: 'Not Found' });
      }
    }
    const mine = await server.api(`/api/video/room_sessions/${theirs}`, { project: other });
    assert.equal(mine.status, 200);
  });

  it('asks for credentials', async () => {
    const res = await server.api(`/api/video/room_sessions/${randomUUID()}`, { anonymous: true });
    assert.equal(res.status, 401);
  });
});

describe('GET /api/video/room_sessions', () => {
  it('lists newest first with the list-only fields, filtered by room, name and status', async () => {
    const project = await server.newProject();
    // Names come from the engine as they are: they may hold LIKE's wildcards.
    const a = await newRoom(server, 'alpha', project);
    const b = await newRoom(server, 'beta', project);
    const name = (roomId: string, n: string) => ({ roomId, name: n, startTime: tick() });
    const s1 = await startSession(server, name(a.id, 'alpha_100%'), project);
    const s2 = await startSession(server, name(b.id, 'beta-1x0'), project);
    const s3 = await startSession(server, name(a.id, 'alpha_100%'), project);
    const s4 = await startSession(server, { name: 'Ad_Hoc', startTime: tick() }, project);
    await server.store.endRoomSession(project.id, s1, tick());

    const list = async (query: string) => {
      const res = await server.api(`/api/video/room_sessions${query}`, { project });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.data.map((s: { id: string }) => s.id);
    };
    const all = await server.api('/api/video/room_sessions', { project });
    assert.deepEqual(
      all.body.data.map((s: { id: string }) => s.id),
      [s4, s3, s2, s1],
    );
    const item = all.body.data[0];
    assert.equal(item.cost_in_dollars, 0);
    assert.equal(item.enable_room_previews, false);
    assert.equal(item.locked_cover, '');
    assert.equal(item.room_id, null);
    assert.deepEqual(all.body.links, {
      self: `${server.url}/api/video/room_sessions?page_number=0&page_size=50`,
      first: `${server.url}/api/video/room_sessions?page_size=50`,
    });

    assert.deepEqual(await list(`?room_id=${a.id}`), [s3, s1]);
    assert.deepEqual(await list(`?room_id=${a.id.toUpperCase()}`), [s3, s1]);
    assert.deepEqual(await list(`?room_name=beta-1x0`), [s2]);
    assert.deepEqual(await list(`?room_name=beta`), []);
    assert.deepEqual(await list(`?room_name_matches=ALPHA`), [s3, s1]);
    // LIKE wildcards match themselves: `_` is not "any character", `%` not "anything".
    assert.deepEqual(await list(`?room_name_matches=${encodeURIComponent('_1')}`), [s3, s1]);
    assert.deepEqual(await list(`?room_name_matches=${encodeURIComponent('0%')}`), [s3, s1]);
    assert.deepEqual(await list(`?room_name_matches=${encodeURIComponent('%')}`), [s3, s1]);
    assert.deepEqual(await list(`?room_name_matches=d_h`), [s4]);
    assert.deepEqual(await list(`?room_name_matches=dxh`), []);
    assert.deepEqual(await list(`?status=completed`), [s1]);
    assert.deepEqual(await list(`?status=in-progress&room_id=${a.id}`), [s3]);

    const filtered = await server.api(
      `/api/video/room_sessions?room_name_matches=a&status=in-progress&page_size=1`,
      { project },
    );
    assert.equal(
      filtered.body.links.first,
      `${server.url}/api/video/room_sessions?page_size=1&room_name_matches=a&status=in-progress`,
    );
    const walked = await walk(
      server,
      '/api/video/room_sessions?room_name_matches=a&status=in-progress&page_size=1',
      project,
    );
    assert.deepEqual(walked.ids, [s4, s3, s2]);
  });

  it('walks along links.next without skipping or repeating', async () => {
    const project = await server.newProject();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      made.push(await startSession(server, { name: `walk_${i}`, startTime: tick() }, project));
    }
    const { ids, pages } = await walk(server, '/api/video/room_sessions?page_size=3', project);
    assert.equal(pages, 3);
    assert.deepEqual(ids, [...made].reverse());
  });

  it('keeps each project to its own sessions', async () => {
    const project = await server.newProject();
    await startSession(server, { name: 'isolated', startTime: tick() });
    const res = await server.api('/api/video/room_sessions?room_name=isolated', { project });
    assert.deepEqual(res.body.data, []);
  });

  it('rejects invalid filters and paging with 422', async () => {
    const cases: [string, [string, string][]][] = [
      ['room_id=nope', [['room_id', 'invalid_parameter']]],
      ['status=running', [['status', 'invalid_parameter']]],
      [`room_name=${'x'.repeat(101)}`, [['room_name', 'invalid_parameter']]],
      [`room_name_matches=${'x'.repeat(101)}`, [['room_name_matches', 'invalid_parameter']]],
      ['page_size=0', [['page_size', 'invalid_parameter']]],
      ['page_size=1001', [['page_size', 'invalid_parameter']]],
      ['page_number=-1', [['page_number', 'invalid_parameter']]],
      ['page_number=1', [['page_token', 'page_token_required']]],
      ['page_token=garbage', [['page_token', 'page_token_is_invalid']]],
    ];
    for (const [query, expected] of cases) {
      expectErrors(server, await server.api(`/api/video/room_sessions?${query}`), expected);
    }
  });
});

describe('GET /api/video/room_sessions/{id}/members', () => {
  it('lists the members the engine added, with join and leave times', async () => {
    const start = tick();
    const id = await startSession(server, { name: 'members_room', startTime: start });
    const alice = randomUUID();
    const bob = randomUUID();
    const add = (memberId: string, name: string | null, at: number) =>
      server.store.addMember({
        id: memberId,
        projectId: server.project.id,
        roomSessionId: id,
        name,
        joinTime: at,
      });
    assert.equal(await add(alice, 'Alice', start + 1000), true);
    assert.equal(await add(bob, null, start + 2000), true);
    assert.equal(await add(randomUUID(), 'Nobody', start), true);
    assert.equal(await server.store.memberLeft(server.project.id, alice, start + 61_000), true);
    assert.equal(await server.store.memberLeft(server.project.id, alice, start + 99_000), false);
    // Another project's store calls do not reach this session.
    const other = await server.newProject();
    assert.equal(
      await server.store.addMember({
        id: randomUUID(),
        projectId: other.id,
        roomSessionId: id,
        name: 'x',
        joinTime: start,
      }),
      false,
    );
    assert.equal(await server.store.memberLeft(other.id, bob, start + 5000), false);

    const res = await server.api(`/api/video/room_sessions/${id}/members`);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.length, 3);
    assert.deepEqual(res.body.data[0], {
      id: bob,
      room_session_id: id,
      name: null,
      join_time: new Date(start + 2000).toISOString().replace('.000', ''),
      leave_time: null,
      duration: null,
      cost_in_dollars: 0,
    });
    assert.deepEqual(res.body.data[1], {
      id: alice,
      room_session_id: id,
      name: 'Alice',
      join_time: new Date(start + 1000).toISOString().replace('.000', ''),
      leave_time: new Date(start + 61_000).toISOString().replace('.000', ''),
      duration: 60,
      cost_in_dollars: 0,
    });

    const { ids, pages } = await walk(server, `/api/video/room_sessions/${id}/members?page_size=2`);
    assert.equal(pages, 2);
    assert.deepEqual(
      ids,
      res.body.data.map((m: { id: string }) => m.id),
    );
    expectErrors(server, await server.api(`/api/video/room_sessions/${id}/members?page_size=x`), [
      ['page_size', 'invalid_parameter'],
    ]);
    expectErrors(server, await server.api(`/api/video/room_sessions/${id}/members?page_number=1`), [
      ['page_token', 'page_token_required'],
    ]);
  });
});

describe('GET /api/video/room_sessions/{id}/events', () => {
  it('lists the session events, newest first', async () => {
    const room = await newRoom(server, 'events_room');
    const start = tick();
    const id = await startSession(server, { roomId: room.id, name: room.name, startTime: start });
    const participant = randomUUID();
    const eventId = randomUUID();
    assert.equal(
      await server.store.addEvent({
        id: eventId,
        projectId: server.project.id,
        roomSessionId: id,
        roomParticipantId: participant,
        level: 'info',
        name: 'member.joined',
        payload: { member: { name: 'Alice' } },
        createdAt: start + 1000,
      }),
      true,
    );
    assert.equal(
      await server.store.addEvent({
        id: randomUUID(),
        projectId: server.project.id,
        roomSessionId: randomUUID(),
        level: 'info',
        name: 'lost',
        payload: {},
        createdAt: start,
      }),
      false,
    );
    await server.store.endRoomSession(server.project.id, id, start + 30_000);
    const res = await server.api(`/api/video/room_sessions/${id}/events`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.data.map((e: { name: string }) => e.name),
      ['session.ended', 'member.joined', 'session.started'],
    );
    assert.deepEqual(res.body.data[1], {
      id: eventId,
      project_id: server.project.id,
      room_id: room.id,
      room_session_id: id,
      room_participant_id: participant,
      level: 'info',
      name: 'member.joined',
      payload: { member: { name: 'Alice' } },
      created_at: new Date(start + 1000).toISOString().replace('.000', ''),
    });
    assert.deepEqual(res.body.data[0].payload, { duration: 30 });
    const { ids } = await walk(server, `/api/video/room_sessions/${id}/events?page_size=1`);
    assert.deepEqual(
      ids,
      res.body.data.map((e: { id: string }) => e.id),
    );
    expectErrors(server, await server.api(`/api/video/room_sessions/${id}/events?page_token=PAx`), [
      ['page_token', 'page_token_is_invalid'],
    ]);
  });

  it("gives an ad-hoc session's events the session id as room_id", async () => {
    const id = await startSession(server, { name: 'adhoc_events', startTime: tick() });
    const res = await server.api(`/api/video/room_sessions/${id}/events`);
    assert.equal(res.body.data[0].room_id, id);
  });
});
