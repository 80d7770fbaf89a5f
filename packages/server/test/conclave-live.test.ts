import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LiveFeedEvent, LiveMember } from '@conclave/schema';
import { LiveFeed } from '../src/realtime/live-feed.js';
import { LiveStream } from '../src/routes/conclave/live-routes.js';
import { eventually } from './helpers/eventually.js';
import { MediaPeer } from './helpers/media-peer.js';
import { TestMember } from './helpers/realtime-client.js';
import { expectErrors, startSession } from './helpers/sessions.js';
import {
  ADMIN_TOKEN,
  basicAuth,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

// Conclave's own API (/conclave/v1): the live feed (SSE) and moderation of live sessions.
const GRACE_MS = 500;
const HEARTBEAT_MS = 200;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    realtime: { graceMs: GRACE_MS, heartbeatMs: 1000, joinTimeoutMs: 2000, leaseMs: 5000 },
    liveFeed: { heartbeatMs: HEARTBEAT_MS },
  });
});
after(async () => {
  await server.close();
});

type Of<T extends LiveFeedEvent['type']> = Extract<LiveFeedEvent, { type: T }>;

/** A reader of the live feed, as a browser would read it: fetch and a stream reader. */
class Feed {
  /** Every event, in order. */
  readonly all: LiveFeedEvent[] = [];
  /** Comment lines (heartbeats, the reason a stream was ended). */
  readonly comments: string[] = [];
  readonly ended: Promise<void>;
  #unread: LiveFeedEvent[] = [];
  #waiters: { match: (e: LiveFeedEvent) => boolean; resolve: (e: LiveFeedEvent) => void }[] = [];
  #endedFlag = false;

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.ended = this.#read().finally(() => {
      this.#endedFlag = true;
    });
  }

  get isEnded(): boolean {
    return this.#endedFlag;
  }

  async #read(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
            else assert.fail(`unexpected SSE line ${JSON.stringify(line)}`);
          }
          if (data.length === 0) continue;
          const event = JSON.parse(data.join('\n')) as LiveFeedEvent;
          assert.equal(name, event.type, 'the event name is the data’s type');
          this.all.push(event);
          const i = this.#waiters.findIndex((w) => w.match(event));
          if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(event);
          else this.#unread.push(event);
        }
      }
    } catch (error) {
      if (!this.controller.signal.aborted) throw error;
    }
  }

  /** The next unread event of a type (and matching `match`), waiting for it if need be. */
  next<T extends LiveFeedEvent['type']>(
    type: T,
    match: (e: Of<T>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Of<T>> {
    const test = (e: LiveFeedEvent) => e.type === type && match(e as Of<T>);
    const i = this.#unread.findIndex(test);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0] as Of<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${type} event in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (e: LiveFeedEvent) => {
        clearTimeout(timer);
        resolve(e as Of<T>);
      };
      this.#waiters.push({ match: test, resolve: done });
    });
  }

  /** The types received after the snapshot. */
  types(): string[] {
    return this.all.slice(1).map((e) => e.type);
  }

  close(): void {
    this.controller.abort();
  }
}

const feeds: Feed[] = [];
after(() => {
  for (const f of feeds) f.close();
});

/** Opens the feed (a 200 is expected; see refusedFeed for the others). */
async function openFeed(
  options: { project?: TestProject; authorization?: string | null; on?: TestServer } = {},
): Promise<Feed> {
  const on = options.on ?? server;
  const controller = new AbortController();
  const authorization =
    options.authorization === undefined
      ? (options.project ?? on.project).auth
      : options.authorization;
  const response = await fetch(`${on.url}/conclave/v1/live`, {
    headers: authorization === null ? {} : { authorization },
    signal: controller.signal,
  });
  if (response.status !== 200) assert.fail(`${response.status} ${await response.text()}`);
  const feed = new Feed(response, controller);
  feeds.push(feed);
  return feed;
}

async function refusedFeed(headers: Record<string, string>) {
  const response = await fetch(`${server.url}/conclave/v1/live`, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

let seq = 0;
async function newConference(project: TestProject, body: Record<string, unknown> = {}) {
  const created = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `console_${++seq}_${Date.now()}`, display_name: 'Console', ...body },
    project,
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await server.api(`/api/video/conferences/${created.body.id}/conference_tokens`, {
    project,
  });
  const token = (name: string) =>
    (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === name)!.token;
  return { id: created.body.id as string, moderator: token('Moderator'), guest: token('Guest') };
}

/** A call to Conclave's own API (no official-spec check: these are not /api/video paths). */
function conclave(path: string, init: Parameters<TestServer['api']>[1] = {}) {
  return server.api(`/conclave/v1${path}`, init);
}

/** An API token of the project made through the admin API, with its id (to revoke it). */
async function adminToken(project: TestProject, scopes: string[] = ['video']) {
  const res = await fetch(`${server.url}/admin/v1/projects/${project.id}/api_tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'console', scopes }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { id: string; token: string };
  return { id: body.id, auth: basicAuth(project.id, body.token) };
}

async function revoke(project: TestProject, tokenId: string) {
  const res = await fetch(`${server.url}/admin/v1/projects/${project.id}/api_tokens/${tokenId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(res.status, 204);
}

describe('conclave live feed: credentials and limits', () => {
  it('answers 401 and 403 exactly as /api/video does', async () => {
    const anonymousVideo = await server.api('/api/video/conferences', { anonymous: true });
    const anonymousLive = await refusedFeed({});
    assert.equal(anonymousLive.status, 401);
    assert.deepEqual(anonymousLive.body, anonymousVideo.body);
    assert.deepEqual(anonymousLive.body, { error: 'Unauthorized' });
    assert.equal(
      anonymousLive.headers.get('www-authenticate'),
      anonymousVideo.headers.get('www-authenticate'),
    );
    assert.ok(anonymousLive.headers.get('x-request-id'), 'a request id, as everywhere');

    const wrong = basicAuth(server.project.id, `PT${'0'.repeat(48)}`);
    assert.equal((await refusedFeed({ authorization: wrong })).status, 401);
    assert.equal((await refusedFeed({ authorization: 'Bearer nothing' })).status, 401);
    const other = await server.newProject();
    const mixed = basicAuth(server.project.id, other.token);
    assert.equal((await refusedFeed({ authorization: mixed })).status, 401);

    const revoked = await adminToken(server.project);
    await revoke(server.project, revoked.id);
    const refused = await refusedFeed({ authorization: revoked.auth });
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { error: 'Unauthorized' });

    const scopeless = await server.newProject(['none']);
    const forbidden = await refusedFeed({ authorization: scopeless.auth });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, { error: 'Forbidden' });

    // Moderation answers the same.
    const id = '00000000-0000-4000-8000-000000000000';
    const end = await conclave(`/room_sessions/${id}/end`, { method: 'POST', anonymous: true });
    assert.equal(end.status, 401);
    assert.deepEqual(end.body, { error: 'Unauthorized' });
  });

  it('streams text/event-stream with a snapshot first and heartbeats', async () => {
    const project = await server.newProject();
    const feed = await openFeed({ project });
    const { headers } = feed.response;
    assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.ok(headers.get('x-request-id'));
    const snapshot = await feed.next('snapshot');
    assert.deepEqual(snapshot, { type: 'snapshot', sessions: [] });
    await eventually(async () =>
      assert.ok(feed.comments.filter((c) => c === 'heartbeat').length >= 2, 'heartbeats come'),
    );
    feed.close();
  });

  it('ends an open feed at the next heartbeat once its token is revoked', async () => {
    const project = await server.newProject();
    const token = await adminToken(project);
    const feed = await openFeed({ project, authorization: token.auth });
    await feed.next('snapshot');
    await eventually(async () => assert.ok(feed.comments.includes('heartbeat'), 'a heartbeat'));
    const revokedAt = Date.now();
    await revoke(project, token.id);
    await Promise.race([
      feed.ended,
      sleep(5000).then(() => assert.fail('the feed was not ended after the revocation')),
    ]);
    assert.ok(Date.now() - revokedAt < 5 * HEARTBEAT_MS + 1000, 'ended at the next heartbeat');
    assert.equal(feed.comments.at(-1), 'token revoked');
    assert.equal((await refusedFeed({ authorization: token.auth })).status, 401);
  });

  it('allows ten feeds per project; the eleventh is 429 until one closes', async () => {
    const project = await server.newProject();
    const open: Feed[] = [];
    for (let i = 0; i < 10; i++) open.push(await openFeed({ project }));
    const refused = await refusedFeed({ authorization: project.auth });
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, { error: 'Too Many Requests' });
    // Another project is not counted against this one.
    const other = await openFeed({ project: await server.newProject() });
    await other.next('snapshot');
    other.close();

    open.pop()!.close();
    await eventually(async () => {
      const again = await fetch(`${server.url}/conclave/v1/live`, {
        headers: { authorization: project.auth },
      });
      await again.body?.cancel();
      assert.equal(again.status, 200, 'a place was freed');
    });
    for (const f of open) f.close();
  });
});

describe('conclave live feed: what it carries', () => {
  it('sends a snapshot, then every change of the project’s sessions in order', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const feed = await openFeed({ project });
    assert.deepEqual(await feed.next('snapshot'), { type: 'snapshot', sessions: [] });

    const alice = await TestMember.join(server.url, conf.moderator, { name: 'Alice' });
    const sessionId = alice.joined!.session.id;
    const started = await feed.next('session.started');
    assert.deepEqual(started, {
      type: 'session.started',
      session_id: sessionId,
      session: alice.joined!.session,
    });
    const aliceJoined = await feed.next('member.joined');
    assert.deepEqual(aliceJoined, {
      type: 'member.joined',
      session_id: sessionId,
      member: alice.joined!.member,
    });

    const bob = await TestMember.join(server.url, conf.guest, { name: 'Bob' });
    assert.equal((await feed.next('member.joined')).member.id, bob.id);

    // A moderator mutes Bob; changes the layout; locks the session.
    const muted = await alice.request({
      type: 'member.update',
      member_id: bob.id,
      audio_muted: true,
    });
    assert.equal(muted.type, 'ack');
    const mutedEvent = await feed.next('member.updated');
    assert.equal(mutedEvent.member.id, bob.id);
    assert.equal(mutedEvent.member.audio_muted, true);
    assert.equal((await alice.request({ type: 'layout.set', layout: '2x2' })).type, 'ack');
    assert.equal((await feed.next('session.updated')).session.layout, '2x2');
    assert.equal((await alice.request({ type: 'session.lock', locked: true })).type, 'ack');
    assert.equal((await feed.next('session.updated')).session.locked, true);

    // A feed opened now starts from the state as it is.
    const late = await openFeed({ project });
    const snapshot = await late.next('snapshot');
    assert.equal(snapshot.sessions.length, 1);
    const live = snapshot.sessions[0]!;
    assert.deepEqual(live.session, { ...alice.joined!.session, layout: '2x2', locked: true });
    assert.deepEqual(
      live.members.map((m: LiveMember) => [m.name, m.audio_muted, m.reconnecting]),
      [
        ['Alice', false, false],
        ['Bob', true, false],
      ],
    );
    assert.deepEqual(live.talking, []);

    // Bob's connection drops: reconnecting, then gone when the grace period is over.
    bob.drop();
    const reconnecting = await feed.next('member.updated');
    assert.deepEqual([reconnecting.member.id, reconnecting.member.reconnecting], [bob.id, true]);
    const bobLeft = await feed.next('member.left');
    assert.deepEqual(bobLeft, {
      type: 'member.left',
      session_id: sessionId,
      member_id: bob.id,
      reason: 'disconnected',
    });

    // Alice leaves; the session ends after the grace period.
    await alice.leave();
    assert.equal((await feed.next('member.left')).reason, 'left');
    const ended = await feed.next('session.ended');
    assert.equal(ended.session_id, sessionId);
    assert.equal(ended.reason, 'empty');
    assert.match(ended.end_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    assert.deepEqual(feed.types(), [
      'session.started',
      'member.joined',
      'member.joined',
      'member.updated',
      'session.updated',
      'session.updated',
      'member.updated',
      'member.left',
      'member.left',
      'session.ended',
    ]);
    for (const e of feed.all.slice(1)) {
      assert.equal((e as { session_id: string }).session_id, sessionId, e.type);
    }
    // The late reader saw the same changes after its snapshot.
    await late.next('session.ended');
    assert.deepEqual(late.types(), feed.types().slice(6));
    feed.close();
    late.close();
  });

  it('shows nothing of another project', async () => {
    const mine = await server.newProject();
    const theirs = await server.newProject();
    const conf = await newConference(theirs);
    const watcher = await openFeed({ project: mine });
    const owner = await openFeed({ project: theirs });
    await watcher.next('snapshot');
    await owner.next('snapshot');

    const member = await TestMember.join(server.url, conf.moderator, { name: 'Them' });
    await owner.next('member.joined');
    // Their session is not in my snapshot either.
    const later = await openFeed({ project: mine });
    assert.deepEqual(await later.next('snapshot'), { type: 'snapshot', sessions: [] });
    const theirLater = await openFeed({ project: theirs });
    assert.equal((await theirLater.next('snapshot')).sessions.length, 1);

    await member.leave();
    await owner.next('session.ended');
    await sleep(HEARTBEAT_MS * 2);
    assert.deepEqual(watcher.types(), [], 'my feed saw none of their changes');
    assert.deepEqual(later.types(), []);
    for (const f of [watcher, owner, later, theirLater]) f.close();
  });

  it('tells of sessions that end because their conference or project is deleted', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const feed = await openFeed({ project });
    await feed.next('snapshot');
    const m = await TestMember.join(server.url, conf.guest, { name: 'Gone' });
    await feed.next('member.joined');
    const deleted = await server.api(`/api/video/conferences/${conf.id}`, {
      method: 'DELETE',
      project,
    });
    assert.equal(deleted.status, 204);
    assert.equal((await feed.next('session.ended')).reason, 'deleted');
    assert.equal((await m.closed).code, 4422);

    // Deleting the project ends its feeds at once (its tokens are gone).
    const res = await fetch(`${server.url}/admin/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    await feed.ended;
    assert.equal(feed.comments.at(-1), 'project deleted');
  });
});

describe('conclave moderation: ending a session', () => {
  it('ends a live session now: everyone closed 4422, recorded as completed', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const feed = await openFeed({ project });
    await feed.next('snapshot');
    const a = await TestMember.join(server.url, conf.moderator, { name: 'A' });
    const b = await TestMember.join(server.url, conf.guest, { name: 'B' });
    const sessionId = a.joined!.session.id;

    const res = await conclave(`/room_sessions/${sessionId}/end`, { method: 'POST', project });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    for (const m of [a, b])
      assert.deepEqual(await m.closed, { code: 4422, reason: 'session_ended' });
    const ended = await feed.next('session.ended');
    assert.deepEqual([ended.session_id, ended.reason], [sessionId, 'ended_by_api']);
    // Recorded: completed, everyone left, the end event.
    const session = await server.api(`/api/video/room_sessions/${sessionId}`, { project });
    assert.equal(session.body.status, 'completed');
    assert.ok(session.body.end_time);
    const members = await server.api(`/api/video/room_sessions/${sessionId}/members`, {
      project,
    });
    assert.ok(members.body.data.every((m: { leave_time: string | null }) => m.leave_time));
    const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, { project });
    assert.ok(events.body.data.some((e: { name: string }) => e.name === 'session.ended'));

    // Not live any more: 404. The conference stays; the next join starts a new session.
    const again = await conclave(`/room_sessions/${sessionId}/end`, { method: 'POST', project });
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, { error: 'Not Found' });
    const c = await TestMember.join(server.url, conf.guest, { name: 'C' });
    assert.notEqual(c.joined!.session.id, sessionId);
    const restarted = await feed.next('session.started', (e) => e.session_id !== sessionId);
    assert.equal(restarted.session_id, c.joined!.session.id);
    await c.leave();
    feed.close();
  });

  it('answers 404 for an unknown, malformed or other project’s session', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const m = await TestMember.join(server.url, conf.guest, { name: 'Mine' });
    const sessionId = m.joined!.session.id;
    const other = await server.newProject();
    for (const [path, who] of [
      [`/room_sessions/${sessionId}/end`, other],
      ['/room_sessions/00000000-0000-4000-8000-000000000000/end', project],
      ['/room_sessions/not-a-uuid/end', project],
    ] as const) {
      const res = await conclave(path, { method: 'POST', project: who });
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    // A completed session (in the store, never live here) is no live session either.
    const past = await startSession(
      server,
      { name: 'past', startTime: Date.now() - 1000 },
      project,
    );
    await server.store.endRoomSession(project.id, past, Date.now());
    assert.equal(
      (await conclave(`/room_sessions/${past}/end`, { method: 'POST', project })).status,
      404,
    );
    assert.equal(m.socket.readyState, m.socket.OPEN, 'nothing happened to the live one');
    await m.leave();
  });

  it('answers 409 for a session live on another process, 404 once its lease ran out', async () => {
    const project = await server.newProject();
    const elsewhere = await startSession(
      server,
      {
        name: 'elsewhere',
        startTime: Date.now(),
        nodeId: 'another-node',
        leaseUntil: Date.now() + 60_000,
      },
      project,
    );
    for (const [method, path, body] of [
      ['POST', `/room_sessions/${elsewhere}/end`, undefined],
      [
        'DELETE',
        `/room_sessions/${elsewhere}/members/00000000-0000-4000-8000-000000000000`,
        undefined,
      ],
      [
        'PATCH',
        `/room_sessions/${elsewhere}/members/00000000-0000-4000-8000-000000000000`,
        { audio_muted: true },
      ],
    ] as const) {
      const res = await conclave(path, { method, project, ...(body ? { body } : {}) });
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.equal(res.body.error, 'Conflict');
      assert.equal(res.body.code, 'hosted_elsewhere');
      assert.match(res.body.message, /another Conclave process/);
    }
    const lapsed = await startSession(
      server,
      {
        name: 'lapsed',
        startTime: Date.now() - 120_000,
        nodeId: 'gone-node',
        leaseUntil: Date.now() - 60_000,
      },
      project,
    );
    const res = await conclave(`/room_sessions/${lapsed}/end`, { method: 'POST', project });
    assert.equal(res.status, 404);
  });
});

describe('conclave moderation: members', () => {
  it('removes a member: closed 4420, member.left removed, recorded', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const feed = await openFeed({ project });
    await feed.next('snapshot');
    const a = await TestMember.join(server.url, conf.moderator, { name: 'A' });
    const b = await TestMember.join(server.url, conf.guest, { name: 'B' });
    const sessionId = a.joined!.session.id;
    await feed.next('member.joined', (e) => e.member.id === b.id);

    const res = await conclave(`/room_sessions/${sessionId}/members/${b.id}`, {
      method: 'DELETE',
      project,
    });
    assert.equal(res.status, 204, res.text);
    assert.deepEqual(await b.closed, { code: 4420, reason: 'removed' });
    const told = await a.next('member.left');
    assert.deepEqual([told.member_id, told.reason], [b.id, 'removed']);
    const left = await feed.next('member.left');
    assert.deepEqual(left, {
      type: 'member.left',
      session_id: sessionId,
      member_id: b.id,
      reason: 'removed',
    });
    const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, { project });
    assert.ok(
      events.body.data.some(
        (e: { name: string; payload: { member_id: string; reason: string } }) =>
          e.name === 'member.left' &&
          e.payload.member_id === b.id &&
          e.payload.reason === 'removed',
      ),
    );

    // Gone: 404; so are unknown and malformed member ids, and another project's session.
    const other = await server.newProject();
    for (const [path, who] of [
      [`/room_sessions/${sessionId}/members/${b.id}`, project],
      [`/room_sessions/${sessionId}/members/00000000-0000-4000-8000-000000000000`, project],
      [`/room_sessions/${sessionId}/members/not-a-uuid`, project],
      [`/room_sessions/${sessionId}/members/${a.id}`, other],
      [`/room_sessions/not-a-uuid/members/${a.id}`, project],
    ] as const) {
      const again = await conclave(path, { method: 'DELETE', project: who });
      assert.equal(again.status, 404, path);
      assert.deepEqual(again.body, { error: 'Not Found' });
    }
    assert.equal(a.socket.readyState, a.socket.OPEN);
    await a.leave();
    feed.close();
  });

  it('mutes and unmutes a member: 200 with the member, everyone told', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const feed = await openFeed({ project });
    await feed.next('snapshot');
    const a = await TestMember.join(server.url, conf.moderator, { name: 'A' });
    const b = await TestMember.join(server.url, conf.guest, { name: 'B' });
    const sessionId = a.joined!.session.id;
    const path = `/room_sessions/${sessionId}/members/${b.id}`;

    const res = await conclave(path, {
      method: 'PATCH',
      project,
      body: { audio_muted: true, video_muted: true },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { ...b.joined!.member, audio_muted: true, video_muted: true });
    const seen = await a.next('member.updated');
    assert.deepEqual(seen.member, res.body);
    const self = await b.next('member.updated');
    assert.deepEqual(self.member, res.body, 'the member is told too');
    assert.deepEqual((await feed.next('member.updated')).member, res.body);

    const unmuted = await conclave(path, {
      method: 'PATCH',
      project,
      body: { video_muted: false },
    });
    assert.equal(unmuted.status, 200);
    assert.deepEqual([unmuted.body.audio_muted, unmuted.body.video_muted], [true, false]);
    assert.equal((await feed.next('member.updated')).member.video_muted, false);

    // Recorded with `by: null` (the API, not a member).
    await eventually(async () => {
      const events = await server.api(`/api/video/room_sessions/${sessionId}/events`, {
        project,
      });
      const updates = (
        events.body.data as { name: string; payload: { by: string | null; member_id: string } }[]
      ).filter((e) => e.name === 'member.updated' && e.payload.member_id === b.id);
      assert.equal(updates.length, 2, 'both updates recorded');
      assert.ok(updates.every((e) => e.payload.by === null));
    });
    for (const m of [a, b]) await m.leave();
    feed.close();
  });

  it('refuses bad bodies with 422 field errors, and bad JSON with 400', async () => {
    const project = await server.newProject();
    const conf = await newConference(project);
    const a = await TestMember.join(server.url, conf.moderator, { name: 'A' });
    const path = `/room_sessions/${a.joined!.session.id}/members/${a.id}`;
    const patch = (body: unknown) => conclave(path, { method: 'PATCH', project, body });

    expectErrors(server, await patch({}), [[null, 'missing_required_parameter']]);
    expectErrors(server, await patch({ audio_muted: 'yes', volume: 3 }), [
      ['audio_muted', 'not_a_boolean'],
      ['volume', 'invalid_parameter'],
    ]);
    expectErrors(server, await patch({ video_muted: null }), [['video_muted', 'not_a_boolean']]);
    expectErrors(server, await patch({ deaf: true }), [['deaf', 'invalid_parameter']]);
    const noBody = await conclave(path, { method: 'PATCH', project });
    expectErrors(server, noBody, [[null, 'missing_required_parameter']]);
    const notJson = await conclave(path, { method: 'PATCH', project, rawBody: '{"audio_muted":' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(notJson.body, { error: 'Bad Request' });
    const array = await conclave(path, { method: 'PATCH', project, rawBody: '[true]' });
    assert.equal(array.status, 400);
    // A good body for a member that is not there.
    const gone = await conclave(
      `/room_sessions/${a.joined!.session.id}/members/00000000-0000-4000-8000-000000000000`,
      { method: 'PATCH', project, body: { audio_muted: true } },
    );
    assert.equal(gone.status, 404);
    assert.equal(a.joined!.member.audio_muted, false);
    await a.leave();
  });

  it('never unmutes an audience member (409 not_publisher); muting one is fine', async () => {
    const project = await server.newProject();
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `stage_${Date.now()}` },
      project,
    });
    assert.equal(room.status, 200);
    const token = await server.api('/api/video/room_tokens', {
      method: 'POST',
      body: { room_name: room.body.name, user_name: 'Viewer', join_as: 'audience' },
      project,
    });
    const viewer = await TestMember.join(server.url, token.body.token);
    const path = `/room_sessions/${viewer.joined!.session.id}/members/${viewer.id}`;
    for (const body of [
      { audio_muted: false },
      { video_muted: false },
      { audio_muted: true, video_muted: false },
    ]) {
      const res = await conclave(path, { method: 'PATCH', project, body });
      assert.equal(res.status, 409, JSON.stringify(body));
      assert.equal(res.body.error, 'Conflict');
      assert.equal(res.body.code, 'not_publisher');
      assert.match(res.body.message, /audience/);
    }
    const muted = await conclave(path, { method: 'PATCH', project, body: { audio_muted: true } });
    assert.equal(muted.status, 200);
    assert.equal(muted.body.join_as, 'audience');
    assert.equal(muted.body.can_publish, false);
    await viewer.leave();
  });
});

describe('conclave live feed: talking', () => {
  let media: TestServer;
  before(async () => {
    media = await startTestServer({
      media: { workers: 1 },
      realtime: { graceMs: GRACE_MS },
      liveFeed: { heartbeatMs: HEARTBEAT_MS },
    });
  });
  after(async () => {
    await media.close();
  });

  it('tells who starts and stops talking, and shows it in the snapshot', async () => {
    const created = await media.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `talk_${Date.now()}`, display_name: 'Talk' },
    });
    const tokens = await media.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
    const guest = (tokens.body.data as { name: string; token: string }[]).find(
      (t) => t.name === 'Guest',
    )!.token;
    const feed = await openFeed({ on: media });
    await feed.next('snapshot');
    const speaker = new MediaPeer(await TestMember.join(media.url, guest, { name: 'Ada' }));
    try {
      const answer = await speaker.startPublishing();
      assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
      speaker.level = 20;
      const started = await feed.next('member.talking', (e) => e.talking, 15_000);
      assert.deepEqual(started, {
        type: 'member.talking',
        session_id: speaker.member.joined!.session.id,
        member_id: speaker.member.id,
        talking: true,
      });
      const late = await openFeed({ on: media });
      const snapshot = await late.next('snapshot');
      assert.deepEqual(snapshot.sessions[0]!.talking, [speaker.member.id]);
      speaker.level = 127;
      await feed.next('member.talking', (e) => !e.talking, 15_000);
      late.close();
    } finally {
      await speaker.close();
      await speaker.member.leave();
    }
    feed.close();
  });
});

describe('conclave live feed: internals', () => {
  it('coalesces talking per member, and flushes it before any other event', async () => {
    const feed = new LiveFeed(50);
    const frames: string[] = [];
    const unsubscribe = feed.subscribe('p', { write: (f) => frames.push(f), close: () => {} });
    const talking = (member: string, on: boolean) =>
      feed.publish('p', {
        type: 'member.talking',
        session_id: 's',
        member_id: member,
        talking: on,
      });
    for (let i = 0; i < 100; i++) talking('m1', i % 2 === 0);
    talking('m2', true);
    assert.equal(frames.length, 0, 'nothing before the interval');
    await eventually(async () => assert.equal(frames.length, 1, 'one flush'));
    const events = frames[0]!
      .split('\n\n')
      .filter(Boolean)
      .map((block) => JSON.parse(block.split('\n')[1]!.slice(6)));
    assert.deepEqual(
      events.map((e: { member_id: string; talking: boolean }) => [e.member_id, e.talking]),
      [
        ['m1', false],
        ['m2', true],
      ],
    );
    // Waiting talking goes out before a later event, in order.
    frames.length = 0;
    talking('m1', true);
    feed.publish('p', { type: 'member.left', session_id: 's', member_id: 'm1', reason: 'left' });
    assert.equal(frames.length, 2);
    assert.match(frames[0]!, /^event: member.talking\n/);
    assert.match(frames[1]!, /^event: member.left\n/);
    // Another project hears nothing; with no listener nothing is kept.
    assert.equal(feed.listening('q'), false);
    unsubscribe();
    assert.equal(feed.listening('p'), false);
    talking('m1', true);
    await sleep(80);
    assert.equal(frames.length, 2);
  });

  it('cuts off a reader whose unread backlog passes the bound', () => {
    class FakeResponse extends EventEmitter {
      writableLength = 0;
      destroyed = false;
      ended: string | undefined;
      write(chunk: string) {
        this.writableLength += Buffer.byteLength(chunk);
        return true;
      }
      end(chunk: string) {
        this.ended = chunk;
      }
      destroy() {
        this.destroyed = true;
        this.emit('close');
      }
    }
    const res = new FakeResponse();
    const stream = new LiveStream(res as unknown as ServerResponse, 1000);
    let cleaned = 0;
    stream.onEnd(() => cleaned++);
    // A snapshot larger than the bound is allowed on top of it…
    stream.start('x'.repeat(5000));
    assert.equal(res.destroyed, false);
    stream.write('y'.repeat(900));
    assert.equal(res.destroyed, false);
    // …but a backlog growing past it is not: the connection is destroyed, memory freed.
    stream.write('z'.repeat(200));
    assert.equal(res.destroyed, true);
    assert.equal(stream.closed, true);
    assert.equal(cleaned, 1);
    const length = res.writableLength;
    stream.write('more');
    assert.equal(res.writableLength, length, 'nothing more is buffered');

    // A reader that keeps up is never cut off.
    const fast = new FakeResponse();
    const ok = new LiveStream(fast as unknown as ServerResponse, 1000);
    for (let i = 0; i < 100; i++) {
      ok.write('w'.repeat(500));
      fast.writableLength = 0; // drained
    }
    assert.equal(fast.destroyed, false);
    ok.close('done');
    assert.equal(fast.ended, ': done\n\n');
  });
});
