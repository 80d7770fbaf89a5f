/**
 * A SignalWire customer's page in headless Chromium: the published UMD bundle of
 * `@signalwire/js` (unchanged) and a page that does only what SignalWire's docs tell customers
 * to do — `new SignalWire.Video.RoomSession({ token, rootElement })`, `room.on(…)`,
 * `room.join()`. Both are served by Playwright on the Conclave server's own origin
 * (`/sdk-test/…`), so the page is a secure context and the SDK finds Conclave only through the
 * token (its `ch` header).
 *
 * An init script, run before the bundle, keeps what the tests judge by: the page's
 * `RTCPeerConnection`s (for `getStats()`), its WebSockets (to drop one) and the JSON-RPC frames
 * they carry (to explain a failure by the exact frame); it also asks the fake camera for a small
 * picture, since two cores carry the browsers and the server.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const SDK_DIR = dirname(require.resolve('@signalwire/js/package.json'));
/** The bundle `<script src="https://unpkg.com/@signalwire/js@3">` loads (`unpkg` in its package.json). */
export const SDK_BUNDLE_PATH = join(SDK_DIR, 'dist', 'index.umd.js');
export const SDK_VERSION = (
  JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string }
).version;

/** Every event the tests look at; the page listens to them before `join()`, as customers do. */
export const SDK_EVENTS = [
  'room.subscribed',
  'room.joined',
  'room.updated',
  'room.left',
  'member.joined',
  'member.updated',
  // The SDK emits the per-field event with the wire's snake_case key (core
  // memberPosition/workers.ts, memberUpdatedWorker: `${action.type}.${key}`), and its own
  // Client.ts listens to exactly this name to stop the microphone.
  'member.updated.audio_muted',
  'member.left',
  'member.talking',
  'layout.changed',
  'media.connected',
  'media.reconnecting',
  'media.disconnected',
] as const;
export type SdkEventName = (typeof SDK_EVENTS)[number];

const INIT = `(() => {
  const pcs = [];
  const sockets = [];
  const frames = [];
  const record = (socket, dir, data) => {
    if (frames.length >= 5000) frames.splice(0, 1000);
    let method, id, error, code, text = String(data);
    try {
      const m = JSON.parse(text);
      id = m.id;
      method = m.method;
      error = m.error;
      if (m.result && typeof m.result === 'object' && 'code' in m.result) code = m.result.code;
      if (method === 'video.message' && m.params && m.params.message) {
        method += ':' + (m.params.message.method || 'result');
      }
      if (method === 'signalwire.event' && m.params) {
        method += ':' + m.params.event_type;
        const inner = m.params.params;
        if (m.params.event_type === 'webrtc.message' && inner) method += ':' + inner.method;
      }
    } catch {}
    text = text.replace(/"sdp":"((?:[^"\\\\]|\\\\.)*)"/g, (_, sdp) =>
      '"sdp":"… ' + (sdp.match(/a=candidate/g) || []).length + ' candidates, ' +
      ((sdp.match(/a=setup:[a-z]+/) || ['no a=setup'])[0]) + '"');
    frames.push({ socket, dir, method, id, error, code, text: text.length > 1500 ? text.slice(0, 1500) + '…' : text });
  };
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) {
      super(...args);
      const index = pcs.push(this) - 1;
      const t0 = performance.now();
      const note = (what) => frames.push({ socket: -1, dir: 'pc', text: 'pc' + index + ' ' + what + ' +' + Math.round(performance.now() - t0) + 'ms' });
      this.addEventListener('connectionstatechange', () => {
        note('connectionState ' + this.connectionState);
        // The SDK gives up on 'connecting' after 3 s: say what ICE and DTLS were doing just before.
        if (this.connectionState === 'connecting') setTimeout(() => {
          if (this.connectionState !== 'connecting') return;
          this.getStats().then((report) => {
            const c = {};
            const out = [];
            report.forEach((x) => { if (x.type.endsWith('candidate')) c[x.id] = (x.address || '?') + ':' + x.port + '/' + x.candidateType; });
            report.forEach((x) => {
              if (x.type === 'transport') out.push('dtls ' + x.dtlsState + ' (role ' + x.dtlsRole + '), ice ' + x.iceState + ', bytes in ' + x.bytesReceived);
              if (x.type === 'candidate-pair') out.push('pair ' + c[x.localCandidateId] + ' -> ' + c[x.remoteCandidateId] + ' ' + x.state + (x.nominated ? ' nominated' : '') + ', checks received/sent ' + x.requestsReceived + '/' + x.requestsSent + ', responses received/sent ' + x.responsesReceived + '/' + x.responsesSent);
            });
            note('still connecting: ' + out.join('; '));
          });
        }, 2500);
      });
      this.addEventListener('iceconnectionstatechange', () => note('iceConnectionState ' + this.iceConnectionState));
      this.addEventListener('signalingstatechange', () => note('signalingState ' + this.signalingState));
    }
  };
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...args) {
      super(...args);
      const index = sockets.push(this) - 1;
      this.addEventListener('message', (e) => record(index, 'in', e.data));
      this.addEventListener('close', (e) => frames.push({ socket: index, dir: 'close', text: e.code + ' ' + e.reason }));
    }
    send(data) { record(sockets.indexOf(this), 'out', data); return super.send(data); }
  };
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => {
    if (c && c.video) c = { ...c, video: { ...(c.video === true ? {} : c.video), width: 320, height: 240, frameRate: 15 } };
    return gum(c);
  };
  window.__test = {
    pcs, sockets, frames,
    /** Closes the SDK's open WebSocket as a network failure would (the SDK did not ask for it). */
    drop() {
      const open = sockets.filter((s) => s.readyState === 1);
      open[open.length - 1].close(3000, 'dropped by the test');
    },
    async stats() {
      const out = [];
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') continue;
        const report = await pc.getStats();
        report.forEach((s) => {
          if (s.type !== 'inbound-rtp') return;
          out.push({
            kind: s.kind,
            frames: s.framesDecoded || 0,
            packets: s.packetsReceived || 0,
            samples: s.totalSamplesReceived || 0,
            energy: s.totalAudioEnergy || 0,
            level: s.audioLevel || 0,
          });
        });
      }
      return out;
    },
    /** The microphone track the SDK sends, if any: 'live', 'ended' or 'none'. */
    micState() {
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') continue;
        const sender = pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
        if (sender) return sender.track.readyState;
      }
      return 'none';
    },
  };
})();`;

/** The customer's page: the code of SignalWire's "join a room" example, and event logging. */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>SignalWire SDK page</title></head>
<body>
<div id="root" style="width: 320px"></div>
<script src="/sdk-test/signalwire.js"></script>
<script>
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const room = new SignalWire.Video.RoomSession({ token, rootElement: document.getElementById('root') });

  const plain = (v) => { try { return JSON.parse(JSON.stringify(v ?? null)); } catch { return String(v); } };
  /** How the SDK reported a failure: an Error subclass (AuthError) or a plain {code, message}. */
  const shape = (e) => plain({
    isError: e instanceof Error,
    name: e && e.name,
    code: e && e.code,
    message: e && e.message,
    keys: e && typeof e === 'object' ? Object.keys(e) : [],
  });
  const events = [];
  for (const name of ${JSON.stringify(SDK_EVENTS)}) {
    room.on(name, (params) => events.push({ name, params: plain(params) }));
  }
  window.sw = {
    room,
    events,
    shape,
    joined: room.join().then(() => ({ ok: true }), (error) => ({ ok: false, error: shape(error) })),
    /** Calls a room method; resolves with its result or with the rejection's shape. */
    call: (method, args) => {
      try {
        return Promise.resolve(room[method](args)).then(
          (value) => ({ ok: true, value: plain(value) }),
          (error) => ({ ok: false, error: shape(error) }),
        );
      } catch (error) {
        return Promise.resolve({ ok: false, thrown: true, error: shape(error) });
      }
    },
  };
</script>
</body>
</html>`;

export interface SdkEvent {
  name: SdkEventName;
  // The SDK's payloads are the wire's event params (snake_case), as emitted to the page.
  params: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the SDK's untyped payloads
}

export interface SdkStats {
  kind: 'audio' | 'video';
  frames: number;
  packets: number;
  samples: number;
  energy: number;
  level: number;
}

export interface Frame {
  socket: number;
  /** `pc`: a peer connection's state change (socket -1). */
  dir: 'in' | 'out' | 'close' | 'pc';
  method?: string;
  id?: string;
  error?: unknown;
  code?: string;
  text: string;
}

export type JoinOutcome = { ok: true } | { ok: false; hung?: true; error?: ErrorShape };

export interface ErrorShape {
  isError: boolean;
  name?: string;
  code?: string | number;
  message?: string;
  keys: string[];
}

export type CallOutcome =
  { ok: true; value: unknown } | { ok: false; thrown?: true; error: ErrorShape };

export interface SdkPage {
  name: string;
  context: BrowserContext;
  page: Page;
  /** `room.join()`'s outcome, waited for at most `ms`. */
  joined(ms?: number): Promise<JoinOutcome>;
  /**
   * Waits until the SDK's peer connection is `connected` (ICE and DTLS): the SDK gives up on a
   * connection that stays `connecting` for 3 s ([webrtc] RTCPeer.ts, maxConnectionStateTimeout).
   */
  connected(ms?: number): Promise<void>;
  events(name?: SdkEventName): Promise<SdkEvent[]>;
  /** `room.memberId` / `room.roomSessionId`, once joined. */
  ids(): Promise<{ memberId: string; roomSessionId: string }>;
  call(method: string, args?: unknown): Promise<CallOutcome>;
  stats(): Promise<SdkStats[]>;
  frames(): Promise<Frame[]>;
  /** The last frames, one a line, for failure messages. */
  trace(last?: number): Promise<string>;
  close(): Promise<void>;
}

/** Opens a person's page (its own context: storage, camera, microphone) joining with `token`. */
export async function openSdkPage(
  browser: Browser,
  origin: string,
  token: string,
  name: string,
): Promise<SdkPage> {
  const context = await browser.newContext({
    viewport: { width: 480, height: 360 },
    // Chromium treats a document Playwright fulfils as public, and its Local Network Access
    // checks then block the WebSocket to 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
    // A customer's page on the Internet reaching Conclave on the Internet meets no such check;
    // here the permission stands in for that.
    permissions: ['local-network-access'],
  });
  await context.addInitScript(INIT);
  const bundle = readFileSync(SDK_BUNDLE_PATH);
  await context.route(`${origin}/sdk-test/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/sdk-test/signalwire.js') {
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: bundle });
    }
    if (path === '/sdk-test/room.html') {
      return route.fulfill({ status: 200, contentType: 'text/html', body: PAGE });
    }
    return route.fulfill({ status: 404, body: 'not found' });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${origin}/sdk-test/room.html#token=${encodeURIComponent(token)}`);
  const frames = () => page.evaluate('window.__test.frames') as Promise<Frame[]>;
  return {
    name,
    context,
    page,
    joined: (ms = 30_000) =>
      page.evaluate(
        (ms) =>
          Promise.race([
            (window as unknown as { sw: { joined: Promise<unknown> } }).sw.joined,
            new Promise((r) => setTimeout(() => r({ ok: false, hung: true }), ms)),
          ]),
        ms,
      ) as Promise<JoinOutcome>,
    connected: (ms = 15_000) =>
      until(
        async () =>
          (await page.evaluate(
            "window.__test.pcs.some((pc) => pc.connectionState === 'connected')",
          ))
            ? true
            : undefined,
        async () =>
          `${name}: the SDK's peer connection never reached 'connected' ` +
          `(timeline: ${(await frames())
            .filter((f) => f.dir === 'pc')
            .map((f) => f.text)
            .join(', ')}; ${(await frames())
            .filter((f) => /verto\.(invite|answer)$/.test(f.method ?? ''))
            .map(
              (f) => `${f.method!.split(':').pop()} SDP: ${/"sdp":"… ([^"]*)"/.exec(f.text)?.[1]}`,
            )
            .join('; ')})`,
        ms,
      ).then(() => undefined),
    events: async (event) => {
      const all = (await page.evaluate('window.sw.events')) as SdkEvent[];
      return event ? all.filter((e) => e.name === event) : all;
    },
    ids: () =>
      page.evaluate(
        '({ memberId: window.sw.room.memberId, roomSessionId: window.sw.room.roomSessionId })',
      ) as Promise<{
        memberId: string;
        roomSessionId: string;
      }>,
    call: (method, args) =>
      page.evaluate(
        ([method, args]) =>
          (
            window as unknown as {
              sw: { call: (m: string, a: unknown) => Promise<unknown> };
            }
          ).sw.call(method as string, args),
        [method, args] as const,
      ) as Promise<CallOutcome>,
    stats: () => page.evaluate('window.__test.stats()') as Promise<SdkStats[]>,
    frames,
    trace: async (last = 25) =>
      (await frames())
        .slice(-last)
        .map((f) => `  #${f.socket} ${f.dir} ${f.method ?? ''} ${f.text}`)
        .join('\n'),
    close: () => context.close(),
  };
}

/**
 * Polls `probe` until it returns something other than `undefined`, at most `ms`; on timeout
 * fails with `message()` (which should carry what was last seen).
 */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  message: () => string | Promise<string>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${await message()} (waited ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sum = (stats: SdkStats[], kind: 'audio' | 'video', key: keyof SdkStats) =>
  stats.filter((s) => s.kind === kind).reduce((n, s) => n + (s[key] as number), 0);

/**
 * Waits until the page's counters rise past a first reading: video frames decoded by `frames`,
 * audio packets by `packets` (with samples played out rising too) and, with `energy`, the
 * received audio's total energy (silence adds nothing; the fake microphone's beep does).
 */
export async function mediaRises(
  p: SdkPage,
  {
    frames = 10,
    packets = 25,
    energy = false,
    video = true,
    ms = 30_000,
  }: { frames?: number; packets?: number; energy?: boolean; video?: boolean; ms?: number } = {},
): Promise<SdkStats[]> {
  const first = await p.stats();
  let last = first;
  return until(
    async () => {
      last = await p.stats();
      const ok =
        (!video || sum(last, 'video', 'frames') >= sum(first, 'video', 'frames') + frames) &&
        sum(last, 'audio', 'packets') >= sum(first, 'audio', 'packets') + packets &&
        sum(last, 'audio', 'samples') > sum(first, 'audio', 'samples') &&
        (!energy || sum(last, 'audio', 'energy') > sum(first, 'audio', 'energy'));
      return ok ? last : undefined;
    },
    async () =>
      `${p.name}: expected ${video ? `video frames decoded +${frames}, ` : ''}audio packets ` +
      `+${packets}${energy ? ' with audio energy' : ''}; first ${JSON.stringify(first)}, ` +
      `last ${JSON.stringify(last)}\nlast frames:\n${await p.trace(12)}`,
    ms,
  );
}
