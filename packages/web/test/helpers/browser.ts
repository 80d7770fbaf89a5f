/**
 * People in headless Chromium for the join page's tests: one browser, a context per person (its
 * own storage), fake camera and microphone. An init script, run before the page's own code,
 * keeps the page's `RTCPeerConnection`s (for `getStats()`), its WebSockets (to drop one as a
 * network failure would), and counts the tones it plays; it also asks the fake camera for a small
 * picture, since two cores carry the browsers and the server.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM_PATH);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
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
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** The init script (see above), for a context a test sets up itself. */
export const INIT = `(() => {
  const pcs = [];
  const sockets = [];
  const tones = { count: 0 };
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) { super(...args); pcs.push(this); }
  };
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...args) { super(...args); sockets.push(this); }
  };
  const createOscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { tones.count++; return createOscillator.call(this); };
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => {
    if (window.__denyDevices) return Promise.reject(new DOMException('denied', 'NotAllowedError'));
    if (c && c.video) c = { ...c, video: { ...(c.video === true ? {} : c.video), width: 320, height: 240, frameRate: 15 } };
    return gum(c).then((stream) => { tracks.push(...stream.getTracks()); return stream; });
  };
  const tracks = [];
  window.__test = {
    pcs, sockets, tones,
    /** Cameras the page holds open. */
    liveCameras: () => tracks.filter((t) => t.kind === 'video' && t.readyState === 'live').length,
    drop() { const open = sockets.filter((s) => s.readyState === 1); open[open.length - 1].close(3000, 'dropped'); },
    async inbound() {
      const out = [];
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') continue;
        const report = await pc.getStats();
        report.forEach((s) => {
          if (s.type === 'inbound-rtp') out.push({ kind: s.kind, mid: s.mid, frames: s.framesDecoded || 0, packets: s.packetsReceived || 0 });
        });
      }
      return out;
    },
  };
})();`;

export interface PersonOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** getUserMedia refuses, as a person who blocked the camera and microphone. */
  denyDevices?: boolean;
  /** Lets axe-core be injected (the page's CSP forbids injected scripts). */
  bypassCSP?: boolean;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors, CSP violations among them. */
  errors: string[];
  close(): Promise<void>;
}

export async function openPerson(
  browser: Browser,
  url: string,
  options: PersonOptions = {},
): Promise<Person> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 720 },
    colorScheme: options.colorScheme ?? 'dark',
    bypassCSP: options.bypassCSP ?? false,
  });
  await context.addInitScript(INIT + (options.denyDevices ? 'window.__denyDevices = true;' : ''));
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  return {
    context,
    page,
    errors,
    close: () => context.close(),
  };
}

export interface Inbound {
  kind: 'audio' | 'video';
  mid: string;
  frames: number;
  packets: number;
}

export function inbound(page: Page): Promise<Inbound[]> {
  return page.evaluate('window.__test.inbound()') as Promise<Inbound[]>;
}

/**
 * Waits (bounded) until the page decodes at least `frames` video frames from each of `videos`
 * remote video streams and receives `packets` audio packets on each of `audios` audio streams.
 */
export async function waitForMedia(
  page: Page,
  {
    videos,
    audios,
    frames = 10,
    packets = 20,
    ms = 60_000,
  }: {
    videos: number;
    audios: number;
    frames?: number;
    packets?: number;
    ms?: number;
  },
): Promise<Inbound[]> {
  const deadline = Date.now() + ms;
  let last: Inbound[] = [];
  for (;;) {
    last = await inbound(page);
    const v = last.filter((s) => s.kind === 'video' && s.frames >= frames).length;
    const a = last.filter((s) => s.kind === 'audio' && s.packets >= packets).length;
    if (v >= videos && a >= audios) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `expected ${videos} video and ${audios} audio streams flowing within ${ms} ms: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
