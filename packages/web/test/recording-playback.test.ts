import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { TestMember } from '../../server/test/helpers/realtime-client.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../../server/test/helpers/test-server.js';
import { CHROMIUM_PATH, haveChromium, launchBrowser } from './helpers/browser.js';

// A three-member session of headless Chromium pages (fake cameras and microphones, publishing
// through Conclave's realtime protocol) is recorded for a few seconds; the file is downloaded
// through its signed link, ffprobe reads video and audio of the row's duration, and Chromium
// plays it. Media is judged by the server's counters, playback by the <video> element's own.

const run = promisify(execFile);
const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

/** In the page (plain JavaScript: the test's own functions would carry tsx's helpers): join
 *  with `token`, publish the fake camera and microphone, resolve once answered. */
const PUBLISH = `async ({ ws, token }) => {
  const socket = new WebSocket(ws);
  const frames = [];
  let waiting;
  socket.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    if (waiting) waiting(frame);
    else frames.push(frame);
  };
  const next = (type) =>
    new Promise((resolve) => {
      const found = frames.findIndex((f) => f.type === type);
      if (found >= 0) return resolve(frames.splice(found, 1)[0]);
      waiting = (frame) => {
        if (frame.type === type) {
          waiting = undefined;
          resolve(frame);
        } else frames.push(frame);
      };
    });
  await new Promise((resolve) => (socket.onopen = resolve));
  socket.send(JSON.stringify({ type: 'join', token }));
  await next('joined');
  const media = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: 320, height: 240 },
  });
  const pc = new RTCPeerConnection();
  const transceivers = media.getTracks().map((t) => pc.addTransceiver(t, { direction: 'sendonly' }));
  await pc.setLocalDescription(await pc.createOffer());
  while (pc.iceGatheringState !== 'complete') await new Promise((r) => setTimeout(r, 50));
  const tracks = transceivers.map((t) => ({
    mid: t.mid,
    source: t.sender.track.kind === 'audio' ? 'microphone' : 'camera',
  }));
  socket.send(JSON.stringify({ type: 'media.publish', sdp: pc.localDescription.sdp, tracks }));
  const answer = await next('media.answer');
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  window.keep = { socket, pc };
}`;

/** In the page: plays `uri` muted; what the element says after 1.5 s of it (or 20 s). */
const PLAY = `async (uri) => {
  const video = document.createElement('video');
  video.muted = true;
  video.src = uri;
  document.body.append(video);
  await video.play();
  const deadline = Date.now() + 20000;
  while (video.currentTime < 1.5 && !video.error && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    time: video.currentTime,
    width: video.videoWidth,
    height: video.videoHeight,
    error: video.error ? video.error.message || String(video.error.code) : null,
    frames: video.getVideoPlaybackQuality().totalVideoFrames,
  };
}`;

describe('a recorded session in Chromium', { ...skip, timeout: 300_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let work: string;

  before(async () => {
    assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
    work = await mkdtemp(join(tmpdir(), 'conclave-playback-'));
    server = await startTestServer({ media: { workers: 1 }, webRoot: false });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function packets(): Promise<number> {
    const res = await fetch(`${server.url}/admin/v1/media`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return ((await res.json()) as { total: { outputPackets?: number } }).total.outputPackets ?? 0;
  }

  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('records three members, downloads the file, ffprobe and Chromium agree with the row', async () => {
    const created = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `playback_${Date.now()}`, display_name: 'Playback' },
    });
    const tokens = await server.api(
      `/api/video/conferences/${created.body.id as string}/conference_tokens`,
    );
    const token = (name: string) =>
      (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === name)!.token;

    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/healthz`);
      const args = {
        ws: `${server.url.replace('http', 'ws')}/api/video/realtime`,
        token: token('Guest'),
      };
      await page.evaluate(`(${PUBLISH})(${JSON.stringify(args)})`);
      pages.push(page);
    }
    // The moderator joins last and sends nothing: the featured camera is the first page's.
    const moderator = await TestMember.join(server.url, token('Moderator'), { name: 'Mod' });
    const started = await moderator.request({ type: 'recording.start' });
    const id = (started as { recording_id?: string }).recording_id;
    assert.ok(id, JSON.stringify(started));
    const from = await packets();
    await until(packets, (n) => n - from > 1500, 60_000); // about 5 s of camera and voices
    await moderator.request({ type: 'recording.stop', recording_id: id });

    const row = await until(
      async () => (await server.api(`/api/video/room_recordings/${id}`)).body,
      (r: { status: string; uri: string | null; duration: number | null }) =>
        r.status === 'completed',
      60_000,
    );
    assert.ok(typeof row.uri === 'string', JSON.stringify(row));
    const file = await fetch(row.uri as string);
    assert.equal(file.status, 200);
    const path = join(work, 'recording.webm');
    await writeFile(path, Buffer.from(await file.arrayBuffer()));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration:stream=codec_type',
      '-of',
      'json',
      path,
    ]);
    const probed = JSON.parse(stdout) as {
      format: { duration: string };
      streams: { codec_type: string }[];
    };
    const kinds = probed.streams.map((s) => s.codec_type).sort();
    assert.deepEqual(kinds, ['audio', 'video']);
    const seconds = Number(probed.format.duration);
    assert.ok(Math.abs(seconds - (row.duration as number)) <= 1, `${seconds} vs ${row.duration}`);
    assert.ok(seconds >= 2, `${seconds} s`);

    // Chromium plays it from its signed link: the picture has a size, time advances, no error.
    const viewer = await (await browser.newContext()).newPage();
    await viewer.goto(`${server.url}/healthz`);
    const played = (await viewer.evaluate(`(${PLAY})(${JSON.stringify(row.uri)})`)) as {
      time: number;
      width: number;
      height: number;
      error: string | null;
      frames: number;
    };
    assert.equal(played.error, null);
    assert.ok(played.time >= 1.5, JSON.stringify(played));
    assert.ok(played.width > 0 && played.height > 0, JSON.stringify(played));
    assert.ok(played.frames > 10, JSON.stringify(played));
    await moderator.leave();
  });
});
