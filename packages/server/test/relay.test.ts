import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { WorkerMediaEngine } from '@conclave/media';
import { decodeProtectedHeader } from 'jose';
import WebSocket from 'ws';
import { LocalMediaStorage } from '../src/media/media-storage.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/test-server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC frames are checked field by field
type Frame = any;

const GRACE_MS = 1500;
const PING_MS = 300;
/** The media engine answers calls (`MediaEngine.call`), so invites can be tested end to end. */
const CALLS = typeof (WorkerMediaEngine.prototype as { call?: unknown }).call === 'function';
const needsCalls = CALLS ? {} : { skip: 'the media engine has no call() yet' };

let server: TestServer;
before(async () => {
  server = await startTestServer({
    media: { workers: 1 },
    realtime: { graceMs: GRACE_MS, relayPingMs: PING_MS, joinTimeoutMs: 2000 },
  });
});
after(async () => {
  await server.close();
});

/** A raw JSON-RPC client of the relay that acks events and answers pings as the SDK does. */
class Rpc {
  readonly inbox: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  #pending = new Map<string, (f: Frame) => void>();
  /** Answer the server's requests (events, pings); off: a silent client. */
  answers = true;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.method === undefined) {
        const done = this.#pending.get(String(frame.id));
        this.#pending.delete(String(frame.id));
        done?.(frame);
        return;
      }
      if (this.answers) {
        const result =
          frame.method === 'signalwire.ping' ? { timestamp: frame.params.timestamp } : {};
        this.raw(JSON.stringify({ jsonrpc: '2.0', id: frame.id, result }));
      }
      const i = this.#waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(frame);
      else this.inbox.push(frame);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  static async open(): Promise<Rpc> {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws') + '/api/video/relay');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Rpc(socket);
  }

  raw(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  /** Sends a request; resolves with its response frame. */
  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<Frame> {
    const id = randomUUID();
    return this.send({ jsonrpc: '2.0', id, method, params }, timeoutMs);
  }

  send(frame: { id: string } & Record<string, unknown>, timeoutMs = 10_000): Promise<Frame> {
    const answered = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${frame.method}`)), timeoutMs);
      this.#pending.set(frame.id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
    this.raw(JSON.stringify(frame));
    return answered;
  }

  /** The next server request matching (kept ones first). */
  next(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at < 0) return;
        this.#waiters.splice(at, 1);
        reject(new Error('no such frame in time'));
      }, timeoutMs);
    });
  }

  /** The next `signalwire.event` of this type (whose params match). */
  event(type: string, match: (p: Frame) => boolean = () => true, timeoutMs?: number) {
    return this.next(
      (f) =>
        f.method === 'signalwire.event' && f.params.event_type === type && match(f.params.params),
      timeoutMs,
    ).then((f) => f.params.params as Frame);
  }

  /** The next Verto message of `method` pushed into the call. */
  verto(method: string, timeoutMs?: number): Promise<Frame> {
    return this.event('webrtc.message', (p) => p.method === method, timeoutMs).then(
      (p) => p.params,
    );
  }

  /** No frame matching arrives within `ms`. */
  async quiet(match: (f: Frame) => boolean, ms = 400): Promise<void> {
    const seen = await this.next(match, ms).catch(() => undefined);
    assert.equal(seen, undefined, `unexpected frame: ${JSON.stringify(seen)?.slice(0, 300)}`);
  }

  connect(token: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    return this.request('signalwire.connect', {
      version: { major: 3, minor: 0, revision: 0 },
      event_acks: true,
      agent: '@signalwire/js/browser/3.30.0',
      authentication: { jwt_token: token },
      ...extra,
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** A libwebrtc peer in a child process (see relay-wrtc-peer.ts). */
class Browser {
  readonly states: string[] = [];
  offer!: string;
  #lines: string[] = [];
  #waiters: ((line: string) => void)[] = [];

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('STATE ')) this.states.push(line.slice(6));
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
  }

  static async start(direction: 'sendrecv' | 'recvonly' = 'sendrecv'): Promise<Browser> {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'test/relay-wrtc-peer.ts'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, RELAY_PEER_DIRECTION: direction },
      },
    );
    const browser = new Browser(child);
    const line = await browser.line((l) => l.startsWith('OFFER ') || l.startsWith('FAILED '));
    assert.ok(line.startsWith('OFFER '), line);
    browser.offer = JSON.parse(line.slice(6)) as string;
    return browser;
  }

  line(match: (line: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const i = this.#lines.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#lines.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the peer said nothing')), timeoutMs);
      const wait = (line: string) => {
        if (match(line)) {
          clearTimeout(timer);
          resolve(line);
        } else {
          this.#lines.push(line);
          this.#waiters.push(wait);
        }
      };
      this.#waiters.push(wait);
    });
  }

  async answer(sdp: string): Promise<void> {
    this.child.stdin.write(`ANSWER ${JSON.stringify(sdp)}\n`);
    const line = await this.line((l) => l === 'APPLIED' || l.startsWith('FAILED '));
    assert.equal(line, 'APPLIED');
  }

  stop(): void {
    this.child.stdin.end();
  }
}

const browsers: Browser[] = [];
after(() => {
  for (const b of browsers) b.stop();
});

async function roomToken(body: Record<string, unknown> = {}): Promise<string> {
  const res = await server.api('/api/video/room_tokens', {
    method: 'POST',
    body: { room_name: `relay_${Date.now()}`, user_name: 'Ada', ...body },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.token as string;
}

const MODERATOR = [
  'room.self.audio_mute',
  'room.self.audio_unmute',
  'room.self.video_mute',
  'room.self.video_unmute',
  'room.self.deaf',
  'room.self.undeaf',
  'room.self.set_position',
  'room.member.audio_mute',
  'room.member.audio_unmute',
  'room.member.video_mute',
  'room.member.remove',
  'room.member.set_position',
  'room.set_layout',
  'room.lock',
  'room.unlock',
  'room.list_available_layouts',
];

/** Connects a relay client with `token`. */
async function connected(token: string): Promise<{ rpc: Rpc; result: Frame }> {
  const rpc = await Rpc.open();
  const reply = await rpc.connect(token);
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  return { rpc, result: reply.result };
}

function invite(rpc: Rpc, callId: string, sdp: string, dialog: Record<string, unknown> = {}) {
  const vertoId = randomUUID();
  return rpc
    .request('video.message', {
      message: {
        jsonrpc: '2.0',
        id: vertoId,
        method: 'verto.invite',
        params: {
          dialogParams: {
            callID: callId,
            version: 1000,
            attach: false,
            reattaching: false,
            screenShare: false,
            additionalDevice: false,
            pingSupported: true,
            userVariables: {},
            remote_caller_id_name: 'Outbound Call',
            remote_caller_id_number: '',
            caller_id_name: '',
            caller_id_number: '',
            ...dialog,
          },
          sdp,
        },
      },
      callID: callId,
      subscribe: ['video.member.updated', 'video.layout.changed', 'video.room.subscribed'],
    })
    .then((reply) => ({ reply, vertoId }));
}

/** Joins the room as the SDK does: a real offer, the answer applied, the room subscribed. */
async function join(token: string, direction: 'sendrecv' | 'recvonly' = 'sendrecv') {
  const { rpc, result } = await connected(token);
  const browser = await Browser.start(direction);
  browsers.push(browser);
  const callId = randomUUID();
  const { reply, vertoId } = await invite(rpc, callId, browser.offer);
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  assert.deepEqual(reply.result, {
    node_id: 'conclave',
    result: { jsonrpc: '2.0', id: vertoId, result: { message: 'CALL CREATED', callID: callId } },
  });
  const answer = await rpc.verto('verto.answer');
  assert.equal(answer.callID, callId);
  await browser.answer(answer.sdp);
  const subscribed = await rpc.event('video.room.subscribed');
  assert.equal(subscribed.call_id, callId);
  const self = await rpc.event('video.member.joined', (p) => p.member.id === subscribed.member_id);
  const layout = await rpc.event('video.layout.changed');
  return {
    rpc,
    browser,
    callId,
    connect: result,
    subscribed,
    self,
    layout,
    memberId: subscribed.member_id as string,
    sessionId: subscribed.room_session.id as string,
    /** A room method on this member's session. */
    call: (method: string, params: Record<string, unknown> = {}) =>
      rpc
        .request(method, { room_session_id: subscribed.room_session.id, ...params })
        .then((f) => f.result ?? f.error),
  };
}

/** The media engine's counts (all workers), as operators read them. */
async function mediaTotals(): Promise<{ transports: number; calls: number }> {
  const res = await fetch(server.url + '/admin/v1/media', {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const body = (await res.json()) as { total: { transports: number; calls: number } };
  return body.total;
}

/** Peer connections the media engine has open (all workers). */
async function transports(): Promise<number> {
  return (await mediaTotals()).transports;
}

async function restMembers(sessionId: string) {
  const res = await server.api(`/api/video/room_sessions/${sessionId}/members?page_size=100`);
  assert.equal(res.status, 200, res.text);
  return res.body.data as { id: string; name: string; leave_time: string | null }[];
}

describe('room tokens: the ch header', () => {
  it('names the relay under the public URL; realtime still admits the token', async () => {
    const token = await roomToken();
    const header = decodeProtectedHeader(token);
    assert.equal(header.ch, server.url.replace(/^http/, 'ws') + '/api/video/relay');
    const member = await TestMember.join(server.url, token);
    assert.equal(member.joined!.member.name, 'Ada');
    assert.equal((await member.leave()).code, 1000);
  });
});

describe('GET /api/video/relay: signalwire.connect', () => {
  it('answers with an authorization the SDK can use (no jti) and an authorization state', async () => {
    const permissions = ['room.self.audio_mute', 'room.self.audio_unmute'];
    const token = await roomToken({ permissions, room_meta: { floor: 3 }, meta: { vip: true } });
    const { rpc, result } = await connected(token);
    assert.match(result.protocol, /^signalwire_[^_]+_[^_]+$/);
    assert.equal(result.protocol.split('_')[1], result.authorization.signature);
    assert.deepEqual(result.ice_servers, [], 'no ICE servers on loopback');
    assert.equal(typeof result.identity, 'string');
    const a = result.authorization;
    assert.equal('jti' in a, false);
    assert.equal(a.type, 'video');
    assert.equal(a.project_id, server.project.id);
    assert.equal(a.project, server.project.id);
    assert.deepEqual(a.scopes, ['video']);
    assert.equal(a.join_as, 'member');
    assert.equal(a.user_name, 'Ada');
    assert.equal(a.media_allowed, 'all');
    assert.equal(a.audio_allowed, 'both');
    assert.equal(a.video_allowed, 'both');
    assert.deepEqual(a.room.scopes, permissions);
    assert.deepEqual(a.room.meta, { floor: 3 });
    assert.deepEqual(a.meta, { vip: true });
    const state = await rpc.next((f) => f.params?.event_type === 'signalwire.authorization.state');
    assert.equal(typeof state.params.params.authorization_state, 'string');
    // A repeated connect with the same token answers the same.
    assert.equal((await rpc.connect(token)).result.protocol, result.protocol);
    rpc.close();
  });

  it('maps join_as and media_allowed onto audio_allowed / video_allowed', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ join_as: 'audience' }, 'receive', 'receive'],
      [{ media_allowed: 'audio-only' }, 'both', 'receive'],
      [{ media_allowed: 'video-only' }, 'receive', 'both'],
    ];
    for (const [body, audio, video] of cases) {
      const { rpc, result } = await connected(await roomToken(body));
      assert.deepEqual(
        [result.authorization.audio_allowed, result.authorization.video_allowed],
        [audio, video],
        JSON.stringify(body),
      );
      rpc.close();
    }
  });

  it('refuses bad, unknown-room, too-early and reset tokens with their reasons', async () => {
    const rpc = await Rpc.open();
    const bad = await rpc.connect('not-a-token');
    assert.equal(bad.error.code, 4401);
    assert.equal(bad.error.data.reason, 'invalid_token');

    const forged = (await roomToken()).slice(0, -4) + 'AAAA';
    assert.equal((await rpc.connect(forged)).error.data.reason, 'invalid_token');

    const noRoom = await rpc.connect(await roomToken({ auto_create_room: false }));
    assert.equal(noRoom.error.code, 4404);
    assert.equal(noRoom.error.data.reason, 'not_found');

    const early = await rpc.connect(await roomToken({ join_from: '2099-01-01T00:00:00Z' }));
    assert.equal(early.error.code, 4410);
    assert.equal(early.error.data.reason, 'too_early');
    assert.equal(early.error.data.join_from, '2099-01-01T00:00:00Z');

    const late = await rpc.connect(await roomToken({ join_until: '2001-01-01T00:00:00Z' }));
    assert.equal(late.error.code, 4411);
    assert.equal(late.error.data.reason, 'too_late');

    // A conference token works as well (pages pass `host`: it has no header); reset, it does not.
    const conference = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { display_name: 'Relay' },
    });
    const tokens = await server.api(
      `/api/video/conferences/${conference.body.id}/conference_tokens`,
    );
    const guest = (tokens.body.data as { name: string; token: string; id: string }[]).find(
      (t) => t.name === 'Guest',
    )!;
    const ok = await rpc.connect(guest.token);
    assert.equal(ok.result.authorization.join_as, 'member');
    const other = await Rpc.open();
    const reset = await server.api(`/api/video/conference_tokens/${guest.id}/reset`, {
      method: 'POST',
    });
    assert.equal(reset.status, 200, reset.text);
    const refused = await other.connect(guest.token);
    assert.equal(refused.error.code, 4401);
    rpc.close();
    other.close();
  });

  it('refuses a protocol it did not issue with "Requester validation failed"', async () => {
    const token = await roomToken();
    const rpc = await Rpc.open();
    const stale = await rpc.connect(token, {
      protocol: 'signalwire_abc_def',
      authorization_state: 'x',
    });
    assert.equal(stale.error.message, 'Requester validation failed');
    // The SDK then connects afresh on the same socket.
    assert.ok((await rpc.connect(token)).result.protocol);
    // Another token cannot take a protocol over.
    const { rpc: first, result } = await connected(token);
    const thief = await Rpc.open();
    const taken = await thief.connect(await roomToken(), { protocol: result.protocol });
    assert.equal(taken.error.message, 'Requester validation failed');
    for (const r of [rpc, first, thief]) r.close();
  });
});

describe('GET /api/video/relay: framing and liveness', () => {
  it('answers malformed frames with JSON-RPC errors and keeps the socket', async () => {
    const rpc = await Rpc.open();
    const errorOf = (text: string) => {
      const seen = rpc.next((f) => f.error !== undefined, 5000).catch(() => undefined);
      void seen;
      return new Promise<Frame>((resolve) => {
        rpc.socket.once('message', (data) => resolve(JSON.parse(String(data))));
        rpc.raw(text);
      });
    };
    assert.equal((await errorOf('{not json')).error.code, -32700);
    assert.equal((await errorOf('[1,2]')).error.code, -32600);
    assert.equal((await errorOf('"text"')).error.code, -32600);
    assert.equal((await errorOf(JSON.stringify({ id: 'x', method: 7 }))).error.code, -32600);
    assert.equal((await errorOf('['.repeat(100) + ']'.repeat(100))).error.code, -32600);
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 'h',
      method: 'x',
      params: { a: 'a'.repeat(100_000) },
    });
    const tooBig = await errorOf(huge);
    assert.equal(tooBig.error.code, -32600);
    assert.match(tooBig.error.message, /96 KiB/);
    // Before connecting, methods are refused; connect without a token is a params error.
    assert.equal((await rpc.request('video.members.get', {})).error.code, -32001);
    assert.equal((await rpc.request('signalwire.connect', {})).error.code, -32602);
    assert.equal((await rpc.request('signalwire.connect', 'x')).error.code, -32602);
    await rpc.connect(await roomToken());
    for (const method of ['no.such.method', 'constructor', 'toString', '__proto__']) {
      assert.equal((await rpc.request(method, {})).error.code, -32601, method);
    }
    assert.equal((await rpc.request('video.members.get', {})).error.code, -32002);
    assert.equal((await rpc.request('video.message', { message: 5 })).error.code, -32602);
    const noSdp = await rpc.request('video.message', {
      message: { jsonrpc: '2.0', id: 'v', method: 'verto.invite', params: {} },
    });
    assert.equal(noSdp.error.code, -32602);
    const screen = await invite(rpc, randomUUID(), 'v=0\r\n', { screenShare: true });
    assert.equal(screen.reply.error.code, -32004);
    assert.equal(screen.reply.error.data.reason, 'not_supported');
    const info = await rpc.request('video.message', {
      message: { jsonrpc: '2.0', id: 'v', method: 'verto.info', params: {} },
    });
    assert.equal(info.error.code, -32601);
    // The SDK's acks of Verto messages are requests too: answered.
    const ack = await rpc.request('video.message', {
      message: { jsonrpc: '2.0', id: 'v2', result: { method: 'verto.answer' } },
      node_id: 'conclave',
    });
    assert.deepEqual(ack.result, {});
    // A frame over the transport's limit closes the socket (1009); the server goes on.
    rpc.raw(JSON.stringify({ id: 'big', method: 'x', params: 'a'.repeat(200_000) }));
    assert.equal((await rpc.closed).code, 1009);
    const again = await Rpc.open();
    assert.ok((await again.connect(await roomToken())).result);
    again.close();
  });

  it('pings once connected, and drops a client that stops answering', async () => {
    const { rpc } = await connected(await roomToken());
    const ping = await rpc.next((f) => f.method === 'signalwire.ping');
    assert.equal(typeof ping.params.timestamp, 'number');
    await rpc.next((f) => f.method === 'signalwire.ping');
    rpc.answers = false;
    const closed = await rpc.closed;
    assert.equal(closed.code, 4430);
  });

  it('closes a connection that never connects', async () => {
    const rpc = await Rpc.open();
    assert.equal((await rpc.closed).code, 4001);
  });
});

describe('GET /api/video/relay: connections per project', () => {
  it('refuses connects over the per-project limit', async () => {
    const small = await startTestServer({ realtime: { relayMaxConnectionsPerProject: 2 } });
    try {
      const token = async () => {
        const res = await small.api('/api/video/room_tokens', {
          method: 'POST',
          body: { room_name: 'limit' },
        });
        return res.body.token as string;
      };
      const open = async () => {
        const socket = new WebSocket(small.url.replace(/^http/, 'ws') + '/api/video/relay');
        await new Promise((resolve) => socket.once('open', resolve));
        return socket;
      };
      const connect = async (socket: WebSocket, jwt: string) => {
        socket.send(
          JSON.stringify({
            jsonrpc: '2.0',
            id: '1',
            method: 'signalwire.connect',
            params: { authentication: { jwt_token: jwt } },
          }),
        );
        return new Promise<Frame>((resolve) => {
          const on = (data: WebSocket.RawData) => {
            const frame = JSON.parse(String(data)) as Frame;
            if (frame.id !== '1') return;
            socket.off('message', on);
            resolve(frame);
          };
          socket.on('message', on);
        });
      };
      const sockets = [await open(), await open(), await open()];
      assert.ok((await connect(sockets[0]!, await token())).result);
      assert.ok((await connect(sockets[1]!, await token())).result);
      const third = await connect(sockets[2]!, await token());
      assert.equal(third.error.code, 4429);
      assert.equal(third.error.data.reason, 'too_many_connections');
      sockets[0]!.close();
      await eventually(async () => assert.ok((await connect(sockets[2]!, await token())).result));
      for (const s of sockets) s.close();
    } finally {
      await small.close();
    }
  });
});

describe('GET /api/video/relay: in a room', needsCalls, () => {
  it('joins with a real offer and sees the others, their changes and what the REST API shows', async () => {
    const room = `relay_room_${Date.now()}`;
    const a = await join(
      await roomToken({ room_name: room, user_name: 'A', permissions: MODERATOR }),
    );
    assert.equal(a.self.member.name, 'A');
    const rs = a.subscribed.room_session;
    assert.equal(rs.name, room);
    assert.deepEqual(
      rs.members.map((m: Frame) => m.id),
      [a.memberId],
    );
    assert.deepEqual(a.subscribed.room, rs);
    assert.equal(rs.members[0].type, 'member');
    assert.equal(rs.members[0].audio_muted, false);
    // Alone: nobody to show, its own camera in the self layer.
    assert.deepEqual(
      a.layout.layout.layers.map((l: Frame) => [l.member_id, l.position]),
      [[a.memberId, 'self']],
    );

    const b = await join(
      await roomToken({ room_name: room, user_name: 'B', join_audio_muted: true }),
    );
    assert.equal(b.sessionId, a.sessionId);
    assert.equal(
      b.subscribed.room_session.members.find((m: Frame) => m.id === b.memberId).audio_muted,
      true,
      'the token mutes it on joining',
    );
    assert.deepEqual(
      b.layout.layout.layers.map((l: Frame) => [l.member_id, l.position]),
      [
        [a.memberId, 'standard-1'],
        [b.memberId, 'self'],
      ],
    );
    const joined = await a.rpc.event('video.member.joined', (p) => p.member.id === b.memberId);
    assert.equal(joined.member.name, 'B');
    // A now shows B.
    const shown = await a.rpc.event('video.layout.changed');
    assert.equal(shown.layout.layers[0].member_id, b.memberId);

    // Mute: self (scope), another (scope) and another without it (403).
    assert.deepEqual(await b.call('video.member.audio_unmute'), { code: '200', message: 'OK' });
    const unmuted = await a.rpc.event('video.member.updated', (p) => p.member.id === b.memberId);
    assert.deepEqual(unmuted.member.updated, ['audio_muted']);
    assert.equal(unmuted.member.audio_muted, false);
    const forbidden = await b.call('video.member.audio_mute', { member_id: a.memberId });
    assert.equal(forbidden.code, '403');
    assert.deepEqual(await a.call('video.member.video_mute', { member_id: b.memberId }), {
      code: '200',
      message: 'OK',
    });
    const seenByB = await b.rpc.event(
      'video.member.updated',
      (p) => p.member.id === b.memberId && p.member.updated.includes('video_muted'),
    );
    assert.deepEqual(seenByB.member.updated, ['video_muted']);
    assert.equal((await a.call('video.member.deaf', { member_id: randomUUID() })).code, '404');
    assert.equal((await b.call('video.member.audio_mute', { member_id: 5 })).code, -32602);

    // The same session, members and events in the REST API.
    const members = await restMembers(a.sessionId);
    assert.deepEqual(members.map((m) => m.name).sort(), ['A', 'B']);
    await eventually(async () => {
      const events = await server.api(
        `/api/video/room_sessions/${a.sessionId}/events?page_size=100`,
      );
      const updates = (events.body.data as { name: string; payload: Frame }[]).filter(
        (e) => e.name === 'member.updated',
      );
      assert.ok(updates.some((e) => e.payload.member_id === b.memberId && e.payload.video_muted));
    });

    // Layout, lock, lists.
    assert.equal((await b.call('video.set_layout', { name: '2x1' })).code, '403');
    assert.equal((await a.call('video.set_layout', { name: 'nope' })).code, '422');
    assert.equal((await a.call('video.set_layout', { name: '2x1' })).code, '200');
    const updated = await b.rpc.event('video.room.updated');
    assert.equal(updated.room_session.layout_name, '2x1');
    const relaid = await b.rpc.event('video.layout.changed', (p) => p.layout.id === '2x1');
    assert.equal(relaid.layout.layers[0].member_id, a.memberId);
    const listed = await b.call('video.members.get');
    assert.deepEqual(
      listed.members.map((m: Frame) => m.id).sort(),
      [a.memberId, b.memberId].sort(),
    );
    assert.ok((await a.call('video.list_available_layouts')).layouts.includes('grid-responsive'));
    assert.equal((await b.call('video.list_available_layouts')).code, '403');
    // Recording and streaming need their scopes (room.recording, room.stream); pausing is 501.
    assert.equal((await a.call('video.recording.start')).code, '403');
    assert.equal((await a.call('video.stream.start', { url: 'rtmp://127.0.0.1/x' })).code, '403');
    assert.deepEqual((await a.call('video.recording.list')).recordings, []);
    assert.deepEqual((await a.call('video.stream.list')).streams, []);
    assert.equal((await a.call('video.recording.pause')).code, '501');
    assert.equal((await a.call('video.member.raisehand')).code, '501');
    assert.equal(
      (await a.call('video.members.get', { room_session_id: randomUUID() })).code,
      '404',
    );

    // Pins: a third member; A pins C for everyone on the relay, then unpins.
    const c = await join(await roomToken({ room_name: room, user_name: 'C' }));
    assert.equal(c.layout.layout.layers[0].member_id, a.memberId, 'the earliest other member');
    assert.equal(
      (await b.call('video.member.set_position', { member_id: c.memberId, position: 'standard-1' }))
        .code,
      '403',
    );
    assert.equal(
      (await a.call('video.member.set_position', { member_id: c.memberId, position: 'off-canvas' }))
        .code,
      '422',
    );
    assert.equal(
      (await a.call('video.member.set_position', { member_id: c.memberId, position: 'standard-1' }))
        .code,
      '200',
    );
    const pinned = await b.rpc.event(
      'video.layout.changed',
      (p) => p.layout.layers[0]?.member_id === c.memberId,
    );
    assert.equal(pinned.layout.layers[0].position, 'standard-1');
    const requested = await b.rpc.event('video.member.updated', (p) => p.member.id === c.memberId);
    assert.equal(requested.member.requested_position, 'standard-1');
    await a.rpc.event('video.layout.changed', (p) => p.layout.layers[0]?.member_id === c.memberId);
    // C does not show itself: it keeps A.
    await c.rpc.quiet((f) => f.params?.event_type === 'video.layout.changed');
    assert.equal(
      (await a.call('video.member.set_position', { member_id: c.memberId, position: 'auto' })).code,
      '200',
    );
    await b.rpc.event('video.layout.changed', (p) => p.layout.layers[0]?.member_id === a.memberId);

    // Remove: C is told verto.bye, the others video.member.left.
    assert.equal((await b.call('video.member.remove', { member_id: c.memberId })).code, '403');
    assert.equal((await a.call('video.member.remove', { member_id: c.memberId })).code, '200');
    const bye = await c.rpc.verto('verto.bye');
    assert.deepEqual(bye, { callID: c.callId, cause: 'NORMAL_CLEARING', causeCode: 16 });
    const left = await b.rpc.event('video.member.left', (p) => p.member.id === c.memberId);
    assert.equal(left.member.name, 'C');
    assert.equal((await c.rpc.closed).code, 4420);

    // Lock: a newcomer is refused at its connect, or (connected before) at its invite.
    const d = await connected(await roomToken({ room_name: room, user_name: 'D' }));
    assert.equal((await a.call('video.lock')).code, '200');
    const e = await Rpc.open();
    const shut = await e.connect(await roomToken({ room_name: room, user_name: 'E' }));
    assert.equal(shut.error.code, 4413);
    e.close();
    const refused = await invite(d.rpc, randomUUID(), a.browser.offer);
    assert.equal(refused.reply.error.code, 4413);
    assert.equal(refused.reply.error.data.reason, 'session_locked');
    d.rpc.close();
    assert.equal((await a.call('video.unlock')).code, '200');

    // Bye: B leaves; A sees it; the REST API records it.
    const ended = await b.rpc.request('video.message', {
      message: {
        jsonrpc: '2.0',
        id: 'bye1',
        method: 'verto.bye',
        params: { dialogParams: { callID: b.callId } },
      },
      callID: b.callId,
      node_id: 'conclave',
    });
    assert.deepEqual(ended.result.result.result, { message: 'CALL ENDED', callID: b.callId });
    await a.rpc.event('video.member.left', (p) => p.member.id === b.memberId);
    await eventually(async () => {
      const gone = (await restMembers(a.sessionId)).find((m) => m.id === b.memberId);
      assert.notEqual(gone?.leave_time, null);
    });
    a.rpc.close();
    b.rpc.close();
  });

  it('reconnects with its protocol: the same member, its call kept, a re-invite answered', async () => {
    const room = `relay_back_${Date.now()}`;
    const token = await roomToken({ room_name: room, user_name: 'Back', permissions: MODERATOR });
    const a = await join(token);
    const other = await join(await roomToken({ room_name: room, user_name: 'Stays' }));
    await eventually(async () => assert.ok(a.browser.states.includes('connected')));
    // The earlier tests' calls close asynchronously: wait until only this room's two are open.
    await eventually(async () => assert.equal(await transports(), 2));
    const open = await transports();
    // Each SDK member is one call (counted among the transports too).
    assert.ok((await mediaTotals()).calls >= 2, 'the admin API counts the calls');
    a.rpc.socket.terminate();
    // SignalWire's member entity has no `reconnecting`: the others are not told of the drop.
    await other.rpc.quiet((f) => f.params?.event_type === 'video.member.updated', 300);
    const again = await Rpc.open();
    const resumed = await again.connect(token, { protocol: a.connect.protocol });
    assert.equal(resumed.error, undefined, JSON.stringify(resumed.error));
    assert.equal(resumed.result.protocol, a.connect.protocol);
    // The member is still in the room, once.
    const listed = await again.request('video.members.get', { room_session_id: a.sessionId });
    assert.deepEqual(
      listed.result.members.map((m: Frame) => m.id).sort(),
      [a.memberId, other.memberId].sort(),
    );
    const present = (await restMembers(a.sessionId)).filter((m) => m.leave_time === null);
    assert.equal(present.length, 2);
    // The media went on meanwhile: the call's connection stayed, the browser's never failed.
    assert.equal(await transports(), open);
    assert.deepEqual(
      a.browser.states.filter((s) => s === 'failed' || s === 'closed' || s === 'disconnected'),
      [],
    );
    // An ICE restart's offer comes as a new invite with the same callID: answered afresh.
    const { reply } = await invite(again, a.callId, a.browser.offer);
    assert.equal(reply.result.result.result.message, 'CALL CREATED');
    const answer = await again.verto('verto.answer');
    assert.equal(answer.callID, a.callId);
    const subscribed = await again.event('video.room.subscribed');
    assert.equal(subscribed.member_id, a.memberId);
    assert.equal((await restMembers(a.sessionId)).filter((m) => m.leave_time === null).length, 2);
    // After the grace period a stale protocol is refused.
    again.close();
    await other.rpc.event('video.member.left', (p) => p.member.id === a.memberId, GRACE_MS + 5000);
    const late = await Rpc.open();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(
      (await late.connect(token, { protocol: a.connect.protocol })).error.message,
      'Requester validation failed',
    );
    late.close();
    other.rpc.close();
  });

  it('a reloaded page with the same token and callID takes its place back', async () => {
    const token = await roomToken({ user_name: 'Reload' });
    const a = await join(token);
    a.rpc.socket.terminate();
    const page = await Rpc.open();
    assert.ok((await page.connect(token)).result);
    const { reply } = await invite(page, a.callId, a.browser.offer);
    assert.equal(reply.error, undefined, JSON.stringify(reply.error));
    await page.verto('verto.answer');
    const subscribed = await page.event('video.room.subscribed');
    assert.equal(subscribed.member_id, a.memberId, 'the same member');
    assert.equal((await restMembers(a.sessionId)).length, 1);
    page.close();
  });

  it('the session ending, and removing everyone, hang the calls up', async () => {
    const room = `relay_end_${Date.now()}`;
    const a = await join(await roomToken({ room_name: room, user_name: 'A' }));
    const b = await join(await roomToken({ room_name: room, user_name: 'B' }));
    const ended = await server.api(`/conclave/v1/room_sessions/${a.sessionId}/end`, {
      method: 'POST',
    });
    assert.equal(ended.status, 204, ended.text);
    for (const p of [a, b]) {
      const gone = await p.rpc.event('video.room.ended');
      assert.equal(gone.room_session_id, a.sessionId);
      const bye = await p.rpc.verto('verto.bye');
      assert.deepEqual(bye, { callID: p.callId, cause: 'NORMAL_CLEARING', causeCode: 16 });
      assert.equal((await p.rpc.closed).code, 4422);
    }

    const room2 = `relay_all_${Date.now()}`;
    const mod = await join(
      await roomToken({ room_name: room2, user_name: 'M', permissions: MODERATOR }),
    );
    const c = await join(await roomToken({ room_name: room2, user_name: 'C' }));
    assert.equal((await mod.call('video.member.remove', { member_id: 'all' })).code, '200');
    for (const p of [c, mod]) {
      assert.deepEqual(await p.rpc.verto('verto.bye'), {
        callID: p.callId,
        cause: 'NORMAL_CLEARING',
        causeCode: 16,
      });
    }
    await eventually(async () => {
      const left = (await restMembers(mod.sessionId)).filter((m) => m.leave_time === null);
      assert.equal(left.length, 0);
    });
  });

  it('records through the SDK methods (room.recording); the room says it is recording', async () => {
    const room = `relay_rec_${Date.now()}`;
    const a = await join(
      await roomToken({ room_name: room, user_name: 'A', permissions: ['room.recording'] }),
    );
    const started = await a.call('video.recording.start');
    assert.equal(started.code, '200', JSON.stringify(started));
    const id = started.recording.id as string;
    assert.equal(started.recording.state, 'recording');
    await a.rpc.event('video.room.updated', (p) => p.room_session.recording === true);
    // ffmpeg writes the file in one-second clusters: wait until some have been written.
    const work = joinPath((server.media as LocalMediaStorage).root, '.recording', `${id}.webm`);
    await eventually(async () => {
      assert.ok((await stat(work)).size > 20_000, 'the file grows');
    }, 30_000);
    assert.deepEqual(
      (await a.call('video.recording.list')).recordings.map((r: Frame) => [r.id, r.state]),
      [[id, 'recording']],
    );
    const stopped = await a.call('video.recording.stop', { recording_id: id });
    assert.equal(stopped.code, '200', JSON.stringify(stopped));
    await a.rpc.event('video.room.updated', (p) => p.room_session.recording === false);
    await eventually(async () => {
      const res = await server.api(`/api/video/room_recordings/${id}`);
      assert.equal(res.body.status, 'completed', res.text);
      assert.equal(res.body.room_session_id, a.sessionId);
      assert.ok((res.body.size_in_bytes as number) > 20_000, 'the file is kept');
      assert.ok((res.body.duration as number) >= 1, 'and has a duration');
    }, 30_000);
  });

  it('an audience member receives only', async () => {
    const token = await roomToken({ join_as: 'audience', user_name: 'Watcher' });
    const w = await join(token, 'recvonly');
    assert.equal(w.connect.authorization.join_as, 'audience');
    assert.equal(w.self.member.audio_muted, true);
    assert.deepEqual(w.layout.layout.layers, [], 'nobody to show and no self view');
    w.rpc.close();
  });
});
