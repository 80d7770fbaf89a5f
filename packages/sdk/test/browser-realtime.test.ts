import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  RestClient,
  joinRealtime,
  type RealtimeEvents,
  type RealtimeEventType,
  type RealtimeSession,
} from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

// The realtime client in a real browser: the SDK bundled for the browser by esbuild, served from a
// loopback HTTP server, run in headless Chromium (Debian's `chromium`, or CHROMIUM_PATH) with the
// browser's own WebSocket, against a real server and a member joining from Node.

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM_PATH);
const skip =
  !haveChromium && process.env.CI !== 'true'
    ? {
        skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package or set CHROMIUM_PATH)`,
      }
    : {};

/** How long any single wait may take. */
const WAIT_MS = 5_000;

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `type` event of a Node-side session (rejects after `ms`). */
function next<K extends RealtimeEventType>(
  session: RealtimeSession,
  type: K,
  filter: (event: RealtimeEvents[K]) => boolean = () => true,
  ms = WAIT_MS,
): Promise<RealtimeEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = session.on(type, (event) => {
      if (!filter(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/**
 * The page: the bundle as an ES module, and `window.harness`, which the test drives through
 * `page.evaluate`. Every event of the browser's session goes back to the test via `window.report`
 * (`page.exposeFunction`). Plain JavaScript, so nothing of the test's transpiler reaches the page.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Conclave SDK in a browser</title>
<script type="module">
import * as sdk from './sdk.js';

let session;
const EVENTS = ['member.joined', 'member.left', 'signal', 'chat', 'closed'];
const members = (s) => [...s.members.values()].map((m) => ({ id: m.id, name: m.name }));

window.harness = {
  nativeWebSocket: typeof WebSocket === 'function' && /\\[native code\\]/.test(String(WebSocket)),
  async join(url, token, name) {
    session = await sdk.joinRealtime({ url, token, name });
    for (const type of EVENTS) {
      session.on(type, (event) => window.report(type, JSON.stringify(event)));
    }
    return { memberId: session.memberId, state: session.state, members: members(session) };
  },
  members: () => members(session),
  signal: (to, data) => session.signal(to, data).then(() => 'ack'),
  chat: (text) => session.chat(text).then(() => 'ack'),
  async leave() {
    await session.leave();
    return { state: session.state, closed: await session.closed };
  },
  async refused(url, token) {
    try {
      const s = await sdk.joinRealtime({ url, token, name: 'Intruder' });
      await s.leave();
      return { joined: true };
    } catch (error) {
      return {
        joined: false,
        closedError: error instanceof sdk.RealtimeClosedError,
        name: error.name,
        code: error.code,
        reason: error.reason,
      };
    }
  },
};
document.title = 'ready';
</script>
`;

interface BrowserMember {
  id: string;
  name: string;
}
interface BrowserJoin {
  memberId: string;
  state: string;
  members: BrowserMember[];
}
interface BrowserLeave {
  state: string;
  closed: { code: number; reason: string };
}
interface BrowserRefusal {
  joined: boolean;
  closedError?: boolean;
  name?: string;
  code?: number;
  reason?: string;
}

describe('the realtime client in headless Chromium', { ...skip, timeout: 90_000 }, () => {
  let conclave: Conclave | undefined;
  let client: RestClient;
  let http: Server | undefined;
  let pageUrl: string;
  let browser: Browser | undefined;
  let page: Page;
  const nodeSessions: RealtimeSession[] = [];
  /** Every event the browser's session reported, in order. */
  const browserEvents: { type: string; event: Record<string, unknown> }[] = [];
  const eventWaiters = new Set<() => void>();
  /** URLs of the WebSockets the page opened (Chromium's own, seen through the DevTools protocol). */
  const pageSockets: string[] = [];
  const pageErrors: string[] = [];

  /** `window.harness.<method>(...args)` in the page, bounded by `ms`. */
  function call<T>(method: string, args: unknown[], ms = WAIT_MS): Promise<T> {
    const expression = `window.harness[${JSON.stringify(method)}](...${JSON.stringify(args)})`;
    return within(page.evaluate(expression) as Promise<T>, `harness.${method} in the browser`, ms);
  }

  /** The first browser event of `type` that `filter` accepts, now or within `ms`. */
  function browserEvent(
    type: string,
    filter: (event: Record<string, unknown>) => boolean = () => true,
    ms = WAIT_MS,
  ): Promise<Record<string, unknown>> {
    const find = () => browserEvents.find((e) => e.type === type && filter(e.event))?.event;
    const found = find();
    if (found) return Promise.resolve(found);
    let waiter!: () => void;
    const arrived = new Promise<Record<string, unknown>>((resolve) => {
      waiter = () => {
        const event = find();
        if (event) resolve(event);
      };
      eventWaiters.add(waiter);
    });
    return within(arrived, `browser event ${type}`, ms).finally(() => eventWaiters.delete(waiter));
  }

  async function nodeJoin(token: string, name: string) {
    const session = await joinRealtime({ url: conclave!.url, token, name });
    nodeSessions.push(session);
    return session;
  }

  before(async () => {
    assert.ok(
      haveChromium,
      `Chromium is required in CI: none at ${CHROMIUM_PATH} (install Debian's chromium package or set CHROMIUM_PATH)`,
    );
    conclave = await startConclave();
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
      if (path === '/favicon.ico') return void response.writeHead(204).end();
      const [type, body] =
        path === '/'
          ? ['text/html; charset=utf-8', PAGE]
          : path === '/sdk.js'
            ? ['text/javascript; charset=utf-8', sdkJs]
            : [undefined, 'not found'];
      response.writeHead(type ? 200 : 404, {
        'content-type': type ?? 'text/plain',
        'cache-control': 'no-store',
      });
      response.end(body);
    });
    await new Promise<void>((resolve, reject) => {
      http!.once('error', reject);
      http!.listen(0, '127.0.0.1', () => resolve());
    });
    const address = http.address();
    assert.ok(address && typeof address === 'object');
    pageUrl = `http://127.0.0.1:${address.port}/`;

    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox'],
      timeout: 30_000,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('websocket', (socket) => pageSockets.push(socket.url()));
    await page.exposeFunction('report', (type: string, json: string) => {
      browserEvents.push({ type, event: JSON.parse(json) as Record<string, unknown> });
      for (const waiter of eventWaiters) waiter();
    });
    await page.goto(pageUrl);
    await page.waitForFunction("document.title === 'ready'");
    assert.equal(await page.evaluate('window.harness.nativeWebSocket'), true);
  });

  after(async () => {
    await Promise.allSettled(nodeSessions.map((s) => within(s.leave(), 'leave')));
    await browser?.close().catch(() => undefined);
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    }
    await conclave?.close();
  });

  it('joins with a Guest token, sees and signals a Node member, chats, and leaves', async () => {
    const conference = await client.video.conferences.create({
      display_name: 'Browser realtime',
      name: 'browser-realtime',
    });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    const moderator = tokens.find((t) => t.name === 'Moderator')!.token;
    const guest = tokens.find((t) => t.name === 'Guest')!.token;

    // Ada joins from Node first; the browser's Grace joins: Ada sees her come.
    const ada = await nodeJoin(moderator, 'Ada');
    const adaSeesGrace = next(ada, 'member.joined', (e) => e.member.name === 'Grace');
    const grace = await call<BrowserJoin>('join', [conclave!.url, guest, 'Grace'], 12_000);
    assert.equal(grace.state, 'open');
    assert.equal((await adaSeesGrace).member.id, grace.memberId);
    assert.equal(ada.members.get(grace.memberId)?.name, 'Grace');
    assert.deepEqual(grace.members.map((m) => m.name).sort(), ['Ada', 'Grace']);
    assert.ok(grace.members.some((m) => m.id === ada.memberId));

    // It went over Chromium's own WebSocket, straight to the server's realtime endpoint.
    assert.deepEqual(pageSockets, [`${conclave!.url.replace(/^http/, 'ws')}/api/video/realtime`]);

    // Linus joins from Node after her: the browser gets member.joined, Linus sees Grace.
    const linus = await nodeJoin(guest, 'Linus');
    const joined = await browserEvent('member.joined', (e) => {
      const member = e.member as BrowserMember | undefined;
      return member?.id === linus.memberId;
    });
    assert.equal((joined.member as BrowserMember).name, 'Linus');
    assert.equal(linus.members.get(grace.memberId)?.name, 'Grace');
    const seen = await call<BrowserMember[]>('members', []);
    assert.deepEqual(seen.map((m) => m.name).sort(), ['Ada', 'Grace', 'Linus']);

    // A signal from the browser reaches Ada, and hers reaches the browser.
    const offer = { kind: 'offer', sdp: 'v=0 (browser)' };
    const adaSignal = next(ada, 'signal');
    assert.equal(await call('signal', [ada.memberId, offer]), 'ack');
    assert.deepEqual(await adaSignal, { type: 'signal', from: grace.memberId, data: offer });

    const answer = { kind: 'answer', sdp: 'v=0 (node)', candidates: [1, 2] };
    await ada.signal(grace.memberId, answer);
    const graceSignal = await browserEvent('signal');
    assert.deepEqual(graceSignal, { type: 'signal', from: ada.memberId, data: answer });

    // Chat both ways.
    const adaChat = next(ada, 'chat');
    assert.equal(await call('chat', ['hello from Chromium']), 'ack');
    const fromBrowser = await adaChat;
    assert.equal(fromBrowser.from, grace.memberId);
    assert.equal(fromBrowser.name, 'Grace');
    assert.equal(fromBrowser.text, 'hello from Chromium');

    await ada.chat('hello from Node');
    const toBrowser = await browserEvent('chat', (e) => e.from === ada.memberId);
    assert.equal(toBrowser.name, 'Ada');
    assert.equal(toBrowser.text, 'hello from Node');
    assert.ok(!Number.isNaN(Date.parse(String(toBrowser.at))));

    // leave() in the browser: Ada gets member.left.
    const adaSeesLeave = next(ada, 'member.left', (e) => e.member_id === grace.memberId);
    const left = await call<BrowserLeave>('leave', []);
    assert.equal(left.state, 'closed');
    assert.equal(left.closed.code, 1000);
    const event = await adaSeesLeave;
    assert.equal(event.reason, 'left');
    assert.equal(event.member?.name, 'Grace');
    assert.equal(ada.members.has(grace.memberId), false);
    assert.equal((await browserEvent('closed')).code, 1000);

    assert.deepEqual(pageErrors, []);
  });

  it('rejects a join with a bogus token with RealtimeClosedError 4401', async () => {
    const refusal = await call<BrowserRefusal>(
      'refused',
      [conclave!.url, `vpt_${'0'.repeat(32)}`],
      12_000,
    );
    assert.deepEqual(refusal, {
      joined: false,
      closedError: true,
      name: 'RealtimeClosedError',
      code: 4401,
      reason: 'invalid_token',
    });
    assert.deepEqual(pageErrors, []);
  });
});
