import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CLOSE_CODES } from '@conclave/schema';
import { newApiToken } from '../src/auth/secrets.js';
import { member, type Member } from './helpers/conclave-cluster.js';
import { eventually } from './helpers/eventually.js';
import { netnsUnavailable, TestNetwork } from './helpers/netns.js';
import { TestMember } from './helpers/realtime-client.js';
import { spawnServer } from './helpers/server-process.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';
import { ADMIN_TOKEN, basicAuth } from './helpers/test-server.js';

const why = testEngine() !== 'postgres' ? 'several nodes need PostgreSQL' : netnsUnavailable();
const skip = why ? { skip: why } : {};

async function guestToken(node: Member): Promise<string> {
  const created = await node.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: 'Namespaces' },
  });
  assert.equal(created.status, 200);
  const tokens = await node.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  return (tokens.body.data as { name: string; token: string }[]).find((t) => t.name === 'Guest')!
    .token;
}

async function hostOf(via: Member): Promise<string[]> {
  return eventually(async () => {
    const res = await via.admin('/nodes');
    const hosting = (res.body.data as { url: string; sessions: number }[]).filter(
      (n) => n.sessions > 0,
    );
    assert.equal(hosting.length, 1);
    return hosting.map((n) => n.url);
  });
}

/**
 * Three nodes, each in its own network namespace with its own address (veth pairs on a bridge),
 * on one PostgreSQL (and NATS) reached through the bridge: what the loopback tests check, with
 * nodes that can reach each other only at their registered addresses.
 */
for (const bus of ['postgres', 'nats'] as const) {
  describe(`three nodes in three network namespaces (CONCLAVE_BUS=${bus})`, skip, () => {
    let network: TestNetwork;
    let database: TestDatabase;
    let nodes: Member[] = [];

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
              // One hostname, one port in every namespace: the default id would be the same.
              CONCLAVE_NODE_ID: `${ns.address}:8080`,
              DATABASE_URL: url.toString(),
              CONCLAVE_PROJECT_ID: projectId,
              CONCLAVE_API_TOKEN: apiToken,
              CONCLAVE_ADMIN_TOKEN: ADMIN_TOKEN,
              CONCLAVE_PG_POOL_SIZE: '4',
              CONCLAVE_BUS: bus,
              CONCLAVE_NATS_URL: `nats://${network.gateway}:14222`,
              CONCLAVE_NODE_HEARTBEAT_MS: '100',
              CONCLAVE_SESSION_LEASE_MS: '1000',
              CONCLAVE_RECONNECT_GRACE_MS: '500',
              CONCLAVE_MEDIA_WORKERS: '1',
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
          assert.equal((res.body.data as unknown[]).length, 3);
        }, 30_000);
      }
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await database?.drop();
      await network?.destroy();
    });

    it('each node has its own address, and advertises it', async () => {
      const res = await nodes[0]!.admin('/nodes');
      assert.deepEqual(
        (res.body.data as { url: string }[]).map((n) => n.url).sort(),
        network.namespaces.map((ns) => `http://${ns.address}:8080`).sort(),
      );
    });

    it('puts members joining through different nodes in one session', async () => {
      const [a, b, c] = nodes as [Member, Member, Member];
      const token = await guestToken(a);
      const ada = await TestMember.join(a.url, token, { name: 'Ada' });
      const bob = await TestMember.join(b.url, token, { name: 'Bob' });
      const cy = await TestMember.join(c.url, token, { name: 'Cy' });
      assert.equal(bob.joined!.session.id, ada.joined!.session.id);
      assert.equal(cy.joined!.session.id, ada.joined!.session.id);
      cy.send({ type: 'chat', id: 'c1', text: 'across namespaces' });
      assert.equal((await bob.next('chat')).text, 'across namespaces');
      assert.deepEqual(await hostOf(c), [a.url]);
      // REST on C ends the session hosted on A; everyone is told, wherever they connected.
      const ended = await c.api(`/conclave/v1/room_sessions/${ada.joined!.session.id}/end`, {
        method: 'POST',
      });
      assert.equal(ended.status, 204);
      for (const m of [ada, bob, cy]) {
        assert.equal((await m.closed).code, CLOSE_CODES.session_ended);
      }
    });

    it('survives the hosting node killed: its members join again through another', async () => {
      const [a, b] = nodes as [Member, Member];
      const token = await guestToken(a);
      const onA = await TestMember.join(a.url, token, { name: 'On A' });
      const viaB = await TestMember.join(b.url, token, { name: 'Via B' });
      assert.deepEqual(await hostOf(b), [a.url]);
      a.process.child.kill('SIGKILL');
      assert.equal((await viaB.closed).code, 1012);
      await onA.closed;
      const back = await eventually(() => TestMember.join(b.url, token, { name: 'Back' }), 20_000);
      assert.notEqual(back.joined!.session.id, viaB.joined!.session.id);
      back.send({ type: 'leave', id: 'bye' });
      await back.closed;
    });
  });
}
