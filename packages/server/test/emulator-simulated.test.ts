import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { SimulatedMember, SimulatedMembersJoined } from '@conclave/schema';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

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

async function simulate(project: TestProject, body: Record<string, unknown>) {
  const res = await admin(`/emulator/projects/${project.id}/simulated_members`, {
    method: 'POST',
    body,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as SimulatedMembersJoined;
}

async function act(project: TestProject, memberId: string, action: string) {
  const res = await admin(
    `/emulator/projects/${project.id}/simulated_members/${memberId}/actions`,
    { method: 'POST', body: { action } },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as SimulatedMember;
}

async function conference(project: TestProject, body: Record<string, unknown> = {}) {
  const res = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `sim_${randomUUID().slice(0, 8)}`, display_name: 'Sim', ...body },
    project,
  });
  assert.equal(res.status, 200, res.text);
  const tokens = await server.api(`/api/video/conferences/${res.body.id}/conference_tokens`, {
    project,
  });
  return {
    id: res.body.id as string,
    moderator: (tokens.body.data as { name: string; token: string }[]).find(
      (t) => t.name === 'Moderator',
    )!.token,
  };
}

async function present(project: TestProject, sessionId: string) {
  const res = await server.api(`/api/video/room_sessions/${sessionId}/members`, { project });
  return (res.body.data as { name: string; leave_time: string | null }[]).filter(
    (m) => m.leave_time === null,
  );
}

describe('emulator: simulated members', () => {
  it('a size-limited conference admits exactly its size of them, the rest refused as people are', async () => {
    const project = await server.newProject();
    const conf = await conference(project, { size: 'small' });
    const { joined, refused } = await simulate(project, {
      conference_id: conf.id,
      count: 12,
      name: 'Bot',
    });
    assert.equal(joined.length, 10);
    assert.equal(refused.length, 2);
    for (const r of refused) assert.equal(r.reason, 'session_full');
    const sessionId = joined[0]!.room_session_id;
    assert.ok(joined.every((m) => m.room_session_id === sessionId && m.state === 'joined'));
    assert.equal((await present(project, sessionId)).length, 10);
    const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, { project });
    assert.equal(
      (events.body.data as { name: string }[]).filter((e) => e.name === 'member.joined').length,
      10,
    );
    // A person is refused too, and the active session shows them.
    const person = await TestMember.join(server.url, conf.moderator).catch((e: unknown) => e);
    assert.equal((person as { reason: string }).reason, 'session_full');
    const active = await server.api(
      `/api/video/conferences/${conf.id}?include_active_session=true`,
      { project },
    );
    assert.equal(active.body.active_session.id, sessionId);
  });

  it('mute, talk, drop, reconnect and leave, seen by a person in the session and the records', async () => {
    const project = await server.newProject();
    const conf = await conference(project);
    const ann = await TestMember.join(server.url, conf.moderator, { name: 'Ann' });
    const { joined } = await simulate(project, { conference_id: conf.id, count: 1 });
    const bot = joined[0]!;
    assert.equal(bot.name, 'Simulated 1');
    const arrived = await ann.next('member.joined');
    assert.equal(arrived.member.id, bot.id);

    assert.equal((await act(project, bot.id, 'mute')).audio_muted, true);
    const muted = await ann.next((m) => m.type === 'member.updated' && m.member.id === bot.id);
    assert.equal(muted.type === 'member.updated' && muted.member.audio_muted, true);

    assert.equal((await act(project, bot.id, 'talk')).talking, true);
    const talking = await ann.next('member.talking');
    assert.deepEqual([talking.member_id, talking.talking], [bot.id, true]);
    await act(project, bot.id, 'stop_talking');
    assert.equal((await ann.next('member.talking')).talking, false);

    assert.equal((await act(project, bot.id, 'drop')).state, 'reconnecting');
    const dropped = await ann.next((m) => m.type === 'member.updated' && m.member.reconnecting);
    assert.equal(dropped.type === 'member.updated' && dropped.member.id, bot.id);
    const refusedTalk = await admin(
      `/emulator/projects/${project.id}/simulated_members/${bot.id}/actions`,
      { method: 'POST', body: { action: 'talk' } },
    );
    assert.equal(refusedTalk.status, 422);
    assert.equal((await act(project, bot.id, 'reconnect')).state, 'joined');
    await ann.next((m) => m.type === 'member.updated' && !m.member.reconnecting);

    const left = await act(project, bot.id, 'leave');
    assert.deepEqual([left.state, left.left_reason], ['left', 'left']);
    const gone = await ann.next('member.left');
    assert.deepEqual([gone.member_id, gone.reason], [bot.id, 'left']);
    const sessionId = bot.room_session_id;
    const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, { project });
    const names = (events.body.data as { name: string }[]).map((e) => e.name);
    for (const name of ['member.joined', 'member.updated', 'member.talking', 'member.left']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const list = await admin(`/emulator/projects/${project.id}/simulated_members`);
    assert.deepEqual(
      list.body.data.map((m: SimulatedMember) => [m.id, m.state]),
      [[bot.id, 'left']],
    );
    ann.drop();
  });

  it('leave after for_seconds on the project’s clock; a moderator’s removal is told', async () => {
    const project = await server.newProject();
    await admin(`/emulator/projects/${project.id}/clock`, {
      method: 'PUT',
      body: { time: '2030-01-01T09:00:00Z', frozen: true },
    });
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `simroom_${Date.now()}` },
      project,
    });
    const { joined } = await simulate(project, {
      room_name: room.body.name,
      count: 2,
      for_seconds: 60,
    });
    assert.equal(joined.length, 2);
    const removed = await server.api(
      `/conclave/v1/room_sessions/${joined[0]!.room_session_id}/members/${joined[0]!.id}`,
      { method: 'DELETE', project },
    );
    assert.ok(removed.status === 204 || removed.status === 200, removed.text);
    await eventually(async () => {
      const list = await admin(`/emulator/projects/${project.id}/simulated_members`);
      const first = list.body.data.find((m: SimulatedMember) => m.id === joined[0]!.id);
      assert.equal(first.left_reason, 'removed');
    });
    await admin(`/emulator/projects/${project.id}/clock/advance`, {
      method: 'POST',
      body: { seconds: 60 },
    });
    const list = await admin(`/emulator/projects/${project.id}/simulated_members`);
    const reasons = new Map(
      list.body.data.map((m: SimulatedMember) => [m.id, m.left_reason] as const),
    );
    assert.deepEqual(
      joined.map((m) => reasons.get(m.id)),
      ['removed', 'left'],
    );
    const members = await server.api(
      `/api/video/room_sessions/${joined[1]!.room_session_id}/members`,
      { project },
    );
    const second = (members.body.data as { id: string; leave_time: string }[]).find(
      (m) => m.id === joined[1]!.id,
    );
    assert.equal(second?.leave_time, '2030-01-01T09:01:00Z');
  });

  it('a dropped one whose grace period runs out (by the clock) is gone, disconnected', async () => {
    const project = await server.newProject();
    await admin(`/emulator/projects/${project.id}/clock`, {
      method: 'PUT',
      body: { time: '2030-01-01T09:00:00Z', frozen: true },
    });
    const conf = await conference(project);
    const { joined } = await simulate(project, { conference_id: conf.id, count: 2 });
    assert.equal((await act(project, joined[0]!.id, 'drop')).state, 'reconnecting');
    await admin(`/emulator/projects/${project.id}/clock/advance`, {
      method: 'POST',
      body: { ms: GRACE_MS },
    });
    const list = await admin(`/emulator/projects/${project.id}/simulated_members`);
    const byId = new Map(list.body.data.map((m: SimulatedMember) => [m.id, m]));
    const [cut, kept] = joined.map((m) => byId.get(m.id) as SimulatedMember);
    assert.deepEqual([cut!.state, cut!.left_reason], ['left', 'disconnected']);
    assert.deepEqual([kept!.state, kept!.left_reason], ['joined', null]);
    const again = await admin(
      `/emulator/projects/${project.id}/simulated_members/${joined[0]!.id}/actions`,
      { method: 'POST', body: { action: 'reconnect' } },
    );
    assert.equal(again.status, 200, 'reconnect answers what became of it');
    assert.deepEqual([again.body.state, again.body.left_reason], ['left', 'disconnected']);
    const talk = await admin(
      `/emulator/projects/${project.id}/simulated_members/${joined[0]!.id}/actions`,
      { method: 'POST', body: { action: 'talk' } },
    );
    assert.equal(talk.status, 422);
  });

  it('refuses a missing target or two of them; 404 without the switch', async () => {
    const project = server.project;
    const path = `/emulator/projects/${project.id}/simulated_members`;
    for (const body of [
      { count: 1 },
      { count: 1, conference_id: randomUUID() },
      { count: 1, room_name: 'a', token: 'b' },
      { count: 0, room_name: 'a' },
    ]) {
      const res = await admin(path, { method: 'POST', body });
      assert.equal(res.status, 422, JSON.stringify(body));
    }
    const bad = await simulate(project, { token: 'vpt_' + '0'.repeat(32), count: 2 });
    assert.deepEqual(
      bad.refused.map((r) => r.reason),
      ['invalid_token', 'invalid_token'],
    );
    const unknown = await admin(`${path}/${randomUUID()}/actions`, {
      method: 'POST',
      body: { action: 'leave' },
    });
    assert.equal(unknown.status, 404);
    const off = await admin(`/emulator/projects/${plain.project.id}/simulated_members`, {
      method: 'POST',
      on: plain,
      body: { count: 1, room_name: 'x' },
    });
    assert.equal(off.status, 404);
  });
});

/** The ffmpeg processes making member `memberId`'s synthetic media (found by their command
 *  line, which names its temporary directory). */
function syntheticProcesses(memberId: string): number[] {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!/ffmpeg/.test(args[0] ?? '')) continue;
      if (args.some((a) => a.includes(`conclave-synthetic-${memberId}-`))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Waits until `check()` holds (polled), failing with `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => assert.ok(check(), what), timeoutMs);
}

describe('emulator: simulated members with synthetic media', () => {
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

  it('each runs one ffmpeg while in the session: none after a drop, again on reconnect, none after leave or a reset; at most 4 at once', async () => {
    const project = withMedia.project;
    const path = `/emulator/projects/${project.id}/simulated_members`;
    const post = (body: unknown) => admin(path, { method: 'POST', body, on: withMedia });
    const res = await withMedia.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `media_${randomUUID().slice(0, 8)}`, display_name: 'Media' },
      project,
    });
    assert.equal(res.status, 200, res.text);
    const joined = await post({ conference_id: res.body.id, count: 2, name: 'Bot', media: true });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const [a, b] = (joined.body as SimulatedMembersJoined).joined;
    assert.deepEqual(
      [a, b].map((m) => [m!.name, m!.media, m!.tone_hz]),
      [
        ['Bot 1', true, 440],
        ['Bot 2', true, 550],
      ],
    );
    for (const m of [a!, b!]) {
      await waitFor(`${m.name}'s ffmpeg`, () => syntheticProcesses(m.id).length === 1, 20_000);
    }
    // Two running: three more would pass the limit of four.
    const tooMany = await post({ conference_id: res.body.id, count: 3, media: true });
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.errors[0].attribute, 'media');
    assert.match(tooMany.body.errors[0].message, /at most 4 .* \(2 now\)/);
    // Without media they join as before.
    const plainOnes = await post({ conference_id: res.body.id, count: 3 });
    assert.deepEqual(
      (plainOnes.body as SimulatedMembersJoined).joined.map((m) => [m.media, m.tone_hz]),
      [
        [false, null],
        [false, null],
        [false, null],
      ],
    );

    const action = (id: string, name: string) =>
      admin(`${path}/${id}/actions`, { method: 'POST', body: { action: name }, on: withMedia });
    const first = syntheticProcesses(a!.id)[0];
    assert.equal((await action(a!.id, 'drop')).status, 200);
    await waitFor('no ffmpeg while dropped', () => syntheticProcesses(a!.id).length === 0);
    assert.equal((await action(a!.id, 'reconnect')).status, 200);
    await waitFor(
      'a new ffmpeg after reconnecting',
      () => syntheticProcesses(a!.id).some((pid) => pid !== first),
      20_000,
    );
    assert.equal((await action(a!.id, 'leave')).status, 200);
    await waitFor('no ffmpeg after leave', () => syntheticProcesses(a!.id).length === 0);
    const listed = await admin(path, { on: withMedia });
    const state = (id: string) =>
      (listed.body.data as SimulatedMember[]).find((m) => m.id === id)?.state;
    assert.deepEqual([state(a!.id), state(b!.id)], ['left', 'joined']);
    // A reset ends the session: the last one's ffmpeg ends with it.
    const reset = await admin(`/emulator/projects/${project.id}/reset`, {
      method: 'POST',
      on: withMedia,
    });
    assert.equal(reset.status, 200);
    await waitFor('no ffmpeg after the reset', () => syntheticProcesses(b!.id).length === 0);
  });

  it('is refused (422, media) by a server without media', async () => {
    const res = await admin(`/emulator/projects/${server.project.id}/simulated_members`, {
      method: 'POST',
      body: { room_name: 'no_media', count: 1, media: true },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.errors[0].attribute, 'media');
    assert.match(res.body.errors[0].message, /no media engine/);
  });
});
