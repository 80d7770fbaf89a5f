import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSE_CODES, THEME_COLOR_FIELDS, type RefusedMessage } from '@conclave/schema';
import WebSocket from 'ws';
import { refusedMessage, shuttingDown } from '../src/realtime/admission.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

// Timings generous enough for a loaded CI machine (two cores, suites in parallel).
const GRACE_MS = 1000;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    realtime: { graceMs: GRACE_MS, heartbeatMs: 1000, joinTimeoutMs: 1000, leaseMs: 5000 },
  });
});
after(async () => {
  await server.close();
});

let seq = 0;
async function newConference(body: Record<string, unknown> = {}, project?: TestProject) {
  const created = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `live_${++seq}_${Date.now()}`, display_name: 'Live', ...body },
    ...(project ? { project } : {}),
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await server.api(`/api/video/conferences/${created.body.id}/conference_tokens`, {
    ...(project ? { project } : {}),
  });
  const byName = (name: string) =>
    (tokens.body.data as { name: string; token: string; id: string }[]).find(
      (t) => t.name === name,
    )!;
  return {
    id: created.body.id as string,
    /** The conference as the API returned it. */
    body: created.body as Record<string, unknown>,
    moderator: byName('Moderator').token,
    guest: byName('Guest').token,
    guestId: byName('Guest').id,
  };
}

async function roomToken(body: Record<string, unknown>, project?: TestProject) {
  const res = await server.api('/api/video/room_tokens', {
    method: 'POST',
    body,
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 200, res.text);
  return res.body.token as string;
}

/** How many members are in a session now, as the REST API reports it. */
async function present(sessionId: string): Promise<number> {
  const res = await server.api(`/api/video/room_sessions/${sessionId}/members?page_size=1000`);
  assert.equal(res.status, 200);
  return (res.body.data as { leave_time: string | null }[]).filter((m) => m.leave_time === null)
    .length;
}

async function activeSession(conferenceId: string) {
  const res = await server.api(
    `/api/video/conferences/${conferenceId}?include_active_session=true`,
  );
  assert.equal(res.status, 200);
  return res.body.active_session;
}

async function refusal(token: string, extra: { name?: string } = {}) {
  try {
    const m = await TestMember.join(server.url, token, extra);
    m.drop();
    assert.fail('the join was admitted');
  } catch (error) {
    return error as { code: number; reason: string; refused: RefusedMessage | undefined };
  }
}

describe('realtime: joining a conference', () => {
  it('admits members, shows them to each other and in the REST API, relays signal and chat', async () => {
    const conf = await newConference({ enable_chat: true });
    const alice = await TestMember.join(server.url, conf.moderator, { name: 'Alice' });
    assert.equal(alice.joined!.protocol, 1);
    assert.equal(alice.joined!.member.name, 'Alice');
    assert.deepEqual(alice.joined!.members, []);
    assert.equal(alice.joined!.session.conference_id, conf.id);
    assert.ok(alice.joined!.scopes.includes('room.member.remove'));

    const bob = await TestMember.join(server.url, conf.guest, { name: 'Bob' });
    assert.deepEqual(
      bob.joined!.members.map((m) => m.name),
      ['Alice'],
    );
    assert.equal(bob.joined!.session.id, alice.joined!.session.id);
    const seen = await alice.next('member.joined');
    assert.equal(seen.member.id, bob.id);
    assert.equal(seen.member.name, 'Bob');

    // Signal: relayed to one member, opaque.
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    assert.equal((await alice.request({ type: 'signal', to: bob.id, data: offer })).type, 'ack');
    const relayed = await bob.next('signal');
    assert.deepEqual(relayed, { type: 'signal', from: alice.id, data: offer });

    // Chat: to everyone, sender included.
    assert.equal((await bob.request({ type: 'chat', text: 'hello' })).type, 'ack');
    for (const m of [alice, bob]) {
      const chat = await m.next('chat');
      assert.equal(chat.text, 'hello');
      assert.equal(chat.from, bob.id);
      assert.equal(chat.name, 'Bob');
    }

    // The REST API shows the live session, its members and its events.
    const active = await activeSession(conf.id);
    await eventually(async () => assert.equal(await present(active.id), 2));
    assert.equal(active.id, alice.joined!.session.id);
    assert.equal(active.status, 'in-progress');
    assert.equal(active.room_id, conf.id);
    assert.equal(active.max_members, 50, 'a medium conference (the default size)');
    const sessions = await server.api(`/api/video/room_sessions?status=in-progress`);
    assert.ok(sessions.body.data.some((s: { id: string }) => s.id === active.id));
    const members = await server.api(`/api/video/room_sessions/${active.id}/members`);
    assert.deepEqual(members.body.data.map((m: { name: string }) => m.name).sort(), [
      'Alice',
      'Bob',
    ]);

    // Leaving: the others are told; the last one out ends the session after the grace period.
    assert.equal((await bob.leave()).code, 1000);
    const left = await alice.next('member.left');
    assert.deepEqual(left, { type: 'member.left', member_id: bob.id, reason: 'left' });
    await alice.leave();
    const ended = await eventually(async () => {
      const res = await server.api(`/api/video/room_sessions/${active.id}`);
      assert.equal(res.body.status, 'completed');
      return res.body;
    });
    assert.ok(ended.end_time);
    assert.equal(await activeSession(conf.id), undefined);
    const after = await server.api(`/api/video/room_sessions/${active.id}/members`);
    for (const m of after.body.data) {
      assert.ok(m.leave_time, 'every member has left');
      assert.equal(typeof m.duration, 'number');
    }
    const events = await server.api(`/api/video/room_sessions/${active.id}/events?page_size=100`);
    const names = events.body.data.map((e: { name: string }) => e.name).reverse();
    assert.deepEqual(names, [
      'session.started',
      'member.joined',
      'member.joined',
      'member.left',
      'member.left',
      'session.ended',
    ]);
    const logs = await server.api(`/api/video/logs`);
    const log = logs.body.data.find((l: { id: string; room_session_id?: string }) =>
      JSON.stringify(l).includes(active.id),
    );
    assert.ok(log, 'the session has a video log');
  });

  it('refuses chat when the conference has enable_chat false', async () => {
    const conf = await newConference({ enable_chat: false });
    const m = await TestMember.join(server.url, conf.guest);
    const reply = await m.request({ type: 'chat', text: 'hi' });
    assert.equal(reply.type, 'error');
    assert.equal(reply.type === 'error' && reply.code, 'chat_disabled');
    await m.leave();
  });

  it('admits exactly max_members under a burst of concurrent joins', async () => {
    const conf = await newConference({ size: 'small' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) =>
        TestMember.join(server.url, conf.guest, { name: `m${i}` }),
      ),
    );
    const admitted = attempts.filter((a) => a.status === 'fulfilled');
    const refused = attempts.filter((a) => a.status === 'rejected');
    assert.equal(admitted.length, 10);
    for (const r of refused) {
      assert.equal((r.reason as { code: number }).code, CLOSE_CODES.session_full);
      assert.equal((r.reason as { reason: string }).reason, 'session_full');
    }
    const active = await activeSession(conf.id);
    await eventually(async () => assert.equal(await present(active.id), 10));
    assert.equal(active.max_members, 10);
    // A place freed is a place taken.
    const first = (admitted[0] as PromiseFulfilledResult<TestMember>).value;
    await first.leave();
    const next = await TestMember.join(server.url, conf.guest);
    for (const a of admitted.slice(1)) (a as PromiseFulfilledResult<TestMember>).value.drop();
    next.drop();
  });

  it('enforces the join window of the conference, and says when it opens or closed', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const early = await newConference({ join_from: soon });
    const e = await refusal(early.guest);
    assert.deepEqual([e.code, e.reason], [CLOSE_CODES.too_early, 'too_early']);
    assert.deepEqual(e.refused, {
      type: 'refused',
      reason: 'too_early',
      message: `joining opens at ${early.body.join_from as string}`,
      join_from: early.body.join_from,
    });
    const late = await newConference({ join_until: past });
    const l = await refusal(late.guest);
    assert.deepEqual([l.code, l.reason], [CLOSE_CODES.too_late, 'too_late']);
    assert.deepEqual(l.refused, {
      type: 'refused',
      reason: 'too_late',
      message: `joining closed at ${late.body.join_until as string}`,
      join_until: late.body.join_until,
    });
    assert.equal(await activeSession(early.id), undefined, 'no session was started');

    // A token's remove_at that has passed: too late, and join_until says since when.
    const removeAt = new Date(Math.floor(Date.now() / 1000 - 60) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');
    const token = await roomToken({
      room_name: `gone_${Date.now()}`,
      auto_create_room: true,
      remove_at: removeAt,
    });
    const r = await refusal(token);
    assert.equal(r.code, CLOSE_CODES.too_late);
    assert.equal(r.refused?.join_until, removeAt);
    assert.equal(r.refused?.join_from, undefined);
    assert.match(r.refused?.message ?? '', /^members are removed at /);
  });

  it('explains every refusal in a refused frame before closing (but not a shutdown)', async () => {
    const bogus = await refusal('vpt_' + '0'.repeat(32));
    assert.deepEqual(bogus.refused, {
      type: 'refused',
      reason: 'invalid_token',
      message: 'unknown or reset token',
    });
    const conf = await newConference({ size: 'small' });
    const mod = await TestMember.join(server.url, conf.moderator);
    assert.equal((await mod.request({ type: 'session.lock', locked: true })).type, 'ack');
    const locked = await refusal(conf.guest);
    assert.equal(locked.code, CLOSE_CODES.session_locked);
    assert.deepEqual(locked.refused, {
      type: 'refused',
      reason: 'session_locked',
      message: 'the session is locked',
    });
    mod.drop();
    // A join refused while the server stops closes 1001 like everyone else's, with no frame.
    assert.equal(refusedMessage(shuttingDown()), undefined);
  });

  it('carries the conference’s tone and colours in the session; a room’s tone and no colours', async () => {
    const conf = await newConference({
      tone_on_entry_and_exit: false,
      dark_primary: '#112233',
      light_background: '#FAFAFA',
    });
    const m = await TestMember.join(server.url, conf.guest);
    const session = m.joined!.session;
    assert.equal(session.tone_on_entry_and_exit, false);
    assert.deepEqual(Object.keys(session.colors), [...THEME_COLOR_FIELDS]);
    assert.equal(session.colors.dark_primary, '#112233');
    assert.equal(session.colors.light_background, '#FAFAFA');
    for (const field of THEME_COLOR_FIELDS) {
      assert.equal(session.colors[field], conf.body[field], `${field} as stored`);
    }
    // The next join reads the conference again: a changed colour shows.
    const updated = await server.api(`/api/video/conferences/${conf.id}`, {
      method: 'PUT',
      body: { display_name: 'Live', dark_primary: '#445566', tone_on_entry_and_exit: true },
    });
    assert.equal(updated.status, 200, updated.text);
    const second = await TestMember.join(server.url, conf.guest);
    assert.equal(second.joined!.session.id, session.id);
    assert.equal(second.joined!.session.colors.dark_primary, '#445566');
    assert.equal(second.joined!.session.tone_on_entry_and_exit, true);
    m.drop();
    second.drop();

    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `quiet_${Date.now()}`, tone_on_entry_and_exit: false },
    });
    assert.equal(room.status, 200, room.text);
    const inRoom = await TestMember.join(
      server.url,
      await roomToken({ room_name: room.body.name }),
    );
    assert.equal(inRoom.joined!.session.tone_on_entry_and_exit, false);
    for (const field of THEME_COLOR_FIELDS) {
      assert.equal(inRoom.joined!.session.colors[field], null, `a room has no ${field}`);
    }
    inRoom.drop();
    const adhoc = await TestMember.join(
      server.url,
      await roomToken({ room_name: `adhoc_theme_${Date.now()}`, auto_create_room: true }),
    );
    assert.equal(adhoc.joined!.session.tone_on_entry_and_exit, true);
    assert.equal(adhoc.joined!.session.colors.dark_primary, null);
    adhoc.drop();
  });

  it('refuses unknown, malformed and reset tokens; a reset keeps those already in', async () => {
    const bogus = await refusal('vpt_' + '0'.repeat(32));
    assert.deepEqual([bogus.code, bogus.reason], [CLOSE_CODES.invalid_token, 'invalid_token']);
    const garbage = await refusal('not-a-token');
    assert.equal(garbage.code, CLOSE_CODES.invalid_token);

    const conf = await newConference();
    const inside = await TestMember.join(server.url, conf.guest);
    const reset = await server.api(`/api/video/conference_tokens/${conf.guestId}/reset`, {
      method: 'POST',
    });
    assert.equal(reset.status, 200);
    const old = await refusal(conf.guest);
    assert.equal(old.code, CLOSE_CODES.invalid_token);
    const fresh = await TestMember.join(server.url, reset.body.token as string);
    assert.equal(fresh.joined!.session.id, inside.joined!.session.id);
    assert.equal((await inside.request({ type: 'chat', text: 'still here' })).type, 'ack');
    inside.drop();
    fresh.drop();
  });
});

describe('realtime: moderation', () => {
  it('checks every action against the token scopes', async () => {
    const conf = await newConference();
    const mod = await TestMember.join(server.url, conf.moderator, { name: 'Mod' });
    const guest = await TestMember.join(server.url, conf.guest, { name: 'Guest' });
    const other = await TestMember.join(server.url, conf.guest, { name: 'Other' });

    // A guest may mute itself but not others, nor lock, set the layout or remove.
    const self = await guest.request({ type: 'member.update', audio_muted: true });
    assert.equal(self.type, 'ack');
    const updated = await mod.next((m) => m.type === 'member.updated');
    assert.equal(updated.type === 'member.updated' && updated.member.audio_muted, true);
    for (const frame of [
      { type: 'member.update', member_id: other.id, audio_muted: true },
      { type: 'member.remove', member_id: other.id },
      { type: 'session.lock', locked: true },
      { type: 'layout.set', layout: '2x2' },
    ]) {
      const reply = await guest.request(frame);
      assert.equal(reply.type === 'error' && reply.code, 'forbidden', JSON.stringify(frame));
    }

    // The moderator may do all of it.
    assert.equal(
      (await mod.request({ type: 'member.update', member_id: other.id, video_muted: true })).type,
      'ack',
    );
    const muted = await other.next((m) => m.type === 'member.updated' && m.member.id === other.id);
    assert.equal(muted.type === 'member.updated' && muted.member.video_muted, true);
    assert.equal((await mod.request({ type: 'layout.set', layout: '2x2' })).type, 'ack');
    const layout = await guest.next('session.updated');
    assert.equal(layout.session.layout, '2x2');
    const unknown = await mod.request({ type: 'layout.set', layout: 'no-such-layout' });
    assert.equal(unknown.type === 'error' && unknown.code, 'bad_message');

    // Lock: nobody new gets in; unlock: they do.
    assert.equal((await mod.request({ type: 'session.lock', locked: true })).type, 'ack');
    const locked = await refusal(conf.guest);
    assert.deepEqual([locked.code, locked.reason], [CLOSE_CODES.session_locked, 'session_locked']);
    const session = mod.joined!.session.id;
    const summary = await server.api(`/api/video/room_sessions/${session}`);
    assert.equal(summary.status, 200);
    assert.equal((await mod.request({ type: 'session.lock', locked: false })).type, 'ack');
    const late = await TestMember.join(server.url, conf.guest);

    // Remove: the member is disconnected with 4420, the others are told.
    assert.equal((await mod.request({ type: 'member.remove', member_id: other.id })).type, 'ack');
    assert.deepEqual(await other.closed, { code: CLOSE_CODES.removed, reason: 'removed' });
    const gone = await guest.next((m) => m.type === 'member.left' && m.member_id === other.id);
    assert.equal(gone.type === 'member.left' && gone.reason, 'removed');
    const missing = await mod.request({ type: 'member.remove', member_id: other.id });
    assert.equal(missing.type === 'error' && missing.code, 'member_not_found');

    const events = await eventually(async () => {
      const res = await server.api(`/api/video/room_sessions/${session}/events?page_size=100`);
      const names = res.body.data.map((e: { name: string }) => e.name);
      assert.ok(names.includes('session.unlocked'));
      return names as string[];
    });
    for (const name of ['member.updated', 'layout.changed', 'session.locked', 'member.left']) {
      assert.ok(events.includes(name), name);
    }
    for (const m of [mod, guest, late]) m.drop();
  });

  it('lets an audience member watch but not publish', async () => {
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `stage_${Date.now()}` },
    });
    assert.equal(room.status, 200);
    const token = await roomToken({
      room_name: room.body.name,
      user_name: 'Viewer',
      join_as: 'audience',
      permissions: ['room.self.audio_unmute', 'room.self.video_unmute'],
    });
    const viewer = await TestMember.join(server.url, token, { name: 'ignored' });
    assert.equal(viewer.joined!.member.name, 'Viewer', "the token's user_name wins");
    assert.equal(viewer.joined!.member.join_as, 'audience');
    assert.equal(viewer.joined!.member.can_publish, false);
    assert.equal(viewer.joined!.member.audio_muted, true);
    const unmute = await viewer.request({ type: 'member.update', audio_muted: false });
    assert.equal(unmute.type === 'error' && unmute.code, 'not_publisher');
    assert.equal(viewer.joined!.session.room_id, room.body.id);
    const res = await server.api(`/api/video/rooms/${room.body.id}?include_active_session=true`);
    const active = res.body.active_session;
    assert.equal(active.id, viewer.joined!.session.id);
    await eventually(async () => assert.equal(await present(active.id), 1));
    assert.equal(active.name, room.body.name);
    viewer.drop();
  });
});

describe('realtime: timers', () => {
  it('removes members at remove_after_seconds_elapsed and at remove_at', async () => {
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `timed_${Date.now()}`, remove_after_seconds_elapsed: 1 },
    });
    const token = await roomToken({ room_name: room.body.name });
    const started = Date.now();
    const member = await TestMember.join(server.url, token);
    assert.deepEqual(await member.closed, { code: CLOSE_CODES.time_up, reason: 'time_up' });
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 4000, `removed after ${took} ms`);

    // remove_at from the token (whole seconds): the earliest deadline wins.
    const at = Math.ceil(Date.now() / 1000) + 1;
    const token2 = await roomToken({
      room_name: `adhoc_${Date.now()}`,
      auto_create_room: true,
      remove_at: new Date(at * 1000).toISOString(),
    });
    const m2 = await TestMember.join(server.url, token2);
    assert.equal(m2.joined!.session.room_id, null, 'an auto-created session has no room');
    assert.equal((await m2.closed).code, CLOSE_CODES.time_up);
    assert.ok(Date.now() >= at * 1000 - 5);
  });

  it('keeps a dropped member’s place for the grace period, and lets it go after', async () => {
    const conf = await newConference();
    const stay = await TestMember.join(server.url, conf.guest, { name: 'Stay' });
    const flaky = await TestMember.join(server.url, conf.guest, { name: 'Flaky' });
    const resume = flaky.joined!.resume_token;
    flaky.drop();
    const reconnecting = await stay.next(
      (m) => m.type === 'member.updated' && m.member.id === flaky.id,
    );
    assert.equal(reconnecting.type === 'member.updated' && reconnecting.member.reconnecting, true);

    const back = await TestMember.join(server.url, conf.guest, { resume_token: resume });
    assert.equal(back.joined!.resumed, true);
    assert.equal(back.id, flaky.id, 'same member');
    assert.deepEqual(
      back.joined!.members.map((m) => m.name),
      ['Stay'],
    );
    const returned = await stay.next(
      (m) => m.type === 'member.updated' && m.member.id === flaky.id && !m.member.reconnecting,
    );
    assert.ok(returned);
    // A spent resume token does not resume again (it admits as a new member).
    back.drop();
    await sleep(GRACE_MS + 200);
    const left = await stay.next((m) => m.type === 'member.left' && m.member_id === flaky.id);
    assert.equal(left.type === 'member.left' && left.reason, 'disconnected');
    const again = await TestMember.join(server.url, conf.guest, {
      resume_token: back.joined!.resume_token,
    });
    assert.equal(again.joined!.resumed, false);
    assert.notEqual(again.id, flaky.id);
    stay.drop();
    again.drop();
  });

  it('ends a session only after its last member has been gone for the grace period', async () => {
    const conf = await newConference();
    const a = await TestMember.join(server.url, conf.guest);
    const session = a.joined!.session.id;
    await a.leave();
    // Back within the grace period: the same session goes on.
    const b = await TestMember.join(server.url, conf.guest);
    assert.equal(b.joined!.session.id, session);
    await b.leave();
    const leftAt = Date.now();
    const ended = await eventually(async () => {
      const res = await server.api(`/api/video/room_sessions/${session}`);
      assert.equal(res.body.status, 'completed');
      return res.body;
    });
    // The end time is when the last member left, not when the grace period ran out.
    assert.ok(Math.abs(Date.parse(ended.end_time) - leftAt) < 1500);
    const c = await TestMember.join(server.url, conf.guest);
    assert.notEqual(c.joined!.session.id, session, 'a new session');
    c.drop();
  });

  it('drops a peer that stops answering heartbeats', async () => {
    const conf = await newConference();
    const watcher = await TestMember.join(server.url, conf.guest);
    const socket = new WebSocket(server.url.replace('http', 'ws') + '/api/video/realtime', {
      autoPong: false,
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'join', token: conf.guest }));
    const joined = await watcher.next('member.joined');
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    assert.equal(await closed, CLOSE_CODES.heartbeat_timeout, 'told why, then cut off');
    const gone = await watcher.next(
      (m) => m.type === 'member.left' && m.member_id === joined.member.id,
    );
    assert.equal(gone.type === 'member.left' && gone.reason, 'disconnected');
    watcher.drop();
  });
});

describe('realtime: storms', () => {
  it('survives join/leave storms and leaves a consistent record', async () => {
    const confs = await Promise.all([1, 2, 3, 4].map(() => newConference({ size: 'large' })));
    const sessions = new Set<string>();
    let joins = 0;
    let connected: TestMember[] = [];
    for (let wave = 0; wave < 3; wave++) {
      const joined = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          TestMember.join(server.url, confs[i % confs.length]!.guest, { name: `w${wave}-${i}` }),
        ),
      );
      joins += joined.length;
      for (const m of joined) sessions.add(m.joined!.session.id);
      connected.push(...joined);
      // Half leave, a quarter drop their connection, the rest stay for the next wave — in groups
      // of four consecutive members, one per conference, so every conference keeps some.
      const fate = (i: number) => Math.floor(i / confs.length) % 4;
      const leaving = connected.filter((_, i) => fate(i) < 2);
      const dropping = connected.filter((_, i) => fate(i) === 2);
      connected = connected.filter((_, i) => fate(i) === 3);
      dropping.forEach((m) => m.drop());
      await Promise.all(leaving.map((m) => m.leave()));
    }
    assert.equal(sessions.size, confs.length, 'one session per conference throughout');
    await Promise.all(connected.map((m) => m.leave()));
    for (const id of sessions) {
      await eventually(async () => {
        const res = await server.api(`/api/video/room_sessions/${id}`);
        assert.equal(res.body.status, 'completed');
      });
    }
    let members = 0;
    for (const id of sessions) {
      const page = await server.api(`/api/video/room_sessions/${id}/members?page_size=1000`);
      for (const m of page.body.data) assert.ok(m.leave_time, 'no member is left present');
      members += page.body.data.length;
      const events = await server.api(`/api/video/room_sessions/${id}/events?page_size=1000`);
      const count = (name: string) =>
        events.body.data.filter((e: { name: string }) => e.name === name).length;
      assert.equal(count('member.joined'), page.body.data.length);
      assert.equal(count('member.left'), page.body.data.length);
      assert.equal(count('session.started'), 1);
      assert.equal(count('session.ended'), 1);
    }
    assert.equal(members, joins);
  });
});

describe('realtime: deleting and isolation', () => {
  it('ends the session and disconnects everyone when the conference is deleted', async () => {
    const conf = await newConference();
    const a = await TestMember.join(server.url, conf.guest);
    const b = await TestMember.join(server.url, conf.moderator);
    const session = a.joined!.session.id;
    const del = await server.api(`/api/video/conferences/${conf.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    for (const m of [a, b]) {
      assert.deepEqual(await m.closed, {
        code: CLOSE_CODES.session_ended,
        reason: 'session_ended',
      });
    }
    await eventually(async () => {
      const res = await server.api(`/api/video/room_sessions/${session}`);
      assert.equal(res.body.status, 'completed');
    });
    const refused = await refusal(conf.moderator);
    assert.equal(refused.code, CLOSE_CODES.invalid_token, 'its tokens are gone');
  });

  it('never puts a token of one project in another project’s session', async () => {
    const other = await server.newProject();
    const name = `same_name_${Date.now()}`;
    for (const project of [server.project, other]) {
      const res = await server.api('/api/video/rooms', { method: 'POST', body: { name }, project });
      assert.equal(res.status, 200);
    }
    const mine = await TestMember.join(server.url, await roomToken({ room_name: name }));
    const theirs = await TestMember.join(server.url, await roomToken({ room_name: name }, other));
    assert.notEqual(mine.joined!.session.id, theirs.joined!.session.id);
    assert.deepEqual(theirs.joined!.members, [], 'nobody from the other project');
    const signal = await mine.request({ type: 'signal', to: theirs.id, data: 'x' });
    assert.equal(signal.type === 'error' && signal.code, 'member_not_found');
    const cross = await server.api(`/api/video/room_sessions/${theirs.joined!.session.id}`);
    assert.equal(cross.status, 404);
    mine.drop();
    theirs.drop();
  });
});

describe('realtime: resuming, replacing and failures', () => {
  it('resumes only with the token the member joined with; a reset token still resumes', async () => {
    const conf = await newConference();
    const stay = await TestMember.join(server.url, conf.moderator);
    const guest = await TestMember.join(server.url, conf.guest);
    const resume = guest.joined!.resume_token;
    guest.drop();
    // Someone else's token with the stolen resume token: an ordinary new join, not the member.
    const thief = await TestMember.join(server.url, conf.moderator, { resume_token: resume });
    assert.equal(thief.joined!.resumed, false);
    assert.notEqual(thief.id, guest.id);
    // The guest token is reset meanwhile: the member was already in, so it takes its place back.
    const reset = await server.api(`/api/video/conference_tokens/${conf.guestId}/reset`, {
      method: 'POST',
    });
    assert.equal(reset.status, 200);
    const back = await TestMember.join(server.url, conf.guest, { resume_token: resume });
    assert.equal(back.joined!.resumed, true);
    assert.equal(back.id, guest.id);
    for (const m of [stay, thief, back]) m.drop();
  });

  it('closes the old connection when its member resumes on a new one', async () => {
    const conf = await newConference();
    const first = await TestMember.join(server.url, conf.guest);
    const second = await TestMember.join(server.url, conf.guest, {
      resume_token: first.joined!.resume_token,
    });
    assert.equal(second.id, first.id);
    assert.deepEqual(await first.closed, { code: CLOSE_CODES.replaced, reason: 'replaced' });
    assert.equal((await second.request({ type: 'chat', text: 'still me' })).type, 'ack');
    second.drop();
  });

  it('ends every live session of a deleted project', async () => {
    const doomed = await server.newProject();
    const conf = await newConference({}, doomed);
    const m = await TestMember.join(server.url, conf.guest);
    const res = await fetch(`${server.url}/admin/v1/projects/${doomed.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    assert.equal((await m.closed).code, CLOSE_CODES.session_ended);
  });

  it('refuses a join it cannot record, keeps running, and recovers', async () => {
    const conf = await newConference();
    const inside = await TestMember.join(server.url, conf.guest);
    const store = server.store as { applySessionWrites: (...a: unknown[]) => Promise<void> };
    const real = store.applySessionWrites;
    store.applySessionWrites = async () => {
      throw new Error('database down (test)');
    };
    try {
      const refused = await refusal(conf.guest);
      assert.deepEqual([refused.code, refused.reason], [1011, 'unavailable']);
      // Steps that cannot be recorded are answered `unavailable`; the process stays up.
      const mute = await inside.request({ type: 'member.update', audio_muted: true });
      assert.equal(mute.type === 'error' && mute.code, 'unavailable');
      inside.drop();
      await sleep(GRACE_MS + 100); // its grace timer fires and its leave fails to write
    } finally {
      store.applySessionWrites = real;
    }
    const later = await TestMember.join(server.url, conf.guest);
    assert.ok(later.joined);
    later.drop();
  });
});

describe('realtime: the protocol guards itself', () => {
  it('closes on a bad first frame, a late join, and answers bad frames after joining', async () => {
    const a = await TestMember.connect(server.url);
    a.socket.send('not json');
    assert.deepEqual(await a.closed, { code: CLOSE_CODES.bad_message, reason: 'bad_message' });

    const b = await TestMember.connect(server.url);
    b.send({ type: 'chat', text: 'before joining' });
    assert.equal((await b.closed).code, CLOSE_CODES.bad_message);

    const c = await TestMember.connect(server.url);
    assert.deepEqual(await c.closed, { code: CLOSE_CODES.join_timeout, reason: 'join_timeout' });

    const conf = await newConference();
    const d = await TestMember.join(server.url, conf.guest);
    d.send({ type: 'nope' });
    const bad = await d.next('error');
    assert.equal(bad.code, 'bad_message');
    const big = await d.request({ type: 'signal', to: d.id, data: 'x'.repeat(70_000) });
    assert.equal(big.type === 'error' && big.code, 'too_large');
    const unknown = await d.request({ type: 'member.update', extra: 1 });
    assert.equal(unknown.type === 'error' && unknown.code, 'bad_message');
    d.drop();
  });

  it('survives frames nested deep enough to overflow JSON.stringify', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    // Before joining: refused, the connection closed, the process alive.
    const a = await TestMember.connect(server.url);
    a.socket.send(`{"type":${deep(5000)}}`);
    assert.equal((await a.closed).code, CLOSE_CODES.bad_message);
    // After joining: answered as a bad frame, to itself or to anyone.
    const conf = await newConference();
    const b = await TestMember.join(server.url, conf.guest);
    b.socket.send(`{"type":"signal","id":"deep","to":"${b.id}","data":${deep(5000)}}`);
    const reply = await b.next('error');
    assert.equal(reply.code, 'bad_message', 'refused before it is parsed (so without its ref)');
    // Strings may hold any brackets at all.
    const ok = await b.request({ type: 'chat', text: '[[[[{{{{'.repeat(100) });
    assert.equal(ok.type, 'ack');
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
    b.drop();
  });

  it('counts a leave sent just before the connection closes', async () => {
    const conf = await newConference();
    const watcher = await TestMember.join(server.url, conf.moderator);
    const m = await TestMember.join(server.url, conf.guest);
    await watcher.next('member.joined');
    m.send({ type: 'member.update', audio_muted: true });
    m.send({ type: 'leave' });
    m.drop();
    const left = await watcher.next((x) => x.type === 'member.left' && x.member_id === m.id);
    assert.equal(left.type === 'member.left' && left.reason, 'left');
    watcher.drop();
  });

  it('answers a plain HTTP request with 426', async () => {
    const res = await fetch(server.url + '/api/video/realtime');
    assert.equal(res.status, 426);
    assert.deepEqual(await res.json(), { error: 'Upgrade Required' });
  });
});
