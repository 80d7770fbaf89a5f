import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrors, newConference, newRoom, startSession, walk } from './helpers/sessions.js';
import { startTestServer, type TestProject, type TestServer } from './helpers/test-server.js';

const clockMs = Date.UTC(2026, 4, 10, 12);
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => clockMs });
});
after(async () => {
  await server.close();
});

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
let counter = 0;
const tick = () => Date.UTC(2026, 4, 1, 9) + ++counter * 60_000;

async function logs(query = '', project?: TestProject) {
  const res = await server.api(`/api/video/logs${query}`, project ? { project } : {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Record<string, unknown>[];
}

describe('GET /api/video/logs', () => {
  it('writes one log per room session as it starts and ends', async () => {
    const project = await server.newProject();
    const room = await newRoom(server, 'logged_room', project);
    const start = tick();
    const sessionId = await startSession(
      server,
      { roomId: room.id, name: room.name, startTime: start },
      project,
    );
    let [log] = await logs('', project);
    assert.ok(log);
    assert.deepEqual(log, {
      id: log.id,
      source: 'realtime_api',
      type: 'video_room_session',
      url: `${server.url}/api/video/room_sessions/${sessionId}`,
      room_name: 'logged_room',
      status: 'in-progress',
      locked: false,
      started_at: iso(start),
      ended_at: null,
      charge: 0,
      created_at: iso(start),
      charge_details: [],
    });
    await server.store.setRoomSessionLocked(project.id, sessionId, true, start + 1000);
    await server.store.endRoomSession(project.id, sessionId, start + 5 * 60_000);
    [log] = await logs('', project);
    assert.equal(log!.status, 'completed');
    assert.equal(log!.locked, true);
    assert.equal(log!.ended_at, iso(start + 5 * 60_000));
    const one = await server.api(`/api/video/logs/${String(log!.id)}`, { project });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, log);
    const session = await server.api(new URL(String(log!.url)).pathname, { project });
    assert.equal(session.status, 200);
    assert.equal(session.body.id, sessionId);
  });

  it('types a conference session video_conference_session', async () => {
    const project = await server.newProject();
    const conference = await newConference(server, 'logged-conference', project);
    await startSession(
      server,
      { conferenceId: conference.id, name: conference.name, startTime: tick() },
      project,
    );
    const [log] = await logs('', project);
    assert.equal(log!.type, 'video_conference_session');
    assert.equal(log!.room_name, 'logged-conference');
  });

  it('discards the logs of a deleted room or conference (shown with include_deleted)', async () => {
    const project = await server.newProject();
    const room = await newRoom(server, 'doomed_room', project);
    const conference = await newConference(server, 'doomed-conference', project);
    const kept = await newRoom(server, 'kept_room', project);
    await startSession(server, { roomId: room.id, name: room.name, startTime: tick() }, project);
    await startSession(
      server,
      { conferenceId: conference.id, name: conference.name, startTime: tick() },
      project,
    );
    await startSession(server, { roomId: kept.id, name: kept.name, startTime: tick() }, project);
    const before = await logs('', project);
    assert.equal(before.length, 3);
    const [keptLog, conferenceLog, roomLog] = before;

    const deletedAt = clockMs;
    for (const path of [`/api/video/rooms/${room.id}`, `/api/video/conferences/${conference.id}`]) {
      assert.equal((await server.api(path, { method: 'DELETE', project })).status, 204);
    }
    assert.deepEqual(
      (await logs('', project)).map((l) => l.id),
      [keptLog!.id],
    );
    for (const flag of ['?include_deleted=false', '?include_deleted=0']) {
      assert.deepEqual(
        (await logs(flag, project)).map((l) => l.id),
        [keptLog!.id],
      );
    }
    const all = await logs('?include_deleted=TRUE', project);
    assert.deepEqual(all, [
      keptLog,
      {
        id: conferenceLog!.id,
        discarded_at: iso(deletedAt),
        created_at: conferenceLog!.created_at,
      },
      { id: roomLog!.id, discarded_at: iso(deletedAt), created_at: roomLog!.created_at },
    ]);
    const one = await server.api(`/api/video/logs/${String(roomLog!.id)}`, { project });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, all[2]);
  });

  it('filters by creation time', async () => {
    const project = await server.newProject();
    const day = (d: number, h: number) => Date.UTC(2026, 0, d, h);
    const made: Record<string, string> = {};
    for (const [label, at] of [
      ['jan1', day(1, 23)],
      ['jan2a', day(2, 0)],
      ['jan2b', day(2, 23)],
      ['jan3', day(3, 0)],
    ] as const) {
      await startSession(server, { name: label, startTime: at }, project);
      made[label] = String((await logs('?page_size=1', project))[0]!.id);
    }
    const ids = async (query: string) => (await logs(query, project)).map((l) => l.id);
    const { jan1, jan2a, jan2b, jan3 } = made;
    assert.deepEqual(await ids('?created_on=2026-01-02'), [jan2b, jan2a]);
    assert.deepEqual(await ids('?created_on=2026-01-02T15:00:00Z'), [jan2b, jan2a]);
    assert.deepEqual(await ids('?created_before=2026-01-02'), [jan1]);
    assert.deepEqual(await ids('?created_before=2026-01-02T00:00:01Z'), [jan2a, jan1]);
    assert.deepEqual(await ids('?created_after=2026-01-02T23:00:00Z'), [jan3]);
    assert.deepEqual(await ids(`?created_after=${day(1, 23) / 1000}`), [jan3, jan2b, jan2a]);
    assert.deepEqual(
      await ids('?created_after=2026-01-01T23:30:00%2B00:00&created_before=2026-01-03'),
      [jan2b, jan2a],
    );
    const res = await server.api('/api/video/logs?created_on=2026-01-02&page_size=1', { project });
    assert.equal(
      res.body.links.next.startsWith(`${server.url}/api/video/logs?created_on=2026-01-02&`),
      true,
    );
    const walked = await walk(server, '/api/video/logs?created_on=2026-01-02&page_size=1', project);
    assert.deepEqual(walked.ids, [jan2b, jan2a]);
  });

  it('walks along links.next, with and without discarded logs', async () => {
    const project = await server.newProject();
    const room = await newRoom(server, 'walked', project);
    for (let i = 0; i < 5; i++) {
      await startSession(server, { roomId: room.id, name: room.name, startTime: tick() }, project);
      await startSession(server, { name: `adhoc_${i}`, startTime: tick() }, project);
    }
    const all = (await logs('', project)).map((l) => l.id);
    assert.equal(all.length, 10);
    let walked = await walk(server, '/api/video/logs?page_size=3', project);
    assert.equal(walked.pages, 4);
    assert.deepEqual(walked.ids, all);
    await server.api(`/api/video/rooms/${room.id}`, { method: 'DELETE', project });
    walked = await walk(server, '/api/video/logs?page_size=3', project);
    assert.equal(walked.ids.length, 5);
    walked = await walk(server, '/api/video/logs?page_size=3&include_deleted=true', project);
    assert.deepEqual(walked.ids, all);
  });

  it('rejects invalid filters and paging with 422', async () => {
    const cases: [string, [string, string][]][] = [
      ['include_deleted=maybe', [['include_deleted', 'not_a_boolean']]],
      ['created_before=yesterday', [['created_before', 'not_a_datetime']]],
      ['created_on=2026-02-30', [['created_on', 'not_a_datetime']]],
      ['created_after=2026-01-01T25:00:00Z', [['created_after', 'not_a_datetime']]],
      ['page_size=0', [['page_size', 'invalid_parameter']]],
      ['page_number=1', [['page_token', 'page_token_required']]],
      ['page_token=PBnope', [['page_token', 'page_token_is_invalid']]],
    ];
    for (const [query, expected] of cases) {
      expectErrors(server, await server.api(`/api/video/logs?${query}`), expected);
    }
  });

  it('is 403 for a token without the video scope and 401 without credentials', async () => {
    const project = await server.newProject([]);
    for (const path of ['/api/video/logs', `/api/video/logs/${randomUUID()}`]) {
      const res = await server.api(path, { project });
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { error: 'Forbidden' });
      assert.equal((await server.api(path, { anonymous: true })).status, 401);
    }
  });
});

describe('GET /api/video/logs/{id}', () => {
  it('is a 404 for an unknown, non-UUID or other project log', async () => {
    const other = await server.newProject();
    await startSession(server, { name: 'foreign', startTime: tick() }, other);
    const [theirs] = await logs('', other);
    for (const id of [randomUUID(), 'not-a-uuid', String(theirs!.id)]) {
      const res = await server.api(`/api/video/logs/${id}`);
      assert.equal(res.status, 404, id);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    assert.deepEqual(
      (await logs('')).filter((l) => l.id === theirs!.id),
      [],
    );
  });
});
