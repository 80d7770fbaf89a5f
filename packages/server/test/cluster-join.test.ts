import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startCluster, type Cluster, type Member } from './helpers/conclave-cluster.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';

const skip = testEngine() === 'postgres' ? {} : { skip: 'several nodes need PostgreSQL' };

interface ListedNode {
  id: string;
  url: string;
  state: string;
  up: boolean;
  sessions: number;
  members: number;
}

async function guestToken(node: Member): Promise<string> {
  const created = await node.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: 'Any node' },
  });
  assert.equal(created.status, 200);
  const tokens = await node.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  return (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === 'Guest')!
    .token;
}

async function nodes(via: Member): Promise<ListedNode[]> {
  const res = await via.admin('/nodes');
  assert.equal(res.status, 200);
  return res.body.data as ListedNode[];
}

/** Which node hosts live sessions, by URL, as the registry says once it has heard from all. */
async function hosts(via: Member, sessions: number): Promise<Map<string, number>> {
  return eventually(async () => {
    const listed = await nodes(via);
    const total = listed.reduce((sum, n) => sum + n.sessions, 0);
    assert.equal(total, sessions);
    return new Map(listed.filter((n) => n.sessions > 0).map((n) => [n.url, n.sessions]));
  });
}

/**
 * Any node admits any member: three processes on one PostgreSQL; members connect to different
 * nodes and meet in one session (their signaling carried on to its node). Faults: the hosting
 * node killed (its members join again through another), a node drained with SIGTERM.
 */
for (const bus of ['postgres', 'nats'] as const) {
  describe(`any node admits any member (CONCLAVE_BUS=${bus})`, skip, () => {
    let database: TestDatabase;
    let cluster: Cluster;
    let a: Member;
    let b: Member;
    let c: Member;

    before(async () => {
      database = await createTestDatabase('postgres');
      cluster = await startCluster(database.url, 3, {
        CONCLAVE_BUS: bus,
        CONCLAVE_NODE_HEARTBEAT_MS: '100',
        // Long enough that a new session's first write, slow on a loaded machine, lands within it.
        CONCLAVE_SESSION_LEASE_MS: '3000',
        CONCLAVE_RECONNECT_GRACE_MS: '500',
        CONCLAVE_DRAIN_MS: '60000',
      });
      [a, b, c] = cluster.members as [Member, Member, Member];
      // Every node has heard of the other two.
      for (const node of cluster.members) {
        await eventually(async () => assert.equal((await nodes(node)).length, 3), 30_000);
      }
    });
    after(async () => {
      await cluster?.stop();
      await database?.drop();
    });

    it('puts members joining through different nodes in one session', async () => {
      const token = await guestToken(a);
      const ada = await TestMember.join(a.url, token, { name: 'Ada' });
      const bob = await TestMember.join(b.url, token, { name: 'Bob' });
      const cy = await TestMember.join(c.url, token, { name: 'Cy' });
      const session = ada.joined!.session.id;
      assert.equal(bob.joined!.session.id, session);
      assert.equal(cy.joined!.session.id, session);
      assert.deepEqual(cy.joined!.members.map((m) => m.name).sort(), ['Ada', 'Bob']);
      const seen = await ada.next((m) => m.type === 'member.joined' && m.member.name === 'Cy');
      assert.equal(seen.type, 'member.joined');
      // Signaling flows both ways through the forwarding node.
      cy.send({ type: 'chat', id: 'c1', text: 'hello from C' });
      const chat = await bob.next('chat');
      assert.equal(chat.text, 'hello from C');
      // One session, on one node: the first member's (all were idle).
      assert.deepEqual([...(await hosts(c, 1)).keys()], [a.url]);
      // B and C each carried one connection on to A, and say so in their metrics.
      for (const node of [b, c]) {
        const text = await (await fetch(`${node.url}/metrics`)).text();
        assert.match(text, /^conclave_realtime_forwarded_total 1$/m);
      }
      for (const m of [ada, bob, cy]) {
        m.send({ type: 'leave', id: 'bye' });
        assert.equal((await m.closed).code, 1000);
      }
      await hosts(c, 0);
    });

    it('puts first members reaching three nodes at the same moment in one session', async () => {
      // Each conference's first three members join through the three nodes at once: the nodes
      // race to open its session; the losers' joins (their own or carried on to them) go on to
      // the winner.
      const tokens = await Promise.all([1, 2, 3, 4, 5, 6].map(() => guestToken(a)));
      const joins = tokens.flatMap((token, i) =>
        [a, b, c].map((node, n) =>
          TestMember.join(node.url, token, { name: `m${i}-${n}` }).then(
            (m) => ({ i, m }),
            (error: Error) => ({ i, error }),
          ),
        ),
      );
      const outcomes = await Promise.all(joins);
      const members = outcomes.flatMap((o) => ('m' in o ? [o] : []));
      try {
        const refused = outcomes.flatMap((o) => ('error' in o ? [o.error.message] : []));
        assert.deepEqual(refused, []);
        for (let i = 0; i < tokens.length; i++) {
          const sessions = new Set(
            members.filter((o) => o.i === i).map((o) => o.m.joined!.session.id),
          );
          assert.equal(sessions.size, 1, `conference ${i}: ${[...sessions].join(', ')}`);
        }
      } finally {
        // Whatever happened, the next cases start with no session live.
        for (const { m } of members) {
          m.send({ type: 'leave', id: 'bye' });
          await m.closed;
        }
      }
      await hosts(a, 0);
    });

    it('places a session live nowhere on the least-loaded node', async () => {
      // Placement reads loads from the registry: start from all three up, ready and empty there.
      await eventually(async () => {
        const listed = await nodes(a);
        assert.deepEqual(
          listed.map((n) => [n.up, n.state, n.members]),
          listed.map(() => [true, 'ready', 0]),
          JSON.stringify(listed),
        );
      });
      const busy = await TestMember.join(a.url, await guestToken(a), { name: 'Busy' });
      // A hosts one member; B and C none: the next new session goes to one of them.
      const placed = await TestMember.join(a.url, await guestToken(a), { name: 'Placed' });
      const where = await hosts(a, 2);
      assert.equal(where.get(a.url), 1, JSON.stringify(await nodes(a)));
      assert.ok(where.has(b.url) || where.has(c.url), JSON.stringify([...where]));
      assert.notEqual(placed.joined!.session.id, busy.joined!.session.id);
      for (const m of [busy, placed]) {
        m.send({ type: 'leave', id: 'bye' });
        await m.closed;
      }
      await hosts(a, 0);
    });

    it('carries a SignalWire SDK connection (relay) on to the node hosting its room', async () => {
      const created = await a.api('/api/video/room_tokens', {
        method: 'POST',
        body: { room_name: `relay_${bus}_${Date.now()}`, user_name: 'Ada' },
      });
      assert.equal(created.status, 200);
      const token = created.body.token as string;
      const ada = await TestMember.join(a.url, token, { name: 'Ada' });
      assert.deepEqual([...(await hosts(b, 1)).keys()], [a.url]);
      const forwarded = async () =>
        Number(
          /^conclave_realtime_forwarded_total (\d+)$/m.exec(
            await (await fetch(`${b.url}/metrics`)).text(),
          )?.[1],
        );
      const before = await forwarded();
      const socket = new WebSocket(b.url.replace(/^http/, 'ws') + '/api/video/relay');
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const answer = new Promise<{ id: string; result?: { protocol?: string } }>((resolve) =>
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as {
            id: string;
            result?: { protocol?: string };
          };
          if (frame.id === 'connect-1') resolve(frame);
        }),
      );
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
      // Answered by A (the client's state lives there), through B.
      assert.match((await answer).result?.protocol ?? '', /^signalwire_/);
      assert.equal(await forwarded(), before + 1);
      socket.close();
      ada.send({ type: 'leave', id: 'bye' });
      await ada.closed;
      await hosts(a, 0);
    });

    it('drains a node with SIGTERM: its session goes on, new ones are placed elsewhere', async () => {
      // A session hosted on C, with a member through B.
      const token = await guestToken(c);
      const host = await TestMember.join(c.url, token, { name: 'On C' });
      const via = await TestMember.join(b.url, token, { name: 'Via B' });
      assert.deepEqual([...(await hosts(b, 1)).keys()], [c.url]);
      c.process.child.kill('SIGTERM');
      await eventually(async () => {
        const listed = await nodes(a);
        assert.equal(listed.find((n) => n.url === c.url)?.state, 'draining');
        const readyz = await fetch(`${c.url}/readyz`);
        assert.equal(readyz.status, 503);
      });
      // A new session joined through the draining node opens on another one.
      const fresh = await TestMember.join(c.url, await guestToken(a), { name: 'Fresh' });
      const where = await hosts(a, 2);
      assert.equal(where.get(c.url), 1, 'only the session that was there');
      // The live one still works, across nodes.
      via.send({ type: 'chat', id: 'v1', text: 'still here' });
      assert.equal((await host.next('chat')).text, 'still here');
      for (const m of [host, via, fresh]) {
        m.send({ type: 'leave', id: 'bye' });
        await m.closed;
      }
      assert.deepEqual(await c.process.exited, { code: 0, signal: null });
    });

    it('survives the hosting node killed: its members join again through another', async () => {
      const token = await guestToken(b);
      const onA = await TestMember.join(a.url, token, { name: 'Through A' });
      const onB = await TestMember.join(b.url, token, { name: 'Through B' });
      const host = [...(await hosts(b, 1)).keys()][0];
      const killed = host === a.url ? a : b;
      const other = killed === a ? b : a;
      const survivor = killed === a ? onB : onA;
      killed.process.child.kill('SIGKILL');
      // The member connected through the surviving node is told its host is gone.
      assert.equal((await survivor.closed).code, 1012);
      // Once the lease of the dead host lapses, the session opens again on a node that is up.
      const back = await eventually(() => TestMember.join(other.url, token, { name: 'Back' }));
      assert.notEqual(back.joined!.session.id, survivor.joined!.session.id);
      back.send({ type: 'leave', id: 'bye' });
      await back.closed;
    });
  });
}
