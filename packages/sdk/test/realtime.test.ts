import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig, startServer } from '@conclave/server';
import * as Schema from '@conclave/schema';
import { WebSocket as WsWebSocket } from 'ws';
import {
  CLOSE_CODES,
  REALTIME_ERROR_CODES,
  REALTIME_PATH,
  REALTIME_PROTOCOL_VERSION,
  REALTIME_SUBPROTOCOL,
  RealtimeClosedError,
  RealtimeError,
  RealtimeSession,
  RestClient,
  joinRealtime,
  realtimeUrl,
  type RealtimeEvents,
  type RealtimeEventType,
  type WebSocketConstructor,
} from '@conclave/sdk';
import { freePort, startConclave, type Conclave } from '@conclave/testkit';

// Both usual implementations fit the `WebSocket` option (a compile-time check).
const _implementations: WebSocketConstructor[] = [globalThis.WebSocket, WsWebSocket];

/** The next `type` event of `session` (rejects after `ms`). */
function next<K extends RealtimeEventType>(
  session: RealtimeSession,
  type: K,
  filter: (event: RealtimeEvents[K]) => boolean = () => true,
  ms = 5_000,
): Promise<RealtimeEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = session.on(type, (event) => {
      if (!filter(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** The `ws` class, recording every socket it opens so a test can cut one. */
function recordingWebSocket() {
  const sockets: WsWebSocket[] = [];
  class Recording extends WsWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: Recording, sockets };
}

/** The real server with a short reconnect grace period and heartbeat. */
async function startQuickServer(env: { graceMs: number; heartbeatMs: number }) {
  const dir = mkdtempSync(joinPath(tmpdir(), 'conclave-sdk-realtime-'));
  const projectId = randomUUID();
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const server = await startServer(
    loadConfig({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATABASE_URL: joinPath(dir, 'conclave.sqlite'),
      CONCLAVE_PROJECT_ID: projectId,
      CONCLAVE_API_TOKEN: apiToken,
      CONCLAVE_RATE_LIMIT: '0',
      CONCLAVE_RECONNECT_GRACE_MS: String(env.graceMs),
      CONCLAVE_HEARTBEAT_MS: String(env.heartbeatMs),
      LOG_LEVEL: 'silent',
    }),
  );
  return {
    url: server.url,
    client: new RestClient({ project: projectId, token: apiToken, host: server.url }),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('realtime constants', () => {
  it('equal the schema package’s', () => {
    assert.deepEqual(CLOSE_CODES, Schema.CLOSE_CODES);
    assert.deepEqual(REALTIME_ERROR_CODES, Schema.REALTIME_ERROR_CODES);
    assert.equal(REALTIME_PATH, Schema.REALTIME_PATH);
    assert.equal(REALTIME_SUBPROTOCOL, Schema.REALTIME_SUBPROTOCOL);
    assert.equal(REALTIME_PROTOCOL_VERSION, Schema.REALTIME_PROTOCOL_VERSION);
  });

  it('derives the endpoint URL from a base URL, a host or a ws URL', () => {
    assert.equal(realtimeUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/api/video/realtime');
    assert.equal(realtimeUrl('https://v.example.com/'), 'wss://v.example.com/api/video/realtime');
    assert.equal(realtimeUrl('https://x.io/conclave'), 'wss://x.io/conclave/api/video/realtime');
    assert.equal(realtimeUrl('video.example.com'), 'wss://video.example.com/api/video/realtime');
    assert.equal(realtimeUrl('localhost:3000'), 'ws://localhost:3000/api/video/realtime');
    assert.equal(realtimeUrl('wss://x.io'), 'wss://x.io/api/video/realtime');
    assert.equal(realtimeUrl('ws://x.io/api/video/realtime'), 'ws://x.io/api/video/realtime');
  });
});

describe('realtime client against a real server', () => {
  let server: Conclave;
  let client: RestClient;
  const open: RealtimeSession[] = [];

  before(async () => {
    server = await startConclave();
    client = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
    });
  });
  after(async () => {
    await Promise.all(open.map((s) => s.leave().catch(() => undefined)));
    await server.close();
  });

  /** A new conference and its Moderator and Guest token values (and the Guest token's id). */
  async function conference(displayName: string) {
    const conference = await client.video.conferences.create({ display_name: displayName });
    const { data } = await client.video.conferences.listConferenceTokens(conference.id);
    const moderator = data.find((t) => t.name === 'Moderator')!;
    const guest = data.find((t) => t.name === 'Guest')!;
    return { conference, moderator: moderator.token, guest: guest.token, guestId: guest.id };
  }

  async function join(
    token: string,
    name: string,
    options: Partial<Parameters<typeof joinRealtime>[0]> = {},
  ) {
    const session = await joinRealtime({ url: server.url, token, name, ...options });
    open.push(session);
    return session;
  }

  it('two members join, see each other, signal and chat', async () => {
    const c = await conference('Realtime basics');
    const alice = await join(c.moderator, 'Alice');
    assert.equal(alice.state, 'open');
    assert.equal(alice.session.conference_id, c.conference.id);
    assert.equal(alice.member.name, 'Alice');
    assert.equal(alice.members.size, 1);
    assert.ok(alice.scopes.includes('room.member.remove'), alice.scopes.join());

    const joined = next(alice, 'member.joined');
    const bob = await client.video.realtime.join({ token: c.guest, name: 'Bob' });
    open.push(bob);
    assert.equal((await joined).member.id, bob.memberId);
    assert.equal(alice.members.get(bob.memberId)?.name, 'Bob');
    assert.deepEqual(
      [...bob.members.values()].map((m) => m.name),
      ['Bob', 'Alice'],
    );
    assert.equal(bob.session.id, alice.session.id);
    assert.ok(!bob.scopes.includes('room.member.remove'));

    const signal = next(bob, 'signal');
    await alice.signal(bob.memberId, { sdp: 'v=0…', kind: 'offer' });
    assert.deepEqual(await signal, {
      type: 'signal',
      from: alice.memberId,
      data: { sdp: 'v=0…', kind: 'offer' },
    });

    const chat = next(alice, 'chat');
    await bob.chat('hello Alice');
    const message = await chat;
    assert.equal(message.from, bob.memberId);
    assert.equal(message.name, 'Bob');
    assert.equal(message.text, 'hello Alice');
    assert.ok(!Number.isNaN(Date.parse(message.at)));

    await assert.rejects(
      alice.signal('00000000-0000-4000-8000-000000000000', {}),
      (e: unknown) => e instanceof RealtimeError && e.code === 'member_not_found',
    );

    const left = next(alice, 'member.left');
    await bob.leave();
    assert.equal(bob.state, 'closed');
    assert.deepEqual(await bob.closed, { code: 1000, reason: (await bob.closed).reason });
    assert.equal((await bob.closed).code, 1000);
    const event = await left;
    assert.equal(event.member_id, bob.memberId);
    assert.equal(event.reason, 'left');
    assert.equal(event.member?.name, 'Bob');
    assert.equal(alice.members.has(bob.memberId), false);
    await assert.rejects(bob.chat('still here?'), RealtimeClosedError);
    await alice.leave();
  });

  it('a moderator mutes and removes a guest; a guest may not', async () => {
    const c = await conference('Realtime moderation');
    const mod = await join(c.moderator, 'Mod');
    const guest = await join(c.guest, 'Guest');

    const updated = next(guest, 'member.updated', (e) => e.member.id === guest.memberId);
    await mod.muteAudio(guest.memberId);
    assert.equal((await updated).member.audio_muted, true);
    assert.equal(guest.member.audio_muted, true);
    assert.equal(mod.members.get(guest.memberId)?.audio_muted, true);

    await guest.updateMember({ videoMuted: true });
    assert.equal(guest.member.video_muted, true);
    await guest.unmuteAudio();

    for (const attempt of [
      () => guest.muteAudio(mod.memberId),
      () => guest.removeMember(mod.memberId),
      () => guest.lock(),
      () => guest.setLayout('grid-responsive'),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      assert.ok(error instanceof RealtimeError, String(error));
      assert.equal(error.code, 'forbidden');
    }

    const layout = next(guest, 'session.updated');
    await mod.setLayout('highlight-1-responsive');
    assert.equal((await layout).session.layout, 'highlight-1-responsive');
    assert.equal(guest.session.layout, 'highlight-1-responsive');

    await mod.lock();
    assert.equal(mod.session.locked, true);
    const locked = await joinRealtime({ url: server.url, token: c.guest }).catch((e: unknown) => e);
    assert.ok(locked instanceof RealtimeClosedError, String(locked));
    assert.equal(locked.code, CLOSE_CODES.session_locked);
    assert.equal(locked.reason, 'session_locked');
    await mod.unlock();
    assert.equal(mod.session.locked, false);

    const left = next(mod, 'member.left');
    const removed = guest.closed;
    await mod.removeMember(guest.memberId);
    assert.deepEqual(await removed, { code: CLOSE_CODES.removed, reason: 'removed' });
    assert.equal(guest.state, 'closed');
    assert.equal((await left).reason, 'removed');
    await mod.leave();
  });

  it('refuses a bogus or reset token with RealtimeClosedError 4401', async () => {
    const bogus = await joinRealtime({ url: server.url, token: 'vpt_nope' }).catch((e) => e);
    assert.ok(bogus instanceof RealtimeClosedError, String(bogus));
    assert.equal(bogus.code, CLOSE_CODES.invalid_token);
    assert.equal(bogus.reason, 'invalid_token');

    const c = await conference('Realtime reset');
    await client.video.conferenceTokens.reset(c.guestId);
    const reset = await joinRealtime({ url: server.url, token: c.guest }).catch((e) => e);
    assert.ok(reset instanceof RealtimeClosedError);
    assert.equal(reset.code, 4401);
  });

  it('a refused join carries the server’s explanation: when joining opens', async () => {
    const joinFrom = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const early = await client.video.conferences.create({
      display_name: 'Realtime too early',
      join_from: joinFrom,
    });
    const { data } = await client.video.conferences.listConferenceTokens(early.id);
    const refused = await joinRealtime({ url: server.url, token: data[0]!.token }).catch(
      (e: unknown) => e,
    );
    assert.ok(refused instanceof RealtimeClosedError, String(refused));
    assert.equal(refused.code, CLOSE_CODES.too_early);
    assert.equal(refused.reason, 'too_early');
    assert.equal(early.join_from, joinFrom);
    assert.deepEqual(refused.refusal, {
      message: `joining opens at ${joinFrom}`,
      joinFrom,
    });
    assert.match(refused.message, /4410 too_early \(joining opens at /);

    // A close that is not a refusal carries none.
    const c = await conference('Realtime no refusal');
    const recording = recordingWebSocket();
    const guest = await join(c.guest, 'Guest', {
      WebSocket: recording.WebSocket,
      reconnect: false,
    });
    const pending = guest.chat('lost').catch((e: unknown) => e);
    recording.sockets[0]!.terminate();
    const dropped = await pending;
    assert.ok(dropped instanceof RealtimeClosedError, String(dropped));
    assert.equal(dropped.refusal, undefined);
  });

  it('takes its place back with resumeToken after a reload; a stale one joins anew', async () => {
    const c = await conference('Realtime reload');
    const mod = await join(c.moderator, 'Mod');
    const recording = recordingWebSocket();
    const first = await join(c.guest, 'Guest', {
      WebSocket: recording.WebSocket,
      reconnect: false,
    });
    assert.equal(first.resumed, false);
    const saved = first.resumeToken;
    assert.ok(saved.length > 0, 'a resume token');
    const seenDrop = next(mod, 'member.updated', (e) => e.member.reconnecting);
    recording.sockets[0]!.terminate(); // the page went away without leaving
    await first.closed;
    await seenDrop;

    const seenBack = next(mod, 'member.updated', (e) => !e.member.reconnecting);
    const reloaded = await join(c.guest, 'Guest', { resumeToken: saved });
    assert.equal(reloaded.memberId, first.memberId);
    assert.equal(reloaded.resumed, true);
    assert.notEqual(reloaded.resumeToken, saved, 'a fresh resume token with every joined');
    assert.equal((await seenBack).member.id, first.memberId);
    assert.equal(mod.members.size, 2);

    // Spent, or another member's: the server ignores it and the join is a new one.
    const stale = await join(c.guest, 'Guest 2', { resumeToken: saved });
    assert.equal(stale.resumed, false);
    assert.notEqual(stale.memberId, first.memberId);
    const foreign = await join(c.moderator, 'Mod 2', { resumeToken: reloaded.resumeToken });
    assert.equal(foreign.resumed, false);
    assert.notEqual(foreign.memberId, reloaded.memberId);
    assert.equal(reloaded.state, 'open', 'a foreign resume token does not replace the member');
    for (const s of [foreign, stale, reloaded, mod]) await s.leave();
  });

  it('resumes after a dropped connection, keeping the member id', async () => {
    const c = await conference('Realtime resume');
    const mod = await join(c.moderator, 'Mod');
    const recording = recordingWebSocket();
    const guest = await join(c.guest, 'Guest', {
      WebSocket: recording.WebSocket,
      reconnect: { attempts: 5, delayMs: 50 },
    });
    const id = guest.memberId;

    const reconnecting = next(guest, 'reconnecting');
    const reconnected = next(guest, 'reconnected');
    const seenReconnecting = next(mod, 'member.updated', (e) => e.member.reconnecting);
    const seenBack = next(mod, 'member.updated', (e) => !e.member.reconnecting);
    const pending = guest.chat('lost in transit');
    recording.sockets[0]!.terminate();

    const dropped = await pending.catch((e: unknown) => e);
    assert.ok(dropped instanceof RealtimeClosedError, String(dropped));
    assert.equal(dropped.code, 1006);
    assert.equal((await reconnecting).attempt, 1);
    assert.equal(guest.state, 'reconnecting');
    await assert.rejects(guest.chat('meanwhile'), RealtimeClosedError);
    assert.deepEqual(await reconnected, { attempt: 1, resumed: true });
    assert.equal(guest.state, 'open');
    assert.equal(guest.memberId, id);
    assert.equal(recording.sockets.length, 2);
    assert.equal((await seenReconnecting).member.id, id);
    assert.equal((await seenBack).member.id, id);
    assert.equal(mod.members.get(id)?.reconnecting, false);

    const chat = next(mod, 'chat');
    await guest.chat('back again');
    assert.equal((await chat).from, id);
    await guest.leave();
    await mod.leave();
  });

  it('gives up at once when reconnect is off', async () => {
    const c = await conference('Realtime no reconnect');
    const recording = recordingWebSocket();
    const guest = await join(c.guest, 'Guest', {
      WebSocket: recording.WebSocket,
      reconnect: false,
    });
    const reconnecting: unknown[] = [];
    guest.on('reconnecting', (e) => reconnecting.push(e));
    const closed = next(guest, 'closed');
    recording.sockets[0]!.terminate();
    assert.equal((await closed).code, 1006);
    assert.equal(guest.state, 'closed');
    assert.deepEqual(reconnecting, []);
  });

  it('gives up after the attempts when the server is gone', async () => {
    const own = await startConclave();
    const rest = new RestClient({ project: own.projectId, token: own.apiToken, host: own.url });
    const conf = await rest.video.conferences.create({ display_name: 'Doomed' });
    const { data } = await rest.video.conferences.listConferenceTokens(conf.id);
    const session = await joinRealtime({
      url: own.url,
      token: data[0]!.token,
      reconnect: { attempts: 2, delayMs: 20 },
      joinTimeoutMs: 2_000,
    });
    const attempts: number[] = [];
    session.on('reconnecting', (e) => attempts.push(e.attempt));
    await own.close();
    const closed = await session.closed;
    assert.equal(session.state, 'closed');
    assert.notEqual(closed.code, 1000);
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(closed.code, 1006);
  });

  it('stops reconnecting when left meanwhile', async () => {
    const c = await conference('Realtime leave while down');
    const recording = recordingWebSocket();
    const guest = await join(c.guest, 'Guest', {
      WebSocket: recording.WebSocket,
      reconnect: { attempts: 5, delayMs: 1_000 },
    });
    const reconnecting = next(guest, 'reconnecting');
    recording.sockets[0]!.terminate();
    await reconnecting;
    await guest.leave();
    assert.deepEqual(await guest.closed, { code: 1000, reason: 'left' });
    assert.equal(guest.state, 'closed');
    await delay(1_200);
    assert.equal(recording.sockets.length, 1, 'no attempt after leave()');
  });
});

describe('realtime client with a short grace period and heartbeat', () => {
  let quick: Awaited<ReturnType<typeof startQuickServer>>;
  before(async () => {
    quick = await startQuickServer({ graceMs: 600, heartbeatMs: 400 });
  });
  after(() => quick.close());

  async function tokens() {
    const conference = await quick.client.video.conferences.create({ display_name: 'Quick' });
    const { data } = await quick.client.video.conferences.listConferenceTokens(conference.id);
    return data.map((t) => t.token) as [string, string];
  }

  it('answers the heartbeat, so an idle session stays open', async () => {
    const [moderator] = await tokens();
    const session = await joinRealtime({ url: quick.url, token: moderator, reconnect: false });
    await delay(1_500); // several heartbeats
    assert.equal(session.state, 'open');
    await session.chat('still here');
    await session.leave();
  });

  it('joins afresh when the grace period is over, as a new member', async () => {
    const [moderator, guestToken] = await tokens();
    const mod = await joinRealtime({ url: quick.url, token: moderator, name: 'Mod' });
    let blocked = false;
    const sockets: WsWebSocket[] = [];
    class Flaky extends WsWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        // While blocked, every attempt fails at once (nothing listens on port 9).
        super(blocked ? 'ws://127.0.0.1:9/' : url, protocols);
        sockets.push(this);
      }
    }
    const guest = await joinRealtime({
      url: quick.url,
      token: guestToken,
      name: 'Guest',
      WebSocket: Flaky,
      reconnect: { attempts: 20, delayMs: 100, maxDelayMs: 100 },
    });
    const oldId = guest.memberId;

    const gone = next(mod, 'member.left', (e) => e.member_id === oldId);
    const back = next(guest, 'reconnected');
    blocked = true;
    sockets[0]!.terminate();
    const left = await gone;
    assert.equal(left.reason, 'disconnected');
    blocked = false;
    const reconnected = await back;
    assert.equal(reconnected.resumed, false);
    assert.ok(reconnected.attempt > 1);
    assert.notEqual(guest.memberId, oldId);
    assert.equal(guest.member.name, 'Guest');
    assert.ok(guest.members.has(mod.memberId));
    assert.ok(!guest.members.has(oldId));
    await guest.leave();
    await mod.leave();
  });
});
