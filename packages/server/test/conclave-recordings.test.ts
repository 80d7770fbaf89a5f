import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LiveFeedEvent } from '@conclave/schema';
import { eventually } from './helpers/eventually.js';
import { MediaPeer } from './helpers/media-peer.js';
import { TestMember } from './helpers/realtime-client.js';
import { startSession } from './helpers/sessions.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/test-server.js';

// Recordings through Conclave's own API (/conclave/v1/room_sessions/{id}/recordings…): started
// and stopped with the API token, shown as `recording` on the live feed's sessions. Real media
// workers and ffmpeg; a server without media answers `recording_unavailable`.

let server: TestServer;
let noMedia: TestServer;
const peers: MediaPeer[] = [];
const feeds: AbortController[] = [];
before(async () => {
  server = await startTestServer({ media: { workers: 1 }, realtime: { graceMs: 300 } });
  noMedia = await startTestServer({ realtime: { graceMs: 300 } });
});
after(async () => {
  for (const f of feeds) f.abort();
  for (const p of peers.splice(0)) await p.close().catch(() => undefined);
  await server.close();
  await noMedia.close();
});

let seq = 0;
async function conference(on: TestServer) {
  const created = await on.api('/api/video/conferences', {
    method: 'POST',
    body: { name: `api_rec_${++seq}_${Date.now()}`, display_name: 'Recorded from the API' },
  });
  assert.equal(created.status, 200, created.text);
  const tokens = await on.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  const token = (name: string) =>
    (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === name)!.token;
  return { id: created.body.id as string, guest: token('Guest') };
}

function conclave(on: TestServer, path: string, method = 'POST') {
  return on.api(`/conclave/v1${path}`, { method });
}

/** Every event of the project's live feed, as it comes. */
async function openFeed(on: TestServer): Promise<LiveFeedEvent[]> {
  const controller = new AbortController();
  feeds.push(controller);
  const response = await fetch(`${on.url}/conclave/v1/live`, {
    headers: { authorization: on.project.auth },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const events: LiveFeedEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (data) events.push(JSON.parse(data.slice(6)) as LiveFeedEvent);
        }
      }
    } catch {
      // aborted
    }
  })();
  return events;
}

/** Whether the feed's latest word on the session says it is recording. */
function recordingOnFeed(events: LiveFeedEvent[], sessionId: string): boolean | undefined {
  let recording: boolean | undefined;
  for (const e of events) {
    if (e.type === 'snapshot') {
      const s = e.sessions.find((x) => x.session.id === sessionId);
      if (s) recording = s.session.recording;
    } else if ((e.type === 'session.started' || e.type === 'session.updated') && e.session_id) {
      if (e.session_id === sessionId) recording = e.session.recording;
    }
  }
  return recording;
}

describe('POST /conclave/v1/room_sessions/{id}/recordings', { timeout: 120_000 }, () => {
  it('starts a recording (201, the recording as the Video API shows it), the feed shows it, stopping completes it', async () => {
    const events = await openFeed(server);
    const c = await conference(server);
    const publisher = new MediaPeer(await TestMember.join(server.url, c.guest, { name: 'Ada' }));
    peers.push(publisher);
    const answer = await publisher.startPublishing();
    assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
    const sessionId = publisher.member.joined!.session.id;
    assert.equal(publisher.member.joined!.session.recording, false);
    await eventually(async () => assert.equal(recordingOnFeed(events, sessionId), false));

    const started = await conclave(server, `/room_sessions/${sessionId}/recordings`);
    assert.equal(started.status, 201, started.text);
    assert.equal(started.body.room_session_id, sessionId);
    assert.equal(started.body.status, 'recording');
    assert.equal(started.body.uri, null);
    assert.equal(started.body.finished_at, null);
    const id = started.body.id as string;
    const row = await server.api(`/api/video/room_recordings/${id}`);
    assert.deepEqual(row.body, started.body, 'the same object as the Video API’s');
    await eventually(async () => assert.equal(recordingOnFeed(events, sessionId), true));
    const recordingEvents = await server.api(`/api/video/room_recordings/${id}/events`);
    const startedEvent = (
      recordingEvents.body.data as { name: string; payload: Record<string, unknown> }[]
    ).find((e) => e.name === 'recording.started');
    assert.deepEqual(startedEvent?.payload, { by: null }, 'started by the API, not a member');

    // A second one at once; stopping one by id leaves the other running.
    const second = await conclave(server, `/room_sessions/${sessionId}/recordings`);
    assert.equal(second.status, 201, second.text);
    const one = await conclave(
      server,
      `/room_sessions/${sessionId}/recordings/${second.body.id}/stop`,
    );
    assert.equal(one.status, 204, one.text);
    const oneAgain = await conclave(
      server,
      `/room_sessions/${sessionId}/recordings/${second.body.id}/stop`,
    );
    assert.equal(oneAgain.status, 404, 'already stopped');
    assert.deepEqual(oneAgain.body, { error: 'Not Found' });
    assert.equal(recordingOnFeed(events, sessionId), true, 'the first one still records');

    // A few seconds of camera and sound reach the encoder.
    const packets = async () => {
      const res = await fetch(`${server.url}/admin/v1/media`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return ((await res.json()) as { total: Record<string, number> }).total.outputPackets ?? 0;
    };
    const before = await packets();
    await eventually(async () => assert.ok((await packets()) - before >= 400), 30_000);
    const stopped = await conclave(server, `/room_sessions/${sessionId}/recordings/stop`);
    assert.equal(stopped.status, 204, stopped.text);
    assert.equal(stopped.text, '');
    await eventually(async () => assert.equal(recordingOnFeed(events, sessionId), false));
    const again = await conclave(server, `/room_sessions/${sessionId}/recordings/stop`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'Conflict');
    assert.equal(again.body.code, 'not_recording');
    assert.match(again.body.message, /No recording/);

    let done: Record<string, unknown> = {};
    await eventually(async () => {
      done = (await server.api(`/api/video/room_recordings/${id}`)).body;
      assert.equal(done.status, 'completed');
    }, 30_000);
    assert.equal(done.format, 'video/webm');
    const ended = (await server.api(`/api/video/room_recordings/${id}/events`)).body.data;
    assert.ok(typeof done.uri === 'string', `the file is stored: ${JSON.stringify(ended)}`);
    assert.ok((done.size_in_bytes as number) > 0);
    await publisher.close();
  });

  it('answers 409 recording_unavailable with the reason on a server without media, and writes nothing', async () => {
    const c = await conference(noMedia);
    const member = await TestMember.join(noMedia.url, c.guest, { name: 'Bo' });
    const sessionId = member.joined!.session.id;
    const res = await conclave(noMedia, `/room_sessions/${sessionId}/recordings`);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.code, 'recording_unavailable');
    assert.match(res.body.message, /recording is unavailable: .*media/);
    const list = await noMedia.api('/api/video/room_recordings');
    assert.equal(list.body.data.length, 0);
    const stop = await conclave(noMedia, `/room_sessions/${sessionId}/recordings/stop`);
    assert.equal(stop.body.code, 'not_recording');
    await member.leave();
  });

  it('answers 404 for a session not live here (unknown, malformed, another project’s) and 409 for one live on another process', async () => {
    const c = await conference(noMedia);
    const member = await TestMember.join(noMedia.url, c.guest, { name: 'Cy' });
    const live = member.joined!.session.id;
    const other = await noMedia.newProject();
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [path, project] of [
      [`/room_sessions/${unknown}/recordings`, noMedia.project],
      ['/room_sessions/nope/recordings', noMedia.project],
      [`/room_sessions/${unknown}/recordings/stop`, noMedia.project],
      [`/room_sessions/${live}/recordings/${unknown}/stop`, noMedia.project],
      [`/room_sessions/${live}/recordings/nope/stop`, noMedia.project],
      [`/room_sessions/${live}/recordings`, other],
    ] as const) {
      const res = await noMedia.api(`/conclave/v1${path}`, { method: 'POST', project });
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    const elsewhere = await startSession(noMedia, {
      name: 'elsewhere',
      startTime: Date.now(),
      nodeId: 'another-node',
      leaseUntil: Date.now() + 60_000,
    });
    for (const path of [
      `/room_sessions/${elsewhere}/recordings`,
      `/room_sessions/${elsewhere}/recordings/stop`,
      `/room_sessions/${elsewhere}/recordings/${unknown}/stop`,
    ]) {
      const res = await conclave(noMedia, path);
      assert.equal(res.status, 409, path);
      assert.equal(res.body.code, 'hosted_elsewhere');
    }
    await member.leave();
  });
});
