import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { newApiToken } from '../src/auth/secrets.js';
import { member, type Member } from './helpers/conclave-cluster.js';
import { eventually } from './helpers/eventually.js';
import { netnsUnavailable, TestNetwork } from './helpers/netns.js';
import { TestMember } from './helpers/realtime-client.js';
import { spawnServer } from './helpers/server-process.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';
import { ADMIN_TOKEN, basicAuth } from './helpers/test-server.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const why =
  testEngine() !== 'postgres'
    ? 'several nodes need PostgreSQL'
    : (netnsUnavailable() ??
      (existsSync(CHROMIUM_PATH) || process.env.CI === 'true'
        ? undefined
        : `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)`));
const skip = why ? { skip: why } : {};

/**
 * Before the page's own code: keeps its peer connections, to read their getStats() counters
 * (inbound video frames decoded and audio packets received), and asks the fake camera for a small
 * picture (two cores carry the browser and the nodes).
 */
const INIT = `(() => {
  const pcs = [];
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) { super(...args); pcs.push(this); }
  };
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => {
    if (c && c.video) c = { ...c, video: { ...(c.video === true ? {} : c.video), width: 320, height: 240, frameRate: 15 } };
    return gum(c);
  };
  window.__media = async () => {
    let frames = 0, packets = 0;
    const remote = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      const pairs = [];
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
        if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived || 0;
        if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pairs.push(s.remoteCandidateId);
      });
      for (const id of pairs) {
        const c = report.get(id);
        if (c) remote.push(c.address || c.ip);
      }
    }
    return { frames, packets, remote };
  };
})();`;

interface Media {
  frames: number;
  packets: number;
  /** The addresses of the remote ICE candidates in use: where the page's media goes. */
  remote: string[];
}

/** Waits (bounded) until `page` has decoded `frames` video frames and received `packets` audio
 *  packets from the other member; returns the counters. */
async function flowing(page: Page, frames = 20, packets = 50, ms = 90_000): Promise<Media> {
  const deadline = Date.now() + ms;
  for (;;) {
    const media = (await page.evaluate('window.__media()')) as Media;
    if (media.frames >= frames && media.packets >= packets) return media;
    if (Date.now() > deadline) {
      assert.fail(`no media within ${ms} ms: ${JSON.stringify(media)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function metric(node: Member, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  assert.ok(line, `${name} in ${node.url}/metrics`);
  return Number(line[1]);
}

/**
 * Media across nodes in real browsers: three nodes, each in its own network namespace with its own
 * address (announced as its media address), on one PostgreSQL, with either bus. Two headless
 * Chromium pages open the join page of two nodes, and a Node client joins through the third: the
 * second page's signaling is carried on to the node hosting the session, and its audio and video
 * go straight to that node's address. Judged by the pages' getStats() counters, and by the nodes'
 * metrics (media transports only on the host).
 */
for (const bus of ['postgres', 'nats'] as const) {
  describe(
    `Chromium pages joining through different nodes see and hear each other (CONCLAVE_BUS=${bus})`,
    skip,
    () => {
      let network: TestNetwork;
      let database: TestDatabase;
      let nodes: Member[] = [];
      let browser: Browser | undefined;
      const contexts: BrowserContext[] = [];

      before(async () => {
        network = await TestNetwork.create(3);
        await network.forward(15432, { host: '127.0.0.1', port: 5432 });
        await network.forward(14222, { host: '127.0.0.1', port: 4222 });
        database = await createTestDatabase('postgres');
        const url = new URL(database.url);
        url.hostname = network.gateway;
        url.port = '15432';
        const projectId = randomUUID();
        const apiToken = newApiToken();
        const started = await Promise.allSettled(
          network.namespaces.map((ns) =>
            spawnServer(
              {
                HOST: ns.address,
                PORT: '8080',
                CONCLAVE_NODE_ID: `${ns.address}:8080`,
                DATABASE_URL: url.toString(),
                CONCLAVE_PROJECT_ID: projectId,
                CONCLAVE_API_TOKEN: apiToken,
                CONCLAVE_ADMIN_TOKEN: ADMIN_TOKEN,
                CONCLAVE_PG_POOL_SIZE: '4',
                CONCLAVE_BUS: bus,
                CONCLAVE_NATS_URL: `nats://${network.gateway}:14222`,
                CONCLAVE_NODE_HEARTBEAT_MS: '200',
                CONCLAVE_MEDIA_WORKERS: '1',
                CONCLAVE_RECONNECT_GRACE_MS: '1000',
                // The address clients reach this node's media at: its own, in its namespace.
                CONCLAVE_MEDIA_ADDRESSES: ns.address,
              },
              { wrap: ns.wrap },
            ),
          ),
        );
        nodes = started.flatMap((s) =>
          s.status === 'fulfilled' ? [member(s.value, basicAuth(projectId, apiToken))] : [],
        );
        const failed = started.find((s) => s.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        for (const node of nodes) {
          await eventually(async () => {
            const res = await node.admin('/nodes');
            const listed = res.body.data as { up: boolean }[];
            assert.equal(listed.filter((n) => n.up).length, 3);
          }, 30_000);
        }
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
            '--autoplay-policy=no-user-gesture-required',
            // The nodes are plain HTTP on private addresses; cameras need a secure context.
            `--unsafely-treat-insecure-origin-as-secure=${nodes.map((n) => n.url).join(',')}`,
          ],
          timeout: 30_000,
        });
      });

      after(async () => {
        for (const context of contexts) await context.close().catch(() => undefined);
        await browser?.close();
        await Promise.all(nodes.map((n) => n.stop()));
        await database?.drop();
        await network?.destroy();
      });

      async function joinPage(node: Member, token: string, name: string): Promise<Page> {
        const context = await browser!.newContext({ viewport: { width: 960, height: 540 } });
        contexts.push(context);
        await context.addInitScript(INIT);
        const page = await context.newPage();
        page.setDefaultTimeout(30_000);
        page.on('console', (m) => {
          if (m.type() === 'error') console.log(`[${name}] ${m.text()}`);
        });
        await page.goto(
          `${node.url}/join#token=${encodeURIComponent(token)}&name=${encodeURIComponent(name)}`,
        );
        await page.getByRole('button', { name: 'Join', exact: true }).click();
        try {
          await page.getByRole('group', { name: 'Meeting controls' }).waitFor({ timeout: 60_000 });
        } catch (error) {
          // What the page shows instead (a refusal, an error) says why.
          const shown = await page
            .locator('body')
            .innerText()
            .catch(() => '');
          throw new Error(`${name} did not join through ${node.url}: ${shown.slice(0, 500)}`, {
            cause: error,
          });
        }
        return page;
      }

      it('pages on A and B and a Node client on C meet on A; media goes to A directly', async () => {
        const [a, b, c] = nodes as [Member, Member, Member];
        const created = await a.api('/api/video/conferences', {
          method: 'POST',
          body: { display_name: 'Across nodes' },
        });
        assert.equal(created.status, 200);
        const tokens = await a.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
        const guest = (tokens.body.data as { name: string; token: string }[]).find(
          (t) => t.name === 'Guest',
        )!.token;
        const forwardedBefore = await Promise.all(
          [b, c].map((n) => metric(n, 'conclave_realtime_forwarded_total')),
        );

        const ada = await joinPage(a, guest, 'Ada');
        const bob = await joinPage(b, guest, 'Bob');
        const cy = await TestMember.join(c.url, guest, { name: 'Cy' });
        assert.deepEqual(cy.joined!.members.map((m) => m.name).sort(), ['Ada', 'Bob']);

        // One session, hosted on A, with all three; B and C carried their connections on to A.
        await eventually(async () => {
          const res = await b.admin('/nodes');
          const listed = res.body.data as { url: string; sessions: number; members: number }[];
          assert.deepEqual(
            listed.map((n) => [n.url, n.sessions, n.members]).sort(),
            [
              [a.url, 1, 3],
              [b.url, 0, 0],
              [c.url, 0, 0],
            ].sort(),
          );
        }, 20_000);
        assert.deepEqual(
          await Promise.all([b, c].map((n) => metric(n, 'conclave_realtime_forwarded_total'))),
          forwardedBefore.map((n) => n + 1),
        );

        // Each page decodes the other's video and receives its audio.
        const atAda = await flowing(ada);
        const atBob = await flowing(bob);
        // Both pages' media goes to A's address; B opened no media transport at all.
        const aAddress = new URL(a.url).hostname;
        assert.deepEqual([...new Set(atBob.remote)], [aAddress], JSON.stringify(atBob));
        assert.deepEqual([...new Set(atAda.remote)], [aAddress], JSON.stringify(atAda));
        await eventually(async () => {
          assert.ok((await metric(a, 'conclave_media_transports')) >= 2);
          assert.ok((await metric(a, 'conclave_media_packets_total{direction="out"}')) > 0);
        });
        assert.equal(await metric(b, 'conclave_media_transports'), 0);
        assert.equal(await metric(b, 'conclave_live_sessions'), 0);

        // Leaving through B and C reaches A; the session ends once all have left (and the grace
        // period).
        cy.send({ type: 'leave', id: 'bye' });
        assert.equal((await cy.closed).code, 1000);
        for (const page of [bob, ada]) {
          await page.getByRole('button', { name: 'Leave', exact: true }).click();
        }
        await eventually(async () => assert.equal(await metric(a, 'conclave_live_members'), 0));
        await eventually(
          async () => assert.equal(await metric(a, 'conclave_live_sessions'), 0),
          20_000,
        );
      });
    },
  );
}
