import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { newOrderedId } from '../src/lib/ids.js';
import type { LocalMediaStorage } from '../src/media/media-storage.js';
import { eventually } from './helpers/eventually.js';
import { MediaPeer } from './helpers/media-peer.js';
import { TestMember } from './helpers/realtime-client.js';
import { freePort } from './helpers/server-process.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/test-server.js';

// Recordings and streams of live sessions, with the real media workers and ffmpeg: Node peers
// (werift) publish synthetic VP8 + Opus; what comes out is judged by ffprobe and by counters,
// never by timing alone. Chromium playing a recording: packages/web/test/recordings.test.ts.

const run = promisify(execFile);

async function probe(path: string): Promise<{ duration: number; codecs: string[] }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type,codec_name',
    '-of',
    'json',
    path,
  ]);
  const info = JSON.parse(stdout) as {
    format: { duration?: string };
    streams: { codec_type: string; codec_name: string }[];
  };
  return {
    duration: Number(info.format.duration ?? NaN),
    codecs: info.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort(),
  };
}

let server: TestServer;
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'conclave-outputs-'));
  server = await startTestServer({
    media: { workers: 1 },
    // A short lease: the sweep for sessions of dead processes runs every half second.
    realtime: { graceMs: 300, leaseMs: 1500 },
    outputs: { retryBaseMs: 200, retryCapMs: 1000 },
  });
});
after(async () => {
  for (const p of peers.splice(0)) await p.close().catch(() => undefined);
  await server.close();
  await rm(work, { recursive: true, force: true });
});

let seq = 0;
async function conference(on: TestServer = server, body: Record<string, unknown> = {}) {
  const created = await on.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `rec_${++seq}_${Date.now()}`, display_name: 'Recorded', ...body },
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await on.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  const token = (name: string) =>
    (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === name)!.token;
  return { id: created.body.id as string, moderator: token('Moderator'), guest: token('Guest') };
}

const peers: MediaPeer[] = [];
/** A member publishing synthetic media: VP8 (not decodable: fine for recordings, which copy
 *  it) and Opus, or Opus alone (`audioOnly`: a stream, which transcodes, shows black). */
async function publisher(token: string, name: string, audioOnly = false) {
  const member = await TestMember.join(server.url, token, { name });
  const p = new MediaPeer(member);
  peers.push(p);
  const answer = await p.startPublishing(audioOnly ? { audio: 'microphone' } : undefined);
  assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
  return p;
}

async function outputStats() {
  const res = await fetch(`${server.url}/admin/v1/media`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await res.json()) as { total: Record<string, number> }).total;
}

async function recording(id: string) {
  const res = await server.api(`/api/video/room_recordings/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.body as Record<string, unknown>;
}

async function recordingEvents(id: string) {
  const res = await server.api(`/api/video/room_recordings/${id}/events`);
  assert.equal(res.status, 200, res.text);
  return res.body.data as { name: string; payload: Record<string, unknown> }[];
}

/** Waits until the output has sent this many more packets to ffmpeg. */
async function packetsFlow(count: number) {
  const start = (await outputStats()).outputPackets ?? 0;
  await eventually(async () => {
    const now = (await outputStats()).outputPackets ?? 0;
    assert.ok(now - start >= count, `${now - start} of ${count} packets reached the encoder`);
  }, 30_000);
}

describe('recordings', { timeout: 180_000 }, () => {
  it('records a three-member session: the row completes with the file’s duration, the signed link downloads it, deleting it deletes the file', async () => {
    const c = await conference();
    const a = await publisher(c.guest, 'Ada');
    await publisher(c.guest, 'Bo');
    await publisher(c.guest, 'Cy');
    const moderator = await TestMember.join(server.url, c.moderator, { name: 'Mod' });

    const started = await moderator.request({ type: 'recording.start' });
    assert.equal(started.type, 'ack', JSON.stringify(started));
    const id = (started as { recording_id?: string }).recording_id!;
    assert.ok(id, 'the ack names the recording');
    const live = await recording(id);
    assert.equal(live.status, 'recording');
    assert.equal(live.uri, null);
    assert.equal(live.duration, null);

    await packetsFlow(600); // a few seconds of video and audio from three members
    const stopped = await moderator.request({ type: 'recording.stop', recording_id: id });
    assert.equal(stopped.type, 'ack', JSON.stringify(stopped));
    const again = await moderator.request({ type: 'recording.stop', recording_id: id });
    assert.equal(again.type === 'error' && again.code, 'recording_not_found');

    let done: Record<string, unknown> = {};
    await eventually(async () => {
      done = await recording(id);
      assert.equal(done.status, 'completed');
    }, 30_000);
    assert.equal(done.format, 'video/webm');
    assert.ok((done.size_in_bytes as number) > 1000, `size ${String(done.size_in_bytes)}`);
    assert.ok(typeof done.uri === 'string');
    const duration = done.duration as number;
    assert.ok(duration >= 1, `duration ${duration}`);

    const file = await fetch(done.uri as string);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'video/webm');
    const bytes = Buffer.from(await file.arrayBuffer());
    assert.equal(bytes.length, done.size_in_bytes);
    const path = join(work, `${id}.webm`);
    await writeFile(path, bytes);
    const probed = await probe(path);
    assert.ok(
      probed.codecs.some((c) => c.startsWith('video/')),
      probed.codecs.join(),
    );
    assert.ok(
      probed.codecs.some((c) => c.startsWith('audio/')),
      probed.codecs.join(),
    );
    assert.ok(
      Math.abs(probed.duration - duration) <= 1,
      `ffprobe ${probed.duration} s, row ${duration} s`,
    );
    const finished = Date.parse(done.finished_at as string);
    const began = Date.parse(done.started_at as string);
    assert.ok(Math.abs((finished - began) / 1000 - probed.duration) <= 1);

    const events = await recordingEvents(id);
    assert.deepEqual(events.map((e) => e.name).sort(), ['recording.ended', 'recording.started']);
    const ended = events.find((e) => e.name === 'recording.ended')!;
    assert.equal(ended.payload.status, 'completed');
    const session = await server.api(
      `/api/video/room_sessions/${done.room_session_id as string}/events`,
    );
    const names = (session.body.data as { name: string }[]).map((e) => e.name);
    assert.ok(
      names.includes('recording.started') && names.includes('recording.ended'),
      names.join(),
    );
    // The meeting went on throughout.
    assert.equal(a.member.socket.readyState, a.member.socket.OPEN);

    const key = `recordings/${server.project.id}/${id}.webm`;
    assert.ok(await server.media.open(key), 'the file is stored');
    const deleted = await server.api(`/api/video/room_recordings/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(await server.media.open(key), undefined, 'its file is gone');
    for (const p of peers.splice(0)) await p.close();
    await moderator.leave();
  });

  it('record_on_start records from the first join; the session’s end completes it', async () => {
    const c = await conference(server, { record_on_start: true });
    const a = await publisher(c.moderator, 'Ada');
    const sessionId = a.member.joined!.session.id;
    let id = '';
    await eventually(async () => {
      const list = await server.api(`/api/video/room_sessions/${sessionId}/recordings`);
      assert.equal(list.body.data.length, 1);
      id = list.body.data[0].id as string;
      assert.equal(list.body.data[0].status, 'recording');
    }, 10_000);
    await packetsFlow(200);
    const end = await server.api(`/conclave/v1/room_sessions/${sessionId}/end`, {
      method: 'POST',
    });
    assert.ok(end.status < 300, end.text);
    await eventually(async () => {
      const row = await recording(id);
      assert.equal(row.status, 'completed');
      assert.ok(typeof row.uri === 'string');
    }, 30_000);
    for (const p of peers.splice(0)) await p.close();
  });

  it('refuses without the room.recording scope, and stops nothing that is not recording', async () => {
    const c = await conference();
    const guest = await TestMember.join(server.url, c.guest, { name: 'Guest' });
    const refused = await guest.request({ type: 'recording.start' });
    assert.equal(refused.type === 'error' && refused.code, 'forbidden');
    const moderator = await TestMember.join(server.url, c.moderator, { name: 'Mod' });
    const none = await moderator.request({ type: 'recording.stop' });
    assert.equal(none.type === 'error' && none.code, 'recording_not_found');
    await guest.leave();
    await moderator.leave();
  });

  it('a dead encoder ends the recording as an error (completed on the wire, the reason in its event); the meeting goes on', async () => {
    const c = await conference();
    const a = await publisher(c.moderator, 'Ada');
    const started = await a.member.request({ type: 'recording.start' });
    const id = (started as { recording_id?: string }).recording_id!;
    assert.ok(id, JSON.stringify(started));
    await packetsFlow(200);
    // The encoder writing this recording (its file is named after it) dies.
    const { stdout } = await run('pgrep', ['-f', id]);
    for (const pid of stdout.trim().split('\n').filter(Boolean))
      process.kill(Number(pid), 'SIGKILL');
    await eventually(async () => {
      const events = await recordingEvents(id);
      const ended = events.find((e) => e.name === 'recording.ended');
      assert.ok(ended, 'recording.ended');
      assert.equal(ended.payload.status, 'error');
      assert.ok(typeof ended.payload.reason === 'string' && ended.payload.reason !== '');
    }, 20_000);
    const row = await recording(id);
    assert.equal(row.status, 'completed');
    const stored = await server.store.getRecording(server.project.id, id);
    assert.equal(stored?.status, 'error');
    // Still in the meeting, and it can be recorded again.
    assert.equal(a.member.socket.readyState, a.member.socket.OPEN);
    const again = await a.member.request({ type: 'recording.start' });
    assert.equal(again.type, 'ack', JSON.stringify(again));
    for (const p of peers.splice(0)) await p.close();
  });

  it('a recording a killed process left behind becomes an error at the sweep, keeping its partial file', async () => {
    const c = await conference();
    const { store } = server;
    const sessionId = newOrderedId();
    const now = Date.now();
    await store.applySessionWrites([
      {
        kind: 'start',
        session: {
          id: sessionId,
          projectId: server.project.id,
          conferenceId: c.id,
          roomId: null,
          name: 'gone',
          displayName: null,
          layout: 'grid-responsive',
          quality: '720p',
          fps: 20,
          maxMembers: 10,
          joinFrom: null,
          joinUntil: null,
          removeAt: null,
          removeAfterSecondsElapsed: null,
          recordOnStart: false,
          enableRoomPreviews: false,
          audioVideoSync: true,
          toneOnEntryAndExit: true,
          roomJoinVideoOff: false,
          userJoinVideoOff: false,
          prioritizeHandraise: false,
          startTime: now - 60_000,
          nodeId: 'a-dead-node',
          // Lapses once everything below is in place; then the sweep finds it.
          leaseUntil: now + 4000,
          startedEventId: newOrderedId(),
        },
      },
    ]);
    const withFile = newOrderedId();
    const without = newOrderedId();
    for (const id of [withFile, without]) {
      assert.ok(
        await store.startRecording({
          id,
          projectId: server.project.id,
          roomSessionId: sessionId,
          startedAt: now - 50_000,
          by: null,
        }),
      );
    }
    // A stream that process was pushing still shows it running.
    const stream = await server.api(`/api/video/conferences/${c.id}/streams`, {
      method: 'POST',
      body: { url: 'rtmp://127.0.0.1:1/live/gone' },
    });
    await store.setStreamRunning(server.project.id, stream.body.id as string, {
      width: 1280,
      height: 720,
      fps: 30,
    });
    const workDir = join((server.media as LocalMediaStorage).root, '.recording');
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, `${withFile}.webm`), Buffer.alloc(4096, 1));
    // The lease ran out: the next sweep ends the session, then its recordings.
    await eventually(async () => {
      for (const id of [without, withFile]) {
        assert.equal((await store.getRecording(server.project.id, id))?.status, 'error');
      }
    }, 15_000);
    const kept = await store.getRecording(server.project.id, withFile);
    assert.equal(kept?.status, 'error');
    assert.equal(kept?.size_in_bytes, 4096);
    assert.ok(await server.media.open(`recordings/${server.project.id}/${withFile}.webm`));
    const wire = await recording(withFile);
    assert.equal(wire.status, 'completed');
    assert.ok(typeof wire.uri === 'string');
    const none = await recording(without);
    assert.equal(none.status, 'completed');
    assert.equal(none.uri, null);
    const ended = (await recordingEvents(without)).find((e) => e.name === 'recording.ended');
    assert.equal(ended?.payload.status, 'error');
    await assert.rejects(stat(join(workDir, `${withFile}.webm`)));
    const idle = await server.api(`/api/video/streams/${stream.body.id as string}`);
    assert.deepEqual([idle.body.width, idle.body.height, idle.body.fps], [null, null, null]);
  });
});

describe('recording without an encoder', { timeout: 60_000 }, () => {
  it('answers recording_unavailable with the reason, on a server without media and one without ffmpeg', async () => {
    const bare = await startTestServer();
    const noFfmpeg = await startTestServer({
      media: { workers: 1, outputs: { ffmpeg: '/nonexistent/ffmpeg' } },
    });
    try {
      for (const on of [bare, noFfmpeg]) {
        const c = await conference(on);
        const m = await TestMember.join(on.url, c.moderator, { name: 'Mod' });
        const refused = await m.request({ type: 'recording.start' });
        assert.equal(refused.type === 'error' && refused.code, 'recording_unavailable');
        assert.match((refused as { message: string }).message, /unavailable: /);
        const list = await on.api('/api/video/room_recordings');
        assert.equal(list.body.data.length, 0, 'no row is written');
        await m.leave();
      }
    } finally {
      await bare.close();
      await noFfmpeg.close();
    }
  });
});

/** `ffmpeg -listen 1` as an RTMP server writing what it receives to `out`. */
function listener(
  port: number,
  out: string,
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-y',
      '-listen',
      '1',
      '-i',
      `rtmp://127.0.0.1:${port}/live/key`,
      '-c',
      'copy',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited };
}

describe('streams', { timeout: 180_000 }, () => {
  it('pushes H.264 + AAC to a stream created while the session is live, retries a destination that is down, and stops when it is deleted', async () => {
    const c = await conference();
    const a = await publisher(c.moderator, 'Ada', true);
    const port = await freePort();
    // Nothing listens yet: the stream fails and is retried.
    const created = await server.api(`/api/video/conferences/${c.id}/streams`, {
      method: 'POST',
      body: { url: `rtmp://127.0.0.1:${port}/live/key` },
    });
    assert.equal(created.status, 200, created.text);
    const streamId = created.body.id as string;
    await eventually(async () => {
      assert.ok(((await outputStats()).outputFailures ?? 0) >= 1, 'the first attempt failed');
    }, 20_000);
    const stream = await server.api(`/api/video/streams/${streamId}`);
    assert.equal(stream.body.width, null);

    const out = join(work, `${streamId}.flv`);
    const rtmp = listener(port, out);
    await eventually(async () => {
      const running = await server.api(`/api/video/streams/${streamId}`);
      assert.ok(
        running.body.width > 0 && running.body.height > 0 && running.body.fps > 0,
        running.text,
      );
    }, 30_000);
    await packetsFlow(300);
    const deleted = await server.api(`/api/video/streams/${streamId}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    // Deleting it ends the push: the listener sees the end of its input and exits.
    const code = await Promise.race([
      rtmp.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    assert.notEqual(code, 'timeout', 'the stream stopped');
    const probed = await probe(out);
    assert.deepEqual(
      probed.codecs.map((x) => x.split('/')[1]).sort(),
      ['aac', 'h264'],
      probed.codecs.join(),
    );
    assert.ok(probed.duration >= 1, `received ${probed.duration} s`);
    for (const p of peers.splice(0)) await p.close();
    assert.ok(a);
  });

  it('starts a configured stream when its session goes live, and stops it when the session ends', async () => {
    const c = await conference();
    const port = await freePort();
    const out = join(work, `start-${port}.flv`);
    const rtmp = listener(port, out);
    const created = await server.api(`/api/video/conferences/${c.id}/streams`, {
      method: 'POST',
      body: { url: `rtmp://127.0.0.1:${port}/live/key` },
    });
    assert.equal(created.status, 200, created.text);
    const a = await publisher(c.moderator, 'Ada', true);
    await eventually(async () => {
      const running = await server.api(`/api/video/streams/${created.body.id as string}`);
      assert.ok(running.body.fps > 0, running.text);
    }, 30_000);
    await packetsFlow(200);
    const sessionId = a.member.joined!.session.id;
    await server.api(`/conclave/v1/room_sessions/${sessionId}/end`, { method: 'POST' });
    const code = await Promise.race([
      rtmp.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    assert.notEqual(code, 'timeout', 'the stream stopped with the session');
    await eventually(async () => {
      const stopped = await server.api(`/api/video/streams/${created.body.id as string}`);
      assert.equal(stopped.body.width, null);
      assert.equal(stopped.body.fps, null);
    }, 10_000);
    const probed = await probe(out);
    assert.ok(
      probed.codecs.some((x) => x.endsWith('/h264')),
      probed.codecs.join(),
    );
    for (const p of peers.splice(0)) await p.close();
  });
});
