import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './helpers/eventually.js';
import { MediaPeer } from './helpers/media-peer.js';
import { TestMember } from './helpers/realtime-client.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/test-server.js';

// Media through Conclave with Node peers (werift) sending synthetic VP8 + Opus: forwarding, the
// rules acting on it, talking, validation of what clients send, and a worker that dies. Judged by
// packet counters, never by time. Real browsers: packages/sdk/test/browser-media.test.ts.

let server: TestServer;
let bare: TestServer;
before(async () => {
  server = await startTestServer({ media: { workers: 1 }, realtime: { graceMs: 500 } });
  bare = await startTestServer();
});
after(async () => {
  await server.close();
  await bare.close();
});

let seq = 0;
async function conference(on: TestServer = server) {
  const created = await on.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `media_${++seq}_${Date.now()}`, display_name: 'Media' },
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await on.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  const token = (name: string) =>
    (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === name)!.token;
  return { id: created.body.id as string, moderator: token('Moderator'), guest: token('Guest') };
}

async function mediaStats() {
  const res = await fetch(`${server.url}/admin/v1/media`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as {
    available: boolean;
    workers: { restarts: number }[];
    total: Record<string, number>;
  };
}

/** Counts over a while: grows, or stays. */
async function grows(read: () => number, ms = 1500): Promise<boolean> {
  const before = read();
  await sleep(ms);
  return read() > before;
}

const peers: MediaPeer[] = [];
async function peer(token: string, name: string, options?: MediaPeer['options']) {
  const member = await TestMember.join(server.url, token, { name });
  const p = new MediaPeer(member, options);
  peers.push(p);
  return p;
}
async function closeAll() {
  for (const p of peers.splice(0)) {
    await p.close();
    if (p.member.socket.readyState === p.member.socket.OPEN) await p.member.leave();
  }
}

describe('media: forwarding and the rules', () => {
  after(closeAll);

  it('announces media in joined, and forwards audio and video to a subscriber', async () => {
    const c = await conference();
    const a = await peer(c.guest, 'Ada');
    assert.deepEqual(a.member.joined!.media, { available: true, ice_servers: [] });
    const b = await peer(c.moderator, 'Bo');
    const answer = await a.startPublishing();
    assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
    if (answer.type === 'media.answer') {
      // Candidates only on the announced (loopback) address.
      const candidates = answer.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      assert.ok(candidates.length > 0, 'the answer carries candidates');
      for (const line of candidates) assert.equal(line.split(' ')[4], '127.0.0.1', line);
    }
    await b.startSubscribing();
    await eventually(
      async () => assert.ok(b.count(a.member.id, 'video') > 20, 'video arrives'),
      15_000,
    );
    await eventually(
      async () => assert.ok(b.count(a.member.id, 'audio') > 20, 'audio arrives'),
      15_000,
    );
    const info = b.tracks.map((t) => `${t.member_id}/${t.kind}/${t.source}`).sort();
    assert.deepEqual(info, [`${a.member.id}/audio/microphone`, `${a.member.id}/video/camera`]);

    // A moderator mutes Ada's video: the server stops forwarding it; unmuted, it resumes.
    const muted = await b.member.request({
      type: 'member.update',
      member_id: a.member.id,
      video_muted: true,
    });
    assert.equal(muted.type, 'ack');
    await sleep(300);
    assert.equal(await grows(() => b.count(a.member.id, 'video')), false, 'muted video stops');
    assert.equal(await grows(() => b.count(a.member.id, 'audio'), 500), true, 'audio goes on');
    await b.member.request({ type: 'member.update', member_id: a.member.id, video_muted: false });
    await eventually(async () =>
      assert.ok(await grows(() => b.count(a.member.id, 'video'), 500), 'video resumes'),
    );

    // Bo deafens himself: no audio reaches him; video does.
    assert.equal((await b.member.request({ type: 'member.update', deaf: true })).type, 'ack');
    const updated = await a.member.next(
      (m) => m.type === 'member.updated' && m.member.id === b.member.id && m.member.deaf,
    );
    assert.ok(updated, 'member.updated with deaf');
    await sleep(300);
    assert.equal(await grows(() => b.count(a.member.id, 'audio')), false, 'deaf: no audio');
    assert.equal(await grows(() => b.count(a.member.id, 'video'), 500), true);
    await b.member.request({ type: 'member.update', deaf: false });
    await eventually(async () =>
      assert.ok(await grows(() => b.count(a.member.id, 'audio'), 500), 'audio resumes'),
    );

    // Ada speaks: everyone hears that she is talking, then that she stopped; both are recorded.
    a.level = 20;
    const started = await b.member.next(
      (m) => m.type === 'member.talking' && m.member_id === a.member.id && m.talking,
      10_000,
    );
    assert.ok(started, 'talking started');
    a.level = 127;
    await b.member.next(
      (m) => m.type === 'member.talking' && m.member_id === a.member.id && !m.talking,
      10_000,
    );
    const session = a.member.joined!.session.id;
    await eventually(async () => {
      const events = await server.api(`/api/video/room_sessions/${session}/events`);
      const talking = (
        events.body.data as { name: string; created_at: string; payload: { talking: boolean } }[]
      )
        .filter((e) => e.name === 'member.talking')
        .sort((x, y) => x.created_at.localeCompare(y.created_at))
        .map((e) => e.payload.talking);
      assert.deepEqual(talking.slice(0, 2), [true, false]);
    });

    const stats = await mediaStats();
    assert.equal(stats.total.members, 2);
    assert.equal(stats.total.producers, 2);
    assert.equal(stats.total.consumers, 2);
    assert.ok((stats.total.keyframesSent ?? 0) >= 1, 'a keyframe was asked of the publisher');

    // Leaving takes everything of theirs down.
    await closeAll();
    await eventually(async () => {
      const t = (await mediaStats()).total;
      assert.deepEqual(
        [t.members, t.transports, t.producers, t.consumers, t.sessions],
        [0, 0, 0, 0, 0],
      );
    }, 10_000);
  });

  it('refuses publishing to an audience member, and screens without the screenshare scope', async () => {
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `media_room_${++seq}` },
    });
    assert.equal(room.status, 200);
    const issue = async (body: Record<string, unknown>) => {
      const res = await server.api('/api/video/room_tokens', {
        method: 'POST',
        body: { room_name: room.body.name, ...body },
      });
      assert.equal(res.status, 200, res.text);
      return res.body.token as string;
    };
    const audience = await peer(await issue({ user_name: 'Watcher', join_as: 'audience' }), 'W');
    const refused = await audience.startPublishing();
    assert.equal(refused.type, 'error');
    if (refused.type === 'error') assert.equal(refused.code, 'not_publisher');
    // It may still receive.
    const sub = await audience.member.request({ type: 'media.subscribe' });
    assert.equal(sub.type, 'ack');

    const plain = await peer(await issue({ user_name: 'Plain', permissions: [] }), 'P');
    const screen = await plain.startPublishing({ video: 'screen' });
    assert.equal(screen.type, 'error');
    if (screen.type === 'error') assert.equal(screen.code, 'forbidden');
    await closeAll();
  });
});

describe('media: codecs and losses', () => {
  after(closeAll);

  it('forwards H.264 when the publisher sends it, and answers NACKs when packets are lost', async () => {
    const c = await conference();
    const a = await peer(c.guest, 'Ada', { video: ['H264'] });
    const b = await peer(c.guest, 'Bo', { video: ['VP8', 'H264'], loss: 5 });
    const answer = await a.startPublishing();
    assert.equal(answer.type, 'media.answer');
    if (answer.type === 'media.answer') assert.match(answer.sdp, /a=rtpmap:\d+ H264\/90000/);
    await b.startSubscribing();
    await eventually(
      async () => assert.ok(b.count(a.member.id, 'video') > 50, 'H.264 video arrives'),
      15_000,
    );
    // The subscriber's video section puts the publisher's codec first: forwarded as it is.
    const remote = b.subscribe!.remoteDescription!.sdp;
    const video = remote.slice(remote.indexOf('m=video'));
    const first = /^m=video \S+ \S+ (\d+)/.exec(video)![1];
    assert.match(video, new RegExp(`a=rtpmap:${first} H264/90000`));
    // Lost packets were asked for again, and answered from the server's history.
    await eventually(
      async () => assert.ok(((await mediaStats()).total.nacks ?? 0) > 0, 'NACKs answered'),
      15_000,
    );
    await closeAll();
  });

  it("keeps a subscriber's m-lines to the most tracks at once as people come and go", async () => {
    const c = await conference();
    const watcher = await peer(c.guest, 'Watcher');
    await watcher.startSubscribing();
    for (let round = 0; round < 3; round++) {
      const p = await peer(c.guest, `Guest ${round}`);
      assert.equal((await p.startPublishing()).type, 'media.answer');
      await eventually(
        async () => assert.ok(watcher.count(p.member.id, 'video') > 5, 'the newcomer is seen'),
        15_000,
      );
      await p.close();
      await p.member.leave();
      peers.splice(peers.indexOf(p), 1);
    }
    // Each newcomer's tracks took over the idle transceivers of the one before.
    const sdp = watcher.subscribe!.remoteDescription!.sdp;
    assert.equal(sdp.split('\r\nm=').length - 1, 2, 'two m-lines: one audio, one video');
    await closeAll();
  });
});

describe('media: what clients send is checked', () => {
  after(closeAll);

  it('answers malformed SDPs and candidates with media_failed, and keeps serving', async () => {
    const c = await conference();
    const p = await peer(c.guest, 'Mallory');
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'media.publish', sdp: 'hello', tracks: [] }, 'media_failed'],
      [{ type: 'media.publish', sdp: 'v=0\r\nm=foo 9 x\r\n', tracks: [] }, 'media_failed'],
      [
        { type: 'media.publish', sdp: `v=0\r\na=${'x'.repeat(5000)}\r\n`, tracks: [] },
        'media_failed',
      ],
      [
        { type: 'media.publish', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', tracks: [] },
        'media_failed',
      ],
      [{ type: 'media.publish', sdp: 'v=0', tracks: [{ mid: '0', source: 'tv' }] }, 'bad_message'],
      [{ type: 'media.publish', sdp: 'x'.repeat(70_000), tracks: [] }, 'bad_message'],
      [{ type: 'media.answer', sdp: 'v=0' }, 'media_failed'],
      [
        {
          type: 'media.candidate',
          pc: 'publish',
          candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
        },
        'media_failed',
      ],
      [
        { type: 'media.candidate', pc: 'subscribe', candidate: { candidate: 'candidate:x y z' } },
        'media_failed',
      ],
      [
        {
          type: 'media.candidate',
          pc: 'subscribe',
          candidate: { candidate: 'candidate:1 1 udp 1 evil.example.com 9 typ host' },
        },
        'media_failed',
      ],
    ];
    for (const [frame, code] of cases) {
      const reply = await p.member.request(frame);
      assert.equal(reply.type, 'error', JSON.stringify(frame).slice(0, 80));
      if (reply.type === 'error') assert.equal(reply.code, code, JSON.stringify(reply));
    }
    // A real offer with a hostile twist (a fingerprint werift cannot use) is refused too.
    const real = new MediaPeer(p.member);
    const answer = await real.startPublishing();
    assert.equal(answer.type, 'media.answer', 'the member can still publish');
    await real.close();
    const chat = await p.member.request({ type: 'chat', text: 'still here' });
    assert.equal(chat.type, 'ack');
    assert.ok(((await mediaStats()).total.errors ?? 0) >= 1, 'errors counted');
  });

  it('a server without media says so, and refuses media frames with media_unavailable', async () => {
    const c = await conference(bare);
    const m = await TestMember.join(bare.url, c.guest);
    assert.deepEqual(m.joined!.media, { available: false, ice_servers: [] });
    const reply = await m.request({ type: 'media.subscribe' });
    assert.equal(reply.type, 'error');
    if (reply.type === 'error') assert.equal(reply.code, 'media_unavailable');
    await m.leave();
  });
});

describe('media: a worker that dies', () => {
  after(closeAll);

  it('tells its members, is replaced, and media starts again', async () => {
    const c = await conference();
    const a = await peer(c.guest, 'Ada');
    const b = await peer(c.guest, 'Bo');
    assert.equal((await a.startPublishing()).type, 'media.answer');
    await b.startSubscribing();
    await eventually(
      async () => assert.ok(b.count(a.member.id, 'video') > 10, 'video arrives'),
      15_000,
    );

    const res = await fetch(`${server.url}/admin/v1/media/workers/0/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    for (const p of [a, b]) {
      const closed = await p.member.next('media.closed', 10_000);
      assert.equal(closed.reason, 'worker_failed');
    }
    const stats = await mediaStats();
    assert.equal(stats.workers[0]!.restarts, 1);
    // The session goes on; media starts again on the new worker.
    await a.close();
    await b.close();
    const a2 = new MediaPeer(a.member);
    const b2 = new MediaPeer(b.member);
    peers.push(a2, b2);
    assert.equal((await a2.startPublishing()).type, 'media.answer');
    await b2.startSubscribing();
    await eventually(
      async () => assert.ok(b2.count(a.member.id, 'video') > 10, 'video arrives again'),
      15_000,
    );
    const missing = await fetch(`${server.url}/admin/v1/media/workers/9/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(missing.status, 404);
  });
});
