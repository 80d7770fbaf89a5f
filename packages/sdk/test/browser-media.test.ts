import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RestClient, joinRealtime, type RealtimeSession } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

// Media through the SDK in real headless Chromium: pages publish their fake camera and
// microphone with `session.media.publish`, receive each other's tracks through Conclave's SFU,
// and the test judges by the subscribe connection's getStats() counters (framesDecoded,
// packetsReceived), never by time alone.

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM_PATH);
const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Conclave media</title>
<script type="module">
import * as sdk from './sdk.js';

let session;
const events = [];
const sockets = [];
class TrackedWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    sockets.push(this);
  }
}
window.harness = {
  async join(url, token, name, publish) {
    session = await sdk.joinRealtime({ url, token, name, WebSocket: TrackedWebSocket });
    for (const type of ['track.added', 'track.removed', 'media.closed', 'error', 'member.talking', 'reconnected']) {
      session.on(type, (e) => events.push({ type, memberId: e.memberId, source: e.source, reason: e.reason, resumed: e.resumed, code: e.code, message: e.message }));
    }
    let published = 'no';
    if (publish) {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 320, height: 240, frameRate: 15 },
      });
      try {
        await session.media.publish(stream);
        published = 'ok';
      } catch (error) {
        published = error.code ?? String(error);
        stream.getTracks().forEach((t) => t.stop());
      }
    }
    return { memberId: session.memberId, available: session.media.available, published };
  },
  /** Per remote member: video framesDecoded, audio packetsReceived, on the subscribe connection. */
  async inbound() {
    const pc = session.media.peerConnections.subscribe;
    const out = {};
    if (!pc) return out;
    const byMid = new Map();
    for (const [memberId, tracks] of session.media.remoteTracks) {
      for (const t of tracks.values()) byMid.set(t.mid, { memberId, kind: t.kind });
    }
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const who = byMid.get(s.mid);
      if (!who) return;
      const entry = (out[who.memberId] ??= { frames: 0, packets: 0 });
      if (s.kind === 'video') entry.frames += s.framesDecoded ?? 0;
      else entry.packets += s.packetsReceived ?? 0;
    });
    return out;
  },
  events: () => events,
  /** Drops the connection as a network failure would (a close code the client resumes after). */
  drop: () => sockets[sockets.length - 1].close(3000, 'dropped'),
  camera: (enabled) => session.media.setCameraEnabled(enabled).then(() => 'ack'),
  async replaceCamera() {
    // A canvas that changes every 50 ms: a different video track for the same sender.
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext('2d');
    let n = 0;
    setInterval(() => {
      context.fillStyle = 'hsl(' + (n++ * 7) % 360 + ', 80%, 50%)';
      context.fillRect(0, 0, 320, 240);
    }, 50);
    const track = canvas.captureStream(20).getVideoTracks()[0];
    const old = session.media.localTracks.get('camera').track;
    await session.media.replaceTrack('camera', track);
    old.stop();
    return session.media.localTracks.get('camera').track === track;
  },
  unpublish: (source) => session.media.unpublish(source).then(() => [...session.media.localTracks.keys()]),
  async publishCamera() {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240, frameRate: 15 } });
    await session.media.publish(stream);
    return [...session.media.localTracks.keys()];
  },
  async leave() {
    await session.leave();
    for (const t of session.media.localTracks.values()) t.track?.stop();
  },
};
document.title = 'ready';
</script>
`;

type Counters = Record<string, { frames: number; packets: number }>;

describe('media through the SDK in headless Chromium', { ...skip, timeout: 240_000 }, () => {
  let conclave: Conclave | undefined;
  let client: RestClient;
  let http: Server | undefined;
  let pageUrl: string;
  let browser: Browser | undefined;
  const nodeSessions: RealtimeSession[] = [];
  let moderator: string;
  let guest: string;
  const people: { name: string; page: Page; memberId: string }[] = [];

  async function openPage(): Promise<Page> {
    const page = await browser!.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => console.log('pageerror', String(error)));
    await page.goto(pageUrl);
    await page.waitForFunction("document.title === 'ready'");
    return page;
  }

  async function join(token: string, name: string, publish = true) {
    const page = await openPage();
    const joined = (await page.evaluate(
      ([url, t, n, p]) =>
        (
          window as unknown as {
            harness: { join(...a: unknown[]): Promise<unknown> };
          }
        ).harness.join(url, t, n, p),
      [conclave!.url, token, name, publish] as const,
    )) as { memberId: string; available: boolean; published: string };
    return { page, ...joined };
  }

  function inbound(page: Page): Promise<Counters> {
    return page.evaluate('window.harness.inbound()') as Promise<Counters>;
  }

  async function leave(page: Page) {
    await page.evaluate('window.harness.leave()').catch(() => undefined);
    await page.close();
  }

  /** Waits (bounded) until `page` decodes `minFrames` more video frames and receives
   *  `minPackets` more audio packets from each of `from`; returns the last counters. */
  async function grows(
    page: Page,
    from: string[],
    { minFrames = 10, minPackets = 10, ms = 30_000 } = {},
  ): Promise<Counters> {
    const start = await inbound(page);
    const deadline = Date.now() + ms;
    let now = start;
    for (;;) {
      const ok = from.every(
        (id) =>
          (now[id]?.frames ?? 0) - (start[id]?.frames ?? 0) >= minFrames &&
          (minPackets === 0 || (now[id]?.packets ?? 0) - (start[id]?.packets ?? 0) >= minPackets),
      );
      if (ok) return now;
      if (Date.now() > deadline) {
        assert.fail(
          `no growth from ${from.join(', ')} within ${ms} ms: ${JSON.stringify(start)} → ${JSON.stringify(now)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
      now = await inbound(page);
    }
  }

  async function admin(path: string, method = 'GET') {
    const response = await fetch(`${conclave!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${conclave!.adminToken}` },
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as {
      total: Record<string, number>;
      workers: Record<string, number>[];
    };
  }

  before(async () => {
    assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
    conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
    client = new RestClient({
      project: conclave.projectId,
      token: conclave.apiToken,
      host: conclave.url,
    });
    const bundle = await build({
      absWorkingDir: root,
      entryPoints: ['src/index.ts'],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
    });
    const sdkJs = bundle.outputFiles[0]!.text;
    http = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const [type, body] =
        path === '/'
          ? ['text/html; charset=utf-8', PAGE]
          : path === '/sdk.js'
            ? ['text/javascript; charset=utf-8', sdkJs]
            : [undefined, 'not found'];
      response.writeHead(type ? 200 : 404, { 'content-type': type ?? 'text/plain' });
      response.end(body);
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', () => resolve()));
    const address = http.address();
    assert.ok(address && typeof address === 'object');
    pageUrl = `http://127.0.0.1:${address.port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection',
      ],
      timeout: 30_000,
    });
    const conference = await client.video.conferences.create({
      display_name: 'Media',
      name: 'media',
    });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    moderator = tokens.find((t) => t.name === 'Moderator')!.token;
    guest = tokens.find((t) => t.name === 'Guest')!.token;
  });

  after(async () => {
    await Promise.allSettled(nodeSessions.map((s) => s.leave()));
    await browser?.close().catch(() => undefined);
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    }
    await conclave?.close();
  });

  it('three pages decode each other’s video and receive each other’s audio', async () => {
    for (const name of ['Ada', 'Grace', 'Linus']) {
      const joined = await join(guest, name);
      assert.equal(joined.available, true);
      assert.equal(joined.published, 'ok');
      people.push({ name, page: joined.page, memberId: joined.memberId });
    }
    for (const me of people) {
      const others = people.filter((p) => p !== me).map((p) => p.memberId);
      const counters = await grows(me.page, others, { minFrames: 20, minPackets: 20 });
      console.log(`${me.name} receives`, JSON.stringify(counters));
    }
    for (const me of people) {
      const events = (await me.page.evaluate('window.harness.events()')) as { type: string }[];
      console.log(
        `${me.name} events`,
        JSON.stringify(events.filter((e) => e.type !== 'member.talking')),
      );
    }
  });

  it('a moderator’s video mute stops the others decoding that member; unmute resumes', async () => {
    const mod = await joinRealtime({ url: conclave!.url, token: moderator, name: 'Mod' });
    nodeSessions.push(mod);
    const [ada, grace, linus] = people as [
      (typeof people)[0],
      (typeof people)[0],
      (typeof people)[0],
    ];
    await mod.muteVideo(grace.memberId);
    assert.equal(mod.members.get(grace.memberId)?.video_muted, true);
    await new Promise((r) => setTimeout(r, 1_500)); // settle: frames in flight
    const before = await Promise.all([inbound(ada.page), inbound(linus.page)]);
    await new Promise((r) => setTimeout(r, 2_500));
    const later = await Promise.all([inbound(ada.page), inbound(linus.page)]);
    for (const i of [0, 1]) {
      const stalled =
        (later[i]![grace.memberId]?.frames ?? 0) - (before[i]![grace.memberId]?.frames ?? 0);
      const flowing = later[i]![people[i === 0 ? 2 : 0]!.memberId]?.frames;
      console.log(`muted: frames from Grace +${stalled} in 2.5 s (others flowing: ${flowing})`);
      assert.ok(stalled <= 2, `frames still decoded from a muted member: +${stalled}`);
    }
    await mod.unmuteVideo(grace.memberId);
    await grows(ada.page, [grace.memberId], { minFrames: 10, minPackets: 0 });
    await grows(linus.page, [grace.memberId], { minFrames: 10, minPackets: 0 });
  });

  it('local camera mute, replaceTrack without renegotiation, unpublish and publish again', async () => {
    const [ada, grace] = people as [(typeof people)[0], (typeof people)[0]];
    const call = (page: Page, expression: string) => page.evaluate(expression);
    const added = async () =>
      (
        (await call(grace.page, 'window.harness.events()')) as { type: string; memberId: string }[]
      ).filter((e) => e.type === 'track.added' && e.memberId === ada.memberId).length;

    // setCameraEnabled(false): the server is told (the others see video_muted) and stops forwarding.
    const mod = nodeSessions[0]!;
    const seen = new Promise<void>((resolve) => {
      const off = mod.on('member.updated', (e) => {
        if (e.member.id === ada.memberId && e.member.video_muted) {
          off();
          resolve();
        }
      });
    });
    assert.equal(await call(ada.page, 'window.harness.camera(false)'), 'ack');
    await seen;
    await new Promise((r) => setTimeout(r, 1_500));
    const none = { frames: 0, packets: 0 };
    const before = (await inbound(grace.page))[ada.memberId] ?? none;
    await new Promise((r) => setTimeout(r, 2_000));
    const later = (await inbound(grace.page))[ada.memberId] ?? none;
    console.log(
      `camera off: frames +${later.frames - before.frames}, audio packets +${later.packets - before.packets}`,
    );
    assert.ok(later.frames - before.frames <= 2);
    assert.ok(later.packets - before.packets > 10, 'audio goes on');
    assert.equal(await call(ada.page, 'window.harness.camera(true)'), 'ack');
    await grows(grace.page, [ada.memberId], { minFrames: 10, minPackets: 0 });

    // replaceTrack: the same sender, a new track; no renegotiation, so no new remote track.
    const addedBefore = await added();
    assert.equal(await call(ada.page, 'window.harness.replaceCamera()'), true);
    await grows(grace.page, [ada.memberId], { minFrames: 20, minPackets: 0 });
    assert.equal(await added(), addedBefore);

    // unpublish the camera: Grace's track of it is removed; audio goes on.
    assert.deepEqual(await call(ada.page, "window.harness.unpublish('camera')"), ['microphone']);
    await grace.page.waitForFunction(
      `window.harness.events().some((e) => e.type === 'track.removed' && e.memberId === ${JSON.stringify(ada.memberId)} && e.source === 'camera')`,
    );
    // Publish a camera again: a new remote track, decoded.
    assert.deepEqual(
      ((await call(ada.page, 'window.harness.publishCamera()')) as string[]).sort(),
      ['camera', 'microphone'],
    );
    await grace.page.waitForFunction(
      `window.harness.events().filter((e) => e.type === 'track.added' && e.memberId === ${JSON.stringify(ada.memberId)} && e.source === 'camera').length >= 2`,
    );
    await grows(grace.page, [ada.memberId], { minFrames: 10, minPackets: 10 });
  });

  it('an audience member cannot publish (not_publisher) but receives', async () => {
    const room = await client.video.rooms.create({ name: 'media-audience' });
    const publisherToken = await client.video.roomTokens.create({
      room_name: room.name,
      user_name: 'Speaker',
    });
    const audienceToken = await client.video.roomTokens.create({
      room_name: room.name,
      user_name: 'Listener',
      join_as: 'audience',
    });
    const speaker = await join(publisherToken.token, 'Speaker');
    assert.equal(speaker.published, 'ok');
    const listener = await join(audienceToken.token, 'Listener');
    assert.equal(listener.published, 'not_publisher');
    const counters = await grows(listener.page, [speaker.memberId]);
    console.log('audience receives', JSON.stringify(counters));
    await leave(listener.page);
    await leave(speaker.page);
  });

  it('a late joiner decodes its first frame promptly', async () => {
    const started = Date.now();
    const late = await join(guest, 'Late');
    const from = people.map((p) => p.memberId);
    await grows(late.page, from, { minFrames: 1, minPackets: 1, ms: 15_000 });
    console.log(
      `late joiner: first frames from all three ${Date.now() - started} ms after joining`,
    );
    await leave(late.page);
  });

  it('restarts media after its worker is killed', async () => {
    await admin('/admin/v1/media/workers/0/restart', 'POST');
    for (const me of people) {
      await me.page.waitForFunction(
        "window.harness.events().some((e) => e.type === 'media.closed' && e.reason === 'worker_failed')",
      );
    }
    for (const me of people) {
      const others = people.filter((p) => p !== me).map((p) => p.memberId);
      const counters = await grows(me.page, others, { minFrames: 20, minPackets: 20 });
      console.log(`${me.name} after the restart`, JSON.stringify(counters));
    }
    const stats = await admin('/admin/v1/media');
    console.log('after restart', JSON.stringify(stats.total));
    assert.ok(stats.workers[0]!.restarts! >= 1);
  });

  it('starts media again after a dropped connection is resumed', async () => {
    const [ada] = people as [(typeof people)[0]];
    const others = people.filter((p) => p !== ada);
    await ada.page.evaluate('window.harness.drop()');
    await ada.page.waitForFunction(
      "window.harness.events().some((e) => e.type === 'reconnected' && e.resumed)",
    );
    const counters = await grows(
      ada.page,
      others.map((p) => p.memberId),
      { minFrames: 20, minPackets: 20 },
    );
    console.log('Ada after resuming', JSON.stringify(counters));
    for (const other of others) {
      await grows(other.page, [ada.memberId], { minFrames: 20, minPackets: 20 });
    }
    // Ada's tracks came back to the others on recycled m-lines of their subscribe connections;
    // where the server's offer could not be applied the SDK restarted media (see the report).
    for (const other of others) {
      const errors = (
        (await other.page.evaluate('window.harness.events()')) as {
          type: string;
          message?: string;
        }[]
      ).filter((e) => e.type === 'error');
      console.log(
        `${other.name}: ${errors.length} offer(s) not applicable`,
        JSON.stringify(errors),
      );
    }
  });

  it('churn: members come and go; all gone, the media counters return to 0', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await join(guest, `Churn${round}a`);
      const b = await join(guest, `Churn${round}b`);
      await grows(b.page, [a.memberId, people[0]!.memberId], { minFrames: 1, minPackets: 1 });
      await grows(people[1]!.page, [a.memberId, b.memberId], { minFrames: 1, minPackets: 1 });
      await Promise.all([leave(a.page), leave(b.page)]);
    }
    const during = await admin('/admin/v1/media');
    console.log('after churn, three left', JSON.stringify(during.total));
    for (const me of people.splice(0)) await leave(me.page);
    for (const s of nodeSessions.splice(0)) await s.leave();
    const deadline = Date.now() + 15_000;
    let total: Record<string, number> = {};
    for (;;) {
      total = (await admin('/admin/v1/media')).total;
      if (
        total.transports === 0 &&
        total.producers === 0 &&
        total.consumers === 0 &&
        total.members === 0
      ) {
        break;
      }
      assert.ok(Date.now() < deadline, `media not back to 0: ${JSON.stringify(total)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log('all left', JSON.stringify(total));
  });
});
