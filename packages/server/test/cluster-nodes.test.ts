import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster, type Member } from './helpers/conclave-cluster.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';

interface ListedNode {
  id: string;
  url: string;
  state: string;
  up: boolean;
  sessions: number;
  members: number;
}

/** A conference and its Guest token, made through `node`. */
async function conferenceGuest(node: Member): Promise<string> {
  const created = await node.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: 'Nodes' },
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

/**
 * The node registry and the drain, on real processes: several on PostgreSQL, one on SQLite (the
 * registry is then that node alone).
 */
const postgresOnly = testEngine() === 'postgres' ? {} : { skip: 'several nodes need PostgreSQL' };

describe('the node registry and SIGTERM drain', () => {
  const size = testEngine() === 'postgres' ? 2 : 1;
  let database: TestDatabase;
  let cluster: Cluster;

  before(async () => {
    database = await createTestDatabase();
    cluster = await startCluster(database.url, size, {
      CONCLAVE_NODE_HEARTBEAT_MS: '100',
      CONCLAVE_RECONNECT_GRACE_MS: '200',
      CONCLAVE_DRAIN_MS: '60000',
    });
  });
  after(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  it('lists every node, ready and up, with the load it hosts', async () => {
    const [a] = cluster.members as [Member];
    // Each registers once it listens.
    const listed = await eventually(async () => {
      const all = await nodes(a);
      assert.equal(all.length, size);
      return all;
    });
    assert.deepEqual(
      listed.map((n) => n.url).sort(),
      cluster.members.map((m) => m.url).sort(),
      'each node advertises where it is reached',
    );
    for (const n of listed) assert.equal(n.state, 'ready');
    for (const n of listed) assert.equal(n.up, true);
    const res = await fetch(`${a.url}/admin/v1/nodes`);
    assert.equal(res.status, 401);

    const member = await TestMember.join(a.url, await conferenceGuest(a), { name: 'Ada' });
    const self = await eventually(async () => {
      const row = (await nodes(cluster.members.at(-1)!)).find((n) => n.url === a.url)!;
      assert.equal(row.members, 1);
      return row;
    });
    assert.equal(self.sessions, 1);
    member.send({ type: 'leave', id: 'bye' });
    await member.closed;
    // Nothing live anywhere before the next test (placement goes by load).
    await eventually(async () => {
      for (const n of await nodes(a)) assert.equal(n.members, 0);
    });
  });

  it('drains on SIGTERM: /readyz 503 draining, no new session, live ones finish, then it leaves', async (t) => {
    if (size === 1) {
      t.skip('a node alone ends its sessions at once (D21); drains need another node');
      return;
    }
    const [a] = cluster.members as [Member];
    const staying = await TestMember.join(a.url, await conferenceGuest(a), { name: 'Stays' });
    // Placed here: every node was idle, and a tie stays where the member came in.
    await eventually(async () => {
      const listed = await nodes(a);
      assert.equal(listed.find((n) => n.url === a.url)?.sessions, 1);
    });
    const newGuest = await conferenceGuest(a);
    a.process.child.kill('SIGTERM');
    await eventually(async () => {
      const ready = await fetch(`${a.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'draining' });
    });
    await eventually(async () => {
      const row = (await nodes(a)).find((n) => n.url === a.url)!;
      assert.equal(row.state, 'draining');
    });
    // A new session is not opened here: the join is carried on to the other node, which hosts it.
    const fresh = await TestMember.join(a.url, newGuest, { name: 'Fresh' });
    await eventually(async () => {
      const listed = await nodes(cluster.members[1]!);
      assert.equal(listed.find((n) => n.url === cluster.members[1]!.url)?.sessions, 1);
      assert.equal(listed.find((n) => n.url === a.url)?.sessions, 1);
    });
    fresh.send({ type: 'leave', id: 'bye' });
    await fresh.closed;
    // The live session goes on: its member is still in it until it leaves.
    assert.equal(staying.socket.readyState, staying.socket.OPEN);
    staying.send({ type: 'leave', id: 'bye' });
    assert.equal((await staying.closed).code, 1000);
    // Its last session over, the node stops long before CONCLAVE_DRAIN_MS, and leaves the list.
    assert.deepEqual(await a.process.exited, { code: 0, signal: null });
    if (size > 1) {
      const left = await nodes(cluster.members[1]!);
      assert.deepEqual(
        left.map((n) => n.url),
        [cluster.members[1]!.url],
      );
    }
  });
});

describe('a drain whose time runs out', postgresOnly, () => {
  let database: TestDatabase;
  let cluster: Cluster;
  before(async () => {
    database = await createTestDatabase();
    cluster = await startCluster(database.url, 2, {
      CONCLAVE_DRAIN_MS: '300',
      CONCLAVE_NODE_HEARTBEAT_MS: '100',
    });
    const [a, b] = cluster.members as [Member, Member];
    // Draining waits only when another node could take the members: A must know of B.
    await eventually(async () => {
      const listed = await nodes(a);
      assert.ok(listed.some((n) => n.url === b.url && n.up));
    });
  });
  after(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  it('ends the sessions still live, telling their members to go (1001)', async () => {
    const [a] = cluster.members as [Member];
    const member = await TestMember.join(a.url, await conferenceGuest(a));
    a.process.child.kill('SIGTERM');
    assert.equal((await member.closed).code, 1001);
    assert.deepEqual(await a.process.exited, { code: 0, signal: null });
  });
});
