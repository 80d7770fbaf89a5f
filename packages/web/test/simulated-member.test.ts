import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, joinUrl } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import {
  haveChromium,
  CHROMIUM_PATH,
  inbound,
  launchBrowser,
  openPerson,
  waitForMedia,
  type Person,
} from './helpers/browser.js';
import type { Browser } from 'playwright-core';

// Emulator mode's simulated member with synthetic media, as a person on the join page meets it:
// the real server (SQLite, a media worker, ffmpeg) and headless Chromium. What the page decodes
// and hears is read from the page itself (getStats(), the video element, WebAudio).

const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

/** In the page: 1.5 s of each remote audio track's decoded samples (read from the track itself,
 *  by MediaStreamTrackProcessor: a clone gives silence), and for the strongest track the
 *  amplitude at `hz` and at a frequency nothing plays in its last half second (Goertzel; full
 *  scale 1: what the decoder still makes up from the last packets after a stop has faded by
 *  then), with the samples counted. */
const LISTEN = `async (hz) => {
  const tracks = window.__test.pcs
    .filter((pc) => pc.connectionState !== 'closed')
    .flatMap((pc) => pc.getReceivers().map((r) => r.track))
    .filter((t) => t.kind === 'audio' && t.readyState === 'live');
  const goertzel = (samples, rate, f) => {
    const c = 2 * Math.cos((2 * Math.PI * f) / rate);
    let s1 = 0, s2 = 0;
    for (const x of samples) { const s0 = x + c * s1 - s2; s2 = s1; s1 = s0; }
    return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / samples.length;
  };
  const results = await Promise.all(tracks.map(async (track) => {
    const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    const samples = [];
    let rate = 48000;
    const deadline = performance.now() + 4000;
    while (samples.length < 72000 && performance.now() < deadline) {
      const next = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r({ timeout: true }), 500))]);
      if (next.timeout) continue;
      if (next.done) break;
      const data = next.value;
      rate = data.sampleRate;
      const plane = new Float32Array(data.numberOfFrames);
      data.copyTo(plane, { planeIndex: 0, format: 'f32-planar' });
      for (const x of plane) samples.push(x);
      data.close();
    }
    reader.cancel();
    const last = samples.slice(-24000);
    return { samples: samples.length, tone: goertzel(last, rate, hz), elsewhere: goertzel(last, rate, hz * 1.37) };
  }));
  results.sort((a, b) => b.tone - a.tone);
  return { tracks: tracks.length, ...(results[0] ?? { samples: 0, tone: 0, elsewhere: 0 }) };
}`;

describe('a simulated member on the join page', { ...skip, timeout: 300_000 }, () => {
  let conclave: Conclave;
  let browser: Browser;
  let person: Person | undefined;

  before(async () => {
    assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
    conclave = await startConclave({
      emulator: true,
      media: { workers: 1, addresses: '127.0.0.1' },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await person?.close().catch(() => undefined);
    await browser?.close();
    await conclave?.close();
  });

  async function admin(path: string, body: unknown) {
    const res = await fetch(
      `${conclave.url}/admin/v1/emulator/projects/${conclave.projectId}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${conclave.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      },
    );
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  }

  it('is seen (its test pattern, decoded) and heard (its tone); muted, it is silent', async () => {
    const client = new RestClient({
      project: conclave.projectId,
      token: conclave.apiToken,
      host: conclave.url,
    });
    const created = await client.video.conferences.create({
      name: `sim-${Math.random().toString(36).slice(2, 10)}`,
      display_name: 'With a bot',
    } as Parameters<typeof client.video.conferences.create>[0]);
    const tokens = (await client.video.conferences.listConferenceTokens(created.id)).data;
    const moderator = tokens.find((t) => t.name === 'Moderator')!.token;

    const joined = await admin('/simulated_members', {
      conference_id: created.id,
      count: 1,
      name: 'Bot',
      media: true,
    });
    const bot = joined.joined[0] as { id: string; name: string; tone_hz: number };
    assert.equal(bot.name, 'Bot 1');
    assert.equal(bot.tone_hz, 440);

    person = await openPerson(browser, joinUrl(conclave.url, moderator, { name: 'Ann' }));
    const page = person.page;
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('group', { name: 'Meeting controls' }).waitFor();

    // Its tile shows its camera: the test pattern, 640×360, frames decoded and still coming.
    const video = page.getByLabel("Bot 1's camera");
    await video.waitFor({ timeout: 30_000 });
    const streams = await waitForMedia(page, { videos: 1, audios: 1, frames: 15, packets: 50 });
    const framesAt = streams.filter((s) => s.kind === 'video').reduce((n, s) => n + s.frames, 0);
    // (Its size is known once the first frame is shown.)
    for (let i = 0; (await video.evaluate((v: HTMLVideoElement) => v.videoWidth)) === 0; i++) {
      assert.ok(i < 100, 'the video element shows a frame');
      await new Promise((r) => setTimeout(r, 300));
    }
    const size = await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight]);
    assert.deepEqual(size, [640, 360], 'the synthetic picture');
    for (let i = 0; ; i++) {
      const now = (await inbound(page))
        .filter((s) => s.kind === 'video')
        .reduce((n, s) => n + s.frames, 0);
      if (now >= framesAt + 15) break;
      assert.ok(i < 200, `frames keep being decoded (${framesAt} → ${now})`);
      await new Promise((r) => setTimeout(r, 300));
    }

    // Its tone: 440 Hz (ffmpeg's sine is 1/8 of full scale), nothing elsewhere.
    type Heard = { tracks: number; samples: number; tone: number; elsewhere: number };
    const heard = (await page.evaluate(`(${LISTEN})(440)`)) as Heard;
    assert.ok(heard.samples >= 48_000, `a second of audio at least: ${JSON.stringify(heard)}`);
    assert.ok(heard.tone > 0.05, `the tone is heard: ${JSON.stringify(heard)}`);
    assert.ok(heard.elsewhere < heard.tone / 10, `and nothing else: ${JSON.stringify(heard)}`);

    // Muted (as a moderator would), its audio stops: the tone is gone.
    await admin(`/simulated_members/${bot.id}/actions`, { action: 'mute' });
    await page.getByRole('figure', { name: /Bot 1, microphone off/ }).waitFor();
    // Its audio packets stop (nothing is forwarded), then a second is listened to.
    const audioPackets = async () =>
      (await inbound(page)).filter((s) => s.kind === 'audio').reduce((n, s) => n + s.packets, 0);
    for (let i = 0, last = -1; ; i++) {
      const now = await audioPackets();
      if (now === last) break;
      assert.ok(i < 100, `audio packets stop after the mute (${now})`);
      last = now;
      await new Promise((r) => setTimeout(r, 600));
    }
    const muted = (await page.evaluate(`(${LISTEN})(440)`)) as Heard;
    assert.ok(muted.tone < heard.tone / 10, `muted: ${JSON.stringify(muted)} (was ${heard.tone})`);
  });
});
