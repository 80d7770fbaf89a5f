import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSE_CODES, type RefusedMessage } from '@conclave/schema';
import { decodeJwt } from 'jose';
import { TestClocks } from '../src/emulator/test-clocks.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

// A grace period no test waits for: only an advance of the clock can end it.
const GRACE_MS = 30_000;
let server: TestServer;
let plain: TestServer;
before(async () => {
  [server, plain] = await Promise.all([
    startTestServer({
      emulator: true,
      realtime: { graceMs: GRACE_MS, heartbeatMs: 1000, joinTimeoutMs: 2000, leaseMs: 5000 },
    }),
    startTestServer(),
  ]);
});
after(async () => {
  await Promise.all([server?.close(), plain?.close()]);
});

async function admin(
  path: string,
  init: { method?: string; body?: unknown; on?: TestServer } = {},
) {
  const res = await fetch(`${(init.on ?? server).url}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

interface ClockBody {
  time: string;
  frozen: boolean;
  offset_ms?: number;
}

async function clock(project: TestProject, method = 'GET', body?: unknown, suffix = '') {
  const res = await admin(`/emulator/projects/${project.id}/clock${suffix}`, {
    method,
    ...(body === undefined ? {} : { body }),
  });
  assert.equal(res.status, method === 'DELETE' ? 204 : 200, JSON.stringify(res.body));
  return res.body as ClockBody;
}

const freezeAt = (project: TestProject, time: string) =>
  clock(project, 'PUT', { time, frozen: true });
const advance = (project: TestProject, body: { ms?: number; seconds?: number }) =>
  clock(project, 'POST', body, '/advance');

let seq = 0;
async function newConference(project: TestProject, body: Record<string, unknown> = {}) {
  const created = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `clock_${++seq}_${Date.now()}`, display_name: 'Clock', ...body },
    project,
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await server.api(`/api/video/conferences/${created.body.id}/conference_tokens`, {
    project,
  });
  const guest = (tokens.body.data as { name: string; token: string }[]).find(
    (t) => t.name === 'Guest',
  )!;
  return { id: created.body.id as string, body: created.body, guest: guest.token };
}

async function roomToken(project: TestProject, body: Record<string, unknown>) {
  const res = await server.api('/api/video/room_tokens', { method: 'POST', body, project });
  assert.equal(res.status, 200, res.text);
  return res.body.token as string;
}

async function refusal(token: string) {
  try {
    const m = await TestMember.join(server.url, token);
    m.drop();
    assert.fail('the join was admitted');
  } catch (error) {
    return error as { code: number; reason: string; refused: RefusedMessage | undefined };
  }
}

async function members(project: TestProject, sessionId: string) {
  const res = await server.api(`/api/video/room_sessions/${sessionId}/members`, { project });
  assert.equal(res.status, 200, res.text);
  return res.body.data as {
    id: string;
    join_time: string;
    leave_time: string | null;
    duration: number | null;
  }[];
}

async function session(project: TestProject, sessionId: string) {
  const res = await server.api(`/api/video/room_sessions/${sessionId}`, { project });
  assert.equal(res.status, 200, res.text);
  return res.body as { status: string; start_time: string; end_time: string | null };
}

/** Whether the member is still connected after a moment. */
async function stillIn(member: TestMember): Promise<boolean> {
  return (await Promise.race([member.closed.then(() => false), sleep(150).then(() => true)]))!;
}

describe('emulator clock: the API', () => {
  it('shows the wall clock, a frozen set clock, a running one, and back', async () => {
    const project = await server.newProject();
    const wall = await clock(project);
    assert.equal(wall.frozen, false);
    assert.equal(wall.offset_ms, undefined);
    assert.ok(Math.abs(Date.parse(wall.time) - Date.now()) < 5000);
    assert.match(wall.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const frozen = await freezeAt(project, '2030-01-01T10:00:00.250+01:00');
    assert.equal(frozen.time, '2030-01-01T09:00:00.250Z');
    assert.equal(frozen.frozen, true);
    assert.ok(frozen.offset_ms! > 0);
    await sleep(30);
    assert.equal((await clock(project)).time, '2030-01-01T09:00:00.250Z', 'frozen stands still');
    assert.equal((await advance(project, { ms: 750 })).time, '2030-01-01T09:00:01.000Z');
    assert.equal((await advance(project, { seconds: 1.5 })).time, '2030-01-01T09:00:02.500Z');

    const running = await clock(project, 'PUT', { frozen: false });
    assert.equal(running.frozen, false);
    await sleep(60);
    const later = await clock(project);
    assert.ok(Date.parse(later.time) - Date.parse(running.time) >= 50, 'a running clock runs');
    assert.ok(Date.parse(later.time) < Date.parse('2030-01-01T09:01:00Z'));

    const frozenHere = await clock(project, 'PUT', { frozen: true });
    assert.equal(frozenHere.frozen, true);
    assert.ok(Date.parse(frozenHere.time) >= Date.parse(later.time), 'frozen where it stood');

    await clock(project, 'DELETE');
    const back = await clock(project);
    assert.equal(back.offset_ms, undefined);
    assert.ok(Math.abs(Date.parse(back.time) - Date.now()) < 5000);
  });

  it('refuses what moves nothing, and unknown projects', async () => {
    const project = server.project;
    const path = `/emulator/projects/${project.id}/clock`;
    for (const [method, suffix, body] of [
      ['PUT', '', {}],
      ['PUT', '', { time: 'tomorrow' }],
      ['PUT', '', { time: '1969-12-31T23:59:59Z' }],
      ['PUT', '', { frozen: true, speed: 2 }],
      ['POST', '/advance', {}],
      ['POST', '/advance', { ms: 1, seconds: 1 }],
      ['POST', '/advance', { ms: -1 }],
      ['POST', '/advance', { ms: 1.5 }],
    ] as const) {
      const res = await admin(path + suffix, { method, body });
      assert.equal(res.status, 422, `${method} ${JSON.stringify(body)}`);
      assert.equal(res.body.errors[0].type, 'validation_error');
    }
    const unknown = `/emulator/projects/${randomUUID()}/clock`;
    assert.equal((await admin(unknown)).status, 404);
    assert.equal((await admin(unknown, { method: 'PUT', body: { frozen: true } })).status, 404);
    assert.equal(
      (await admin(`${unknown}/advance`, { method: 'POST', body: { ms: 1 } })).status,
      404,
    );
    assert.equal((await admin(unknown, { method: 'DELETE' })).status, 404);
    const res = await fetch(`${server.url}/admin/v1${path}`);
    assert.equal(res.status, 401);
  });

  it('does not exist without CONCLAVE_EMULATOR: 404, and the wall clock', async () => {
    const path = `/emulator/projects/${plain.project.id}/clock`;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PUT', '', { frozen: true }],
      ['POST', '/advance', { ms: 1000 }],
      ['DELETE', '', undefined],
    ] as const) {
      const res = await admin(path + suffix, { method, on: plain, body });
      assert.equal(res.status, 404, `${method} ${suffix}`);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    const before = Date.now();
    const created = await plain.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `plain_${Date.now()}`, display_name: 'Plain' },
    });
    const createdAt = Date.parse(created.body.created_at);
    assert.ok(createdAt >= Math.floor(before / 1000) * 1000 && createdAt <= Date.now());
  });

  it('is reset with its project', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2031-05-05T05:05:05Z');
    const reset = await admin(`/emulator/projects/${project.id}/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.equal((await clock(project)).offset_ms, undefined);
  });
});

describe('emulator clock: join windows', () => {
  it('refuses a join before join_from; an advance past it admits, at the clock’s time', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2030-01-01T09:00:00Z');
    const conf = await newConference(project, { join_from: '2030-01-01T10:00:00Z' });
    const early = await refusal(conf.guest);
    assert.deepEqual([early.code, early.reason], [CLOSE_CODES.too_early, 'too_early']);
    assert.equal(early.refused?.join_from, '2030-01-01T10:00:00Z');

    await advance(project, { seconds: 3599 });
    assert.equal((await refusal(conf.guest)).reason, 'too_early', 'a second early still');
    await advance(project, { seconds: 1 });
    const ann = await TestMember.join(server.url, conf.guest, { name: 'Ann' });
    assert.equal(ann.joined!.member.join_time, '2030-01-01T10:00:00Z');
    assert.equal(ann.joined!.session.start_time, '2030-01-01T10:00:00Z');
    await eventually(async () => {
      const [m] = await members(project, ann.joined!.session.id);
      assert.equal(m?.join_time, '2030-01-01T10:00:00Z');
    });
    ann.drop();
  });

  it('join_until passed by an advance refuses new joins; members in stay; the session ends on time', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2030-01-01T09:00:00Z');
    const conf = await newConference(project, { join_until: '2030-01-01T10:00:00Z' });
    const ann = await TestMember.join(server.url, conf.guest, { name: 'Ann' });
    const sessionId = ann.joined!.session.id;

    await advance(project, { seconds: 3600 });
    const late = await refusal(conf.guest);
    assert.deepEqual([late.code, late.reason], [CLOSE_CODES.too_late, 'too_late']);
    assert.equal(late.refused?.join_until, '2030-01-01T10:00:00Z');
    assert.ok(await stillIn(ann), 'join_until refuses joins, it removes nobody');

    // Ann leaves at 10:30; the empty session ends after the grace period, at her leave.
    await advance(project, { seconds: 1800 });
    assert.deepEqual(await ann.leave(), { code: 1000, reason: 'left' });
    await advance(project, { ms: GRACE_MS - 1 });
    assert.equal((await session(project, sessionId)).status, 'in-progress');
    await advance(project, { ms: 1 });
    const ended = await session(project, sessionId);
    assert.deepEqual(
      [ended.status, ended.start_time, ended.end_time],
      ['completed', '2030-01-01T09:00:00Z', '2030-01-01T10:30:00Z'],
    );
    const [m] = await members(project, sessionId);
    assert.deepEqual([m?.leave_time, m?.duration], ['2030-01-01T10:30:00Z', 5400]);
  });
});

describe('emulator clock: deadlines', () => {
  it('a room token’s remove_after_seconds_elapsed removes the member when an advance passes it', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2030-03-01T12:00:00Z');
    const token = await roomToken(project, {
      room_name: `timed_${Date.now()}`,
      auto_create_room: true,
      remove_after_seconds_elapsed: 600,
    });
    const started = Date.now();
    const bob = await TestMember.join(server.url, token, { name: 'Bob' });
    await advance(project, { seconds: 599 });
    assert.ok(await stillIn(bob), 'a second before the deadline');
    await advance(project, { seconds: 1 });
    assert.deepEqual(await bob.closed, { code: CLOSE_CODES.time_up, reason: 'time_up' });
    assert.ok(Date.now() - started < 5000, 'no real waiting');
    const [m] = await members(project, bob.joined!.session.id);
    assert.deepEqual(
      [m?.join_time, m?.leave_time, m?.duration],
      ['2030-03-01T12:00:00Z', '2030-03-01T12:10:00Z', 600],
    );
  });

  it('an advance steps through the deadlines it passes, each at its own time', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2030-03-01T12:00:00Z');
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `steps_${Date.now()}`, remove_after_seconds_elapsed: 60 },
      project,
    });
    assert.equal(room.status, 200, room.text);
    const token = await roomToken(project, { room_name: room.body.name });
    const carl = await TestMember.join(server.url, token, { name: 'Carl' });
    const sessionId = carl.joined!.session.id;
    // One advance past the removal (12:01) and the empty session's end (grace after it).
    await advance(project, { seconds: 3600 });
    assert.equal((await carl.closed).code, CLOSE_CODES.time_up);
    const ended = await session(project, sessionId);
    assert.deepEqual([ended.status, ended.end_time], ['completed', '2030-03-01T12:01:00Z']);
    const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, { project });
    const times = Object.fromEntries(
      (events.body.data as { name: string; created_at: string }[]).map((e) => [
        e.name,
        e.created_at,
      ]),
    );
    assert.equal(times['member.joined'], '2030-03-01T12:00:00Z');
    assert.equal(times['member.left'], '2030-03-01T12:01:00Z');
  });

  it('a dropped member’s grace period runs out by an advance, not before', async () => {
    const project = await server.newProject();
    await freezeAt(project, '2030-04-01T08:00:00Z');
    const conf = await newConference(project);
    const stay = await TestMember.join(server.url, conf.guest, { name: 'Stay' });
    const flaky = await TestMember.join(server.url, conf.guest, { name: 'Flaky' });
    const flakyId = flaky.id;
    const resumeToken = flaky.joined!.resume_token;
    await advance(project, { seconds: 10 });
    flaky.drop();
    await stay.next((m) => m.type === 'member.updated' && m.member.id === flakyId);

    await advance(project, { ms: GRACE_MS - 1 });
    const left = stay.next((m) => m.type === 'member.left' && m.member_id === flakyId, 2000);
    await advance(project, { ms: 1 });
    const message = await left;
    assert.equal(message.type === 'member.left' && message.reason, 'disconnected');
    const flakyRow = (await members(project, stay.joined!.session.id)).find(
      (m) => m.id === flakyId,
    );
    assert.equal(flakyRow?.leave_time, '2030-04-01T08:00:10Z', 'left when it dropped');
    // Its resume token is spent: a resume is a new join.
    const again = await TestMember.join(server.url, conf.guest, { resume_token: resumeToken });
    assert.notEqual(again.id, flakyId);
    again.drop();
    stay.drop();
  });

  it('back on the wall clock, deadlines already due take effect at once', async () => {
    const project = await server.newProject();
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await freezeAt(project, hourAgo);
    const token = await roomToken(project, {
      room_name: `due_${Date.now()}`,
      auto_create_room: true,
      remove_after_seconds_elapsed: 600,
    });
    const dora = await TestMember.join(server.url, token, { name: 'Dora' });
    assert.ok(await stillIn(dora));
    await clock(project, 'DELETE');
    assert.equal((await dora.closed).code, CLOSE_CODES.time_up);
  });
});

describe('emulator clock: records and other projects', () => {
  it('REST writes take their times from the clock; another project keeps the wall clock', async () => {
    const project = await server.newProject();
    const other = await server.newProject();
    await freezeAt(project, '2030-06-01T12:00:00.250Z');
    const created = await newConference(project);
    assert.equal(created.body.created_at, '2030-06-01T12:00:00Z');
    assert.equal(created.body.updated_at, '2030-06-01T12:00:00Z');

    await advance(project, { seconds: 90 });
    const updated = await server.api(`/api/video/conferences/${created.id}`, {
      method: 'PUT',
      body: { display_name: 'Later' },
      project,
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.created_at, '2030-06-01T12:00:00Z');
    assert.equal(updated.body.updated_at, '2030-06-01T12:01:30Z');
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `rec_${Date.now()}` },
      project,
    });
    assert.equal(room.body.created_at, '2030-06-01T12:01:30Z');
    const token = await roomToken(project, { room_name: room.body.name });
    assert.equal(decodeJwt(token).iat, Date.parse('2030-06-01T12:01:30Z') / 1000);

    // The other project: the wall clock, its own join windows on it.
    const wall = await clock(other);
    assert.equal(wall.offset_ms, undefined);
    const before = Date.now();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const theirs = await newConference(other, { join_from: soon });
    const at = Date.parse(theirs.body.created_at);
    assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= Date.now());
    assert.equal((await refusal(theirs.guest)).reason, 'too_early');
    // …whatever the first project's clock does.
    await advance(project, { seconds: 7200 });
    assert.equal((await refusal(theirs.guest)).reason, 'too_early');
    assert.equal((await clock(other)).offset_ms, undefined);
  });
});

describe('emulator clock: webhook secrets', () => {
  it("a rotated secret keeps signing until the project's clock passes its deadline", async () => {
    const bodies: string[] = [];
    const headers: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        headers.push(String(req.headers['conclave-signature']));
        res.end('ok');
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    try {
      const project = await server.newProject();
      await freezeAt(project, '2030-03-01T08:00:00Z');
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await server.api('/conclave/v1/webhooks', {
        method: 'POST',
        body: { url, event_types: ['room.created'] },
        project,
      });
      assert.equal(created.status, 201, created.text);
      const rotated = await server.api(`/conclave/v1/webhooks/${created.body.id}/rotate_secret`, {
        method: 'POST',
        body: { keep_previous_for_seconds: 60 },
        project,
      });
      assert.equal(rotated.status, 200, rotated.text);
      const room = (name: string) =>
        server.api('/api/video/rooms', { method: 'POST', body: { name }, project });
      await room(`kept_${Date.now()}`);
      await eventually(async () => assert.equal(headers.length, 1));
      assert.equal(headers[0]!.split(',').length, 3, `both secrets sign: ${headers[0]}`);
      assert.ok(signedBy(headers[0]!, bodies[0]!, created.body.secret as string));

      await advance(project, { seconds: 61 });
      await room(`dropped_${Date.now()}`);
      await eventually(async () => assert.equal(headers.length, 2));
      assert.equal(headers[1]!.split(',').length, 2, `only the new secret: ${headers[1]}`);
      assert.ok(signedBy(headers[1]!, bodies[1]!, rotated.body.secret as string));
    } finally {
      await new Promise<void>((done) => receiver.close(() => done()));
    }
  });
});

/** Whether a `Conclave-Signature` header has a `v1` of `body` under `secret`. */
function signedBy(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some(([k, v]) => k === 'v1' && v === expected);
}

describe('TestClocks', () => {
  it('fires the deadlines an advance passes in order, each with the clock at its time', () => {
    let wall = 1_000_000;
    const clocks = new TestClocks(() => wall);
    const fired: [string, number][] = [];
    const p = 'p';
    clocks.set(p, { frozen: true });
    clocks.at(p, wall + 300, () => fired.push(['b', clocks.now(p)]));
    clocks.at(p, wall + 100, () => {
      fired.push(['a', clocks.now(p)]);
      // A deadline armed by a deadline, still within the advance.
      clocks.at(p, clocks.now(p) + 50, () => fired.push(['a2', clocks.now(p)]));
    });
    const cancelled = clocks.at(p, wall + 200, () => fired.push(['x', clocks.now(p)]));
    cancelled.cancel();
    const pending = clocks.at('other', wall + 100, () => fired.push(['other', 0]));
    wall += 5; // frozen: the wall moving does not move it
    clocks.advance(p, 250);
    assert.deepEqual(fired, [
      ['a', 1_000_100],
      ['a2', 1_000_150],
    ]);
    assert.equal(clocks.now(p), 1_000_250);
    clocks.advance(p, 1000);
    assert.deepEqual(fired.at(-1), ['b', 1_000_300]);
    assert.equal(clocks.now('other'), wall);
    clocks.reset('other');
    clocks.reset(p);
    assert.equal(clocks.now(p), wall);
    // The other project's deadline is still pending, on the wall clock.
    assert.equal(
      fired.some(([name]) => name === 'other'),
      false,
    );
    pending.cancel();
  });
});

describe('the test clock: recordings', () => {
  let withMedia: TestServer;
  before(async () => {
    withMedia = await startTestServer({
      emulator: true,
      media: { workers: 1 },
      realtime: { graceMs: GRACE_MS, heartbeatMs: 1000, joinTimeoutMs: 2000, leaseMs: 5000 },
    });
  });
  after(async () => {
    await withMedia?.close();
  });

  it("a recording's row is stamped on the project's clock: started when started, finished when stopped", async () => {
    const project = withMedia.project;
    const on = async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${withMedia.url}/admin/v1${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as Record<string, unknown>;
    };
    await on(`/emulator/projects/${project.id}/clock`, {
      method: 'PUT',
      body: { time: '2030-01-07T09:00:00Z', frozen: true },
    });
    const created = await withMedia.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `rec_clock_${Date.now()}`, display_name: 'Recorded' },
      project,
    });
    assert.equal(created.status, 200, created.text);
    const tokens = await withMedia.api(
      `/api/video/conferences/${created.body.id}/conference_tokens`,
      { project },
    );
    const moderator = (tokens.body.data as { name: string; token: string }[]).find(
      (t) => t.name === 'Moderator',
    )!.token;
    const mod = await TestMember.join(withMedia.url, moderator, { name: 'Mod' });
    const started = await mod.request({ type: 'recording.start' });
    assert.equal(started.type, 'ack', JSON.stringify(started));
    const id = (started as { recording_id?: string }).recording_id!;
    const recording = async () => {
      const res = await withMedia.api(`/api/video/room_recordings/${id}`, { project });
      assert.equal(res.status, 200, res.text);
      return res.body as { status: string; started_at: string; finished_at: string | null };
    };
    assert.equal(Date.parse((await recording()).started_at), Date.parse('2030-01-07T09:00:00Z'));

    // A simulated member's test pattern and tone are recorded for a few seconds (judged by the
    // packets sent to ffmpeg), a minute passes on the clock, and it is stopped.
    await on(`/emulator/projects/${project.id}/simulated_members`, {
      method: 'POST',
      body: { conference_id: created.body.id, count: 1, media: true },
    });
    const packets = async () =>
      ((await on('/media')) as { total: { outputPackets: number } }).total.outputPackets;
    await eventually(async () => assert.ok((await packets()) >= 400, 'packets to ffmpeg'), 40_000);
    await on(`/emulator/projects/${project.id}/clock/advance`, {
      method: 'POST',
      body: { seconds: 60 },
    });
    const stopped = await mod.request({ type: 'recording.stop', recording_id: id });
    assert.equal(stopped.type, 'ack', JSON.stringify(stopped));
    const done = await eventually(async () => {
      const row = await recording();
      assert.equal(row.status, 'completed');
      return row;
    }, 30_000);
    assert.equal(Date.parse(done.finished_at!), Date.parse('2030-01-07T09:01:00Z'));
    // Its start: the stop minus the file's duration (a few seconds of real media).
    const fileSeconds = (Date.parse(done.finished_at!) - Date.parse(done.started_at)) / 1000;
    assert.ok(fileSeconds >= 1 && fileSeconds < 60, JSON.stringify(done));
    mod.socket.close();
  });
});
