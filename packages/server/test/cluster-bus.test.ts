import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLOSE_CODES } from '@conclave/schema';
import { startCluster, type Cluster, type Member } from './helpers/conclave-cluster.js';
import { busNamespace } from '../src/cluster/bus-transports.js';
import { eventually } from './helpers/eventually.js';
import { TestMember } from './helpers/realtime-client.js';
import {
  createTestDatabase,
  testEngine,
  withPgClient,
  type TestDatabase,
} from './helpers/test-database.js';

const skip = testEngine() === 'postgres' ? {} : { skip: 'several nodes need PostgreSQL' };

/** A conference and its Guest token, made through `node`. */
async function conference(node: Member): Promise<{ id: string; guest: string }> {
  const created = await node.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: 'Bus' },
  });
  assert.equal(created.status, 200);
  const tokens = await node.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
  const guest = (tokens.body.data as { name: string; token: string }[]).find(
    (t) => t.name === 'Guest',
  )!.token;
  return { id: created.body.id as string, guest };
}

/**
 * REST actions on one node reach the session live on another, over each bus: three processes
 * on one PostgreSQL; members join through A, the API is called on B and C. Judged by what the
 * members are told (their close codes), never by time.
 */
for (const bus of ['postgres', 'nats'] as const) {
  describe(`REST actions reach the hosting node (CONCLAVE_BUS=${bus})`, skip, () => {
    let database: TestDatabase;
    let cluster: Cluster;
    let a: Member;
    let b: Member;
    let c: Member;

    before(async () => {
      database = await createTestDatabase('postgres');
      // Not under test here: a stop ends at once.
      cluster = await startCluster(database.url, 3, { CONCLAVE_BUS: bus, CONCLAVE_DRAIN_MS: '0' });
      [a, b, c] = cluster.members as [Member, Member, Member];
    });
    after(async () => {
      await cluster?.stop();
      await database?.drop();
    });

    it('ends a session through another node (POST /conclave/v1/room_sessions/{id}/end)', async () => {
      const { guest } = await conference(a);
      const member = await TestMember.join(a.url, guest);
      const sessionId = member.joined!.session.id;
      const ended = await c.api(`/conclave/v1/room_sessions/${sessionId}/end`, { method: 'POST' });
      assert.equal(ended.status, 204);
      assert.equal((await member.closed).code, CLOSE_CODES.session_ended);
      // Over now: another node finds nothing live to end.
      const again = await b.api(`/conclave/v1/room_sessions/${sessionId}/end`, { method: 'POST' });
      assert.equal(again.status, 404);
    });

    it('removes and mutes members through other nodes', async () => {
      const { guest } = await conference(a);
      const first = await TestMember.join(a.url, guest, { name: 'First' });
      const second = await TestMember.join(a.url, guest, { name: 'Second' });
      const sessionId = first.joined!.session.id;
      const removed = await b.api(
        `/conclave/v1/room_sessions/${sessionId}/members/${second.joined!.member.id}`,
        { method: 'DELETE' },
      );
      assert.equal(removed.status, 204);
      assert.equal((await second.closed).code, CLOSE_CODES.removed);
      // Muted through C: the member as the host now has it, and the host tells the session.
      const muted = await c.api(
        `/conclave/v1/room_sessions/${sessionId}/members/${first.joined!.member.id}`,
        { method: 'PATCH', body: { audio_muted: true } },
      );
      assert.equal(muted.status, 200);
      assert.equal(muted.body.id, first.joined!.member.id);
      assert.equal(muted.body.audio_muted, true);
      const updated = await first.next('member.updated');
      assert.equal(updated.member.audio_muted, true);
      const left = await first.next('member.left');
      assert.equal(left.member_id, second.joined!.member.id);
      first.socket.close();
      await first.closed;
    });

    it('starts and stops recordings through other nodes (POST …/recordings, …/stop)', async () => {
      const { guest } = await conference(a);
      const member = await TestMember.join(a.url, guest);
      const sessionId = member.joined!.session.id;
      const path = `/conclave/v1/room_sessions/${sessionId}/recordings`;
      // Started through B on A (the host): the recording as the Video API shows it, on any node.
      const first = await b.api(path, { method: 'POST' });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.room_session_id, sessionId);
      assert.equal(first.body.status, 'recording');
      const second = await c.api(path, { method: 'POST' });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      // One stopped through C, then the rest through B; the host answers what it has.
      const one = await c.api(`${path}/${second.body.id}/stop`, { method: 'POST' });
      assert.equal(one.status, 204);
      const again = await b.api(`${path}/${second.body.id}/stop`, { method: 'POST' });
      assert.equal(again.status, 404);
      const rest = await b.api(`${path}/stop`, { method: 'POST' });
      assert.equal(rest.status, 204);
      const none = await c.api(`${path}/stop`, { method: 'POST' });
      assert.equal(none.status, 409);
      assert.equal(none.body.code, 'not_recording');
      // Both rows leave `recording` (ffmpeg finishes the files on A, then the rows are written).
      for (const id of [first.body.id, second.body.id] as string[]) {
        await eventually(async () => {
          const row = await c.api(`/api/video/room_recordings/${id}`);
          assert.notEqual(row.body.status, 'recording', id);
        });
      }
      member.socket.close();
      await member.closed;
    });

    it('reconnects a bus connection that is cut, and carries actions again', async (t) => {
      if (bus !== 'postgres') {
        t.skip('the NATS client reconnects by itself');
        return;
      }
      // Cut A's LISTEN connection (only this database's: the channel names its schema).
      const channel = `conclave_${busNamespace(database.url)}`;
      const cut = await withPgClient(database.url.replace(/\?.*$/, ''), async (client) => {
        const res = await client.query(
          `select pg_terminate_backend(pid) as done from pg_stat_activity
            where application_name = $1`,
          [`${channel}_bus`],
        );
        return res.rowCount;
      });
      assert.equal(cut, 3, 'one LISTEN connection per node');
      const { guest } = await conference(a);
      // Without its bus a node admits nobody new (1013): A does again once it listens again.
      const member = await eventually(() => TestMember.join(a.url, guest), 20_000);
      const sessionId = member.joined!.session.id;
      // An action through C reaches it.
      await eventually(async () => {
        const ended = await c.api(`/conclave/v1/room_sessions/${sessionId}/end`, {
          method: 'POST',
        });
        assert.equal(ended.status, 204);
      }, 20_000);
      assert.equal((await member.closed).code, CLOSE_CODES.session_ended);
    });

    it('ends the session of a conference deleted through another node', async () => {
      const { id, guest } = await conference(a);
      const member = await TestMember.join(a.url, guest);
      const deleted = await c.api(`/api/video/conferences/${id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 204);
      assert.equal((await member.closed).code, CLOSE_CODES.session_ended);
    });
  });
}
