import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WorkerMediaEngine } from '../src/index.js';

// Calls from real headless Chromium, the way SignalWire's browser SDK makes them: one
// RTCPeerConnection with one sendrecv audio and one sendrecv video transceiver (fake camera and
// microphone), a non-trickle offer, the answer applied as it comes, no renegotiation. Judged by
// the pages' getStats() counters.

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip =
  !existsSync(CHROMIUM_PATH) && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Conclave call</title>
<script>
let pc;
window.harness = {
  async offer() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 320, height: 240, frameRate: 15 },
    });
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription.sdp;
  },
  async answer(sdp) {
    window.answeredAt = performance.now();
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') window.connectedMs = performance.now() - window.answeredAt;
    });
    await pc.setRemoteDescription({ type: 'answer', sdp });
  },
  async stats() {
    const out = { frames: 0, audioPackets: 0, connectedMs: window.connectedMs ?? null, state: pc.connectionState };
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') out.frames += s.framesDecoded ?? 0;
      if (s.kind === 'audio') out.audioPackets += s.packetsReceived ?? 0;
    });
    return out;
  },
};
</script>`;

interface PageStats {
  frames: number;
  audioPackets: number;
  connectedMs: number | null;
  state: string;
}

describe('MediaEngine.call from Chromium', skip, () => {
  let http: Server | undefined;
  let browser: Browser | undefined;
  let pageUrl = '';
  const inbox = new Map<string, { type: string; ref?: string; sdp?: string }[]>();
  const engine = new WorkerMediaEngine(
    {
      workers: 1,
      addresses: ['127.0.0.1'],
      portRange: undefined,
      iceServers: [],
      keyframeIntervalMs: 200,
    },
    {
      send: (_session, member, text) => {
        inbox.set(member, [...(inbox.get(member) ?? []), JSON.parse(text)]);
      },
      talking: () => undefined,
      output: () => undefined,
    },
  );

  before(async () => {
    http = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
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
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    }
    await engine.close();
  });

  async function call(session: string, member: string): Promise<Page> {
    const page = await browser!.newPage();
    await page.goto(pageUrl);
    const offer = await page.evaluate(() => (window as never as Harness).harness.offer());
    engine.call(session, member, 'call-1', offer);
    const deadline = Date.now() + 15_000;
    let reply: { type: string; ref?: string; sdp?: string } | undefined;
    while (!(reply = inbox.get(member)?.find((m) => m.ref === 'call-1'))) {
      assert.ok(Date.now() < deadline, `no answer for ${member}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(reply.type, 'call.answer', JSON.stringify(reply));
    await page.evaluate((sdp) => (window as never as Harness).harness.answer(sdp), reply.sdp!);
    return page;
  }

  const stats = (page: Page) =>
    page.evaluate(() => (window as never as Harness).harness.stats()) as Promise<PageStats>;

  it('two Chromium call members decode each other’s camera and receive the mix', async () => {
    const session = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const speaker = { canPublish: true, audioMuted: false, videoMuted: false, deaf: false };
    engine.join(session, a, speaker);
    engine.join(session, b, speaker);
    const pageA = await call(session, a);
    const pageB = await call(session, b);
    engine.show(session, a, b);
    engine.show(session, b, a);
    const deadline = Date.now() + 30_000;
    let seen: PageStats[] = [];
    for (;;) {
      seen = await Promise.all([stats(pageA), stats(pageB)]);
      if (seen.every((s) => s.frames > 20 && s.audioPackets > 50)) break;
      assert.ok(Date.now() < deadline, `pages received: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(
      `Chromium calls connected ${seen.map((s) => Math.round(s.connectedMs ?? -1)).join(' and ')} ms after the answer`,
    );
    const counts = (await engine.stats()).total;
    assert.equal(counts.calls, 2);
    assert.equal(counts.producers, 4);
    assert.ok(counts.mixedFrames > 50, `mixed frames: ${counts.mixedFrames}`);
    engine.endSession(session);
  });
});

interface Harness {
  harness: {
    offer(): Promise<string>;
    answer(sdp: string): Promise<void>;
    stats(): Promise<PageStats>;
  };
}
