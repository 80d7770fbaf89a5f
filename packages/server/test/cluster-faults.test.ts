import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startCluster, type Cluster, type Member } from './helpers/conclave-cluster.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import { freePort } from './helpers/server-process.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';

const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']
  .filter((p) => existsSync(p))
  .at(0);
const skip = testEngine() === 'postgres' ? {} : { skip: 'several nodes need PostgreSQL' };

/**
 * A TCP relay on loopback to PostgreSQL that the test can cut (every connection dropped, new ones
 * refused) and restore on the same port: a node losing its database, without stopping the
 * server the other tests share.
 */
class CuttableLink {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly to: number,
  ) {}

  static async open(to: number): Promise<CuttableLink> {
    const link = new CuttableLink(await freePort(), to);
    await link.restore();
    return link;
  }

  async restore(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.to, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end);
      outbound.on('error', end);
      inbound.on('close', end);
      outbound.on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

/** A NATS server of the test's own, to kill and start again on the same port. */
class TestNats {
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<TestNats> {
    const nats = new TestNats(await freePort());
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const child = spawn(NATS_SERVER!, ['-a', '127.0.0.1', '-p', String(this.port)], {
      stdio: 'ignore',
    });
    this.#child = child;
    await eventually(
      () =>
        new Promise<void>((resolve, reject) => {
          const probe = connect(this.port, '127.0.0.1', () => {
            probe.destroy();
            resolve();
          });
          probe.once('error', reject);
        }),
      15_000,
    );
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A join refused by a node cut off: closed 1013 `unavailable`. */
async function refusedUnavailable(url: string, token: string): Promise<void> {
  const error = await TestMember.join(url, token, { name: 'Refused' }).then(
    (m) => {
      m.socket.close();
      assert.fail('admitted');
    },
    (e: Error & { code?: number; reason?: string }) => e,
  );
  assert.equal(error.code, 1013, error.message);
  assert.equal(error.reason, 'unavailable');
}

/** A SignalWire SDK `signalwire.connect` on a node's relay: its answer, and how it closed. */
async function relayConnect(
  url: string,
  token: string,
): Promise<{
  error?: { data?: { reason?: string } };
  closed: { code: number; reason: string };
}> {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + '/api/video/relay');
  const frames: { id?: string; error?: { data?: { reason?: string } } }[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 'connect-1',
      method: 'signalwire.connect',
      params: {
        version: { major: 3, minor: 0, revision: 0 },
        event_acks: true,
        agent: '@signalwire/js/browser/3.30.0',
        authentication: { jwt_token: token },
      },
    }),
  );
  const how = await closed;
  return { error: frames.find((f) => f.id === 'connect-1')?.error, closed: how };
}

async function readyz(node: Member): Promise<{ status: number; body: string }> {
  const res = await fetch(`${node.url}/readyz`);
  return { status: res.status, body: await res.text() };
}

async function guestToken(node: Member): Promise<string> {
  const created = await node.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: 'Faults' },
  });
  assert.equal(created.status, 200);
  const tokens = await node.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  return (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === 'Guest')!
    .token;
}

/** A signal from `from` reaches `to`: the session goes on (no database step on the way). */
async function stillTogether(from: TestMember, to: TestMember, text: string): Promise<void> {
  from.send({ type: 'signal', id: text, to: to.id, data: { text } });
  const got = await to.next(
    (m) => m.type === 'signal' && (m.data as { text?: string }).text === text,
  );
  assert.equal(got.type, 'signal');
}

/**
 * A node that loses its message bus (NATS killed) or its database (its connections cut) admits
 * nobody new — a join is closed 1013 `unavailable`, `/readyz` answers 503 — while its sessions go
 * on; once the bus or the database is back, it admits members again without a restart.
 */
describe('a node cut off from its bus or its database', skip, () => {
  describe(
    'the message bus (NATS) lost and back',
    {
      skip: NATS_SERVER ? undefined : 'no nats-server',
    },
    () => {
      let database: TestDatabase;
      let nats: TestNats;
      let cluster: Cluster;

      before(async () => {
        database = await createTestDatabase('postgres');
        nats = await TestNats.start();
        cluster = await startCluster(database.url, 2, {
          CONCLAVE_BUS: 'nats',
          CONCLAVE_NATS_URL: nats.url,
          CONCLAVE_NODE_HEARTBEAT_MS: '200',
        });
        for (const node of cluster.members) {
          await eventually(async () => {
            const res = await node.admin('/nodes');
            assert.equal((res.body.data as { up: boolean }[]).filter((n) => n.up).length, 2);
          }, 30_000);
        }
      });
      after(async () => {
        await cluster?.stop();
        await nats?.kill();
        await database?.drop();
      });

      it('refuses new joins clearly, keeps its sessions, and recovers by itself', async () => {
        const [a, b] = cluster.members as [Member, Member];
        const token = await guestToken(a);
        const ada = await TestMember.join(a.url, token, { name: 'Ada' });
        const bob = await TestMember.join(b.url, token, { name: 'Bob' });
        assert.equal(bob.joined!.session.id, ada.joined!.session.id);
        const room = await a.api('/api/video/room_tokens', {
          method: 'POST',
          body: { room_name: `faults_${Date.now()}`, user_name: 'Sam' },
        });
        assert.equal(room.status, 200);
        const roomToken = room.body.token as string;

        await nats.kill();
        await eventually(async () => {
          const ready = await readyz(a);
          assert.equal(ready.status, 503);
          assert.deepEqual(JSON.parse(ready.body), { status: 'bus_unavailable' });
        }, 20_000);
        // Through either node (B would carry the join on to A): refused.
        await refusedUnavailable(a.url, token);
        // A SignalWire SDK connect too: a JSON-RPC error saying why, then the same close.
        const relay = await relayConnect(a.url, roomToken);
        assert.equal(relay.error?.data?.reason, 'unavailable', JSON.stringify(relay));
        assert.deepEqual(relay.closed, { code: 1013, reason: 'unavailable' });
        await eventually(() => refusedUnavailable(b.url, token), 20_000);
        // The registry says so: nothing is placed on a node without its bus.
        await eventually(async () => {
          const listed = (await a.admin('/nodes')).body.data as { state: string }[];
          assert.ok(
            listed.every((n) => n.state === 'unavailable'),
            JSON.stringify(listed),
          );
        });
        // The session goes on, across the nodes (signaling between the members, through B to A).
        await stillTogether(bob, ada, 'during');
        await stillTogether(ada, bob, 'during too');

        await nats.restart();
        // Back by itself: ready again, and members are admitted through either node.
        await eventually(async () => assert.equal((await readyz(a)).status, 200), 30_000);
        await eventually(async () => assert.equal((await readyz(b)).status, 200), 30_000);
        const cy = await eventually(() => TestMember.join(b.url, token, { name: 'Cy' }), 30_000);
        assert.equal(cy.joined!.session.id, ada.joined!.session.id);
        await stillTogether(cy, ada, 'after');
        for (const m of [ada, bob, cy]) {
          m.send({ type: 'leave', id: 'bye' });
          await m.closed;
        }
      });
    },
  );

  describe('the database lost and back', () => {
    let database: TestDatabase;
    let link: CuttableLink;
    let cluster: Cluster;

    before(async () => {
      database = await createTestDatabase('postgres');
      const direct = new URL(database.url);
      link = await CuttableLink.open(Number(direct.port || 5432));
      const url = new URL(database.url);
      url.hostname = '127.0.0.1';
      url.port = String(link.port);
      cluster = await startCluster(url.toString(), 1, {
        CONCLAVE_BUS: 'postgres',
        CONCLAVE_NODE_HEARTBEAT_MS: '200',
      });
    });
    after(async () => {
      await cluster?.stop();
      await link?.cut();
      await database?.drop();
    });

    it('refuses new joins clearly, keeps its sessions, and recovers by itself', async () => {
      const [a] = cluster.members as [Member];
      const token = await guestToken(a);
      const ada = await TestMember.join(a.url, token, { name: 'Ada' });
      const bob = await TestMember.join(a.url, token, { name: 'Bob' });

      await link.cut();
      await eventually(async () => assert.equal((await readyz(a)).status, 503), 20_000);
      await eventually(() => refusedUnavailable(a.url, token), 20_000);
      // Its members still reach each other.
      await stillTogether(bob, ada, 'during');

      await link.restore();
      await eventually(async () => assert.equal((await readyz(a)).status, 200), 30_000);
      const cy = await eventually(() => TestMember.join(a.url, token, { name: 'Cy' }), 30_000);
      assert.equal(cy.joined!.session.id, ada.joined!.session.id);
      await stillTogether(cy, bob, 'after');
      for (const m of [ada, bob, cy]) {
        m.send({ type: 'leave', id: 'bye' });
        await m.closed;
      }
    });
  });
});
