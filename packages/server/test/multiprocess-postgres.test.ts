import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  conferenceBody,
  startCluster,
  type Cluster,
  type Member,
} from './helpers/conclave-cluster.js';
import {
  createTestDatabase,
  testEngine,
  withPgClient,
  type TestDatabase,
} from './helpers/test-database.js';
import { basicAuth } from './helpers/test-server.js';
import { migrations } from '../src/store/migrations/index.js';

const skip = testEngine() === 'postgres' ? {} : { skip: 'runs in the PostgreSQL pass' };

/** Several Conclave processes, one PostgreSQL: real processes, real HTTP, real parallel requests. */
describe('several Conclave processes on one PostgreSQL', skip, () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let a: Member;
  let b: Member;

  before(async () => {
    database = await createTestDatabase('postgres');
    // Four processes start at the same moment on an empty schema: each migrates and ensures the
    // bootstrap project; the last two leave once they are up.
    const started = performance.now();
    cluster = await startCluster(database.url, 4);
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`4 processes started together on an empty database in ${ms} ms\n`);
    [a, b] = cluster.members as [Member, Member];
    await Promise.all(cluster.members.slice(2).map((m) => m.stop()));
  });
  after(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  const inSchema = <T>(query: string) =>
    withPgClient(database.url.replace(/\?.*$/, ''), async (client) => {
      await client.query(`set search_path = ${database.schema}`);
      return (await client.query(query)).rows as T[];
    });

  it('migrated once and ensured the project and its token once, started all together', async () => {
    assert.deepEqual(
      await inSchema('select name from kysely_migration order by name'),
      Object.keys(migrations('postgres')).map((name) => ({ name })),
    );
    assert.deepEqual(await inSchema('select id from projects'), [{ id: cluster.projectId }]);
    assert.deepEqual(await inSchema('select name from api_tokens'), [
      { name: 'CONCLAVE_API_TOKEN' },
    ]);
  });

  it('lets exactly one of many simultaneous creates with one name succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `contested-${round}`;
      const replies = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 ? a : b).api('/api/video/conferences', {
            method: 'POST',
            body: conferenceBody(i, name),
          }),
        ),
      );
      const created = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status === 422);
      assert.equal(created.length, 1, JSON.stringify(replies.map((r) => r.status)));
      assert.equal(refused.length, 15);
      assert.equal(created[0]!.body.name, name);
      for (const r of refused) {
        assert.equal(r.body.errors.length, 1);
        assert.equal(r.body.errors[0].code, 'not_unique_within_project');
        assert.equal(r.body.errors[0].attribute, 'name');
      }
      const listed = await b.api('/api/video/conferences?page_size=1000');
      assert.equal(listed.body.data.filter((c: { name: string }) => c.name === name).length, 1);
    }
  });

  it('leaves exactly one valid value after simultaneous resets of one token', async () => {
    const created = await a.api('/api/video/conferences', {
      method: 'POST',
      body: conferenceBody(1),
    });
    const tokens = await b.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
    const moderator = tokens.body.data.find((t: { name: string }) => t.name === 'Moderator');
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 ? a : b).api(`/api/video/conference_tokens/${moderator.id}/reset`, {
          method: 'POST',
        }),
      ),
    );
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    const issued = replies.map((r) => r.body.token as string);
    assert.equal(new Set(issued).size, issued.length, 'every reset issued its own value');
    assert.ok(!issued.includes(moderator.token));
    const [viaA, viaB] = await Promise.all(
      [a, b].map((m) => m.api(`/api/video/conference_tokens/${moderator.id}`)),
    );
    assert.equal(viaA!.body.token, viaB!.body.token, 'both processes see one value');
    assert.ok(issued.includes(viaA!.body.token), 'the value is one a reset returned');
    const others = await inSchema<{ n: string }>(
      `select count(*) as n from conference_tokens where token in (${issued.map((t) => `'${t}'`).join(',')})`,
    );
    assert.equal(Number(others[0]!.n), 1, 'no other issued value is stored');
  });

  it('keeps a list walk through one process exact while the other writes', async () => {
    const stable: string[] = [];
    for (let i = 0; i < 120; i += 20) {
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          a.api('/api/video/conferences', { method: 'POST', body: conferenceBody(i + k) }),
        ),
      );
      stable.push(...replies.map((r) => r.body.id as string));
    }
    // Conferences the writer may delete mid-walk: a walk need not show them.
    const doomed = new Set(stable.filter((_, i) => i % 7 === 3));

    let walking = true;
    let rounds = 0;
    const writer = (async () => {
      let i = 0;
      const pending = [...doomed];
      while (walking) {
        const created = await b.api('/api/video/conferences', {
          method: 'POST',
          body: conferenceBody(1000 + i),
        });
        assert.equal(created.status, 200);
        if (i % 2 === 0) {
          assert.equal(
            (await b.api(`/api/video/conferences/${created.body.id}`, { method: 'DELETE' })).status,
            204,
          );
        }
        const victim = pending.pop();
        if (victim) {
          assert.equal(
            (await b.api(`/api/video/conferences/${victim}`, { method: 'DELETE' })).status,
            204,
          );
        }
        i++;
        rounds = i;
      }
      return i;
    })();

    const seen: string[] = [];
    const keys: string[] = [];
    let next: string | undefined = '/api/video/conferences?page_size=7';
    while (next) {
      const page = await a.api(next.replace(a.url, ''));
      assert.equal(page.status, 200);
      for (const c of page.body.data) {
        seen.push(c.id);
        keys.push(`${c.created_at} ${c.id}`);
      }
      next = page.body.links.next;
      // Each page waits for a round of writes, so the walk and the writes interleave.
      const target = rounds + 1;
      while (rounds < target) await new Promise((r) => setTimeout(r, 2));
    }
    walking = false;
    const writes = await writer;
    assert.ok(writes > 3, `the writer kept writing during the walk (${writes} rounds)`);

    assert.equal(new Set(seen).size, seen.length, 'no conference repeated');
    for (const id of stable) {
      if (!doomed.has(id)) assert.ok(seen.includes(id), `${id} existed for the whole walk`);
    }
    // Newest first (D13); the wire shows seconds, so only their order is visible here.
    const times = keys.map((k) => k.split(' ')[0]!);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  it('serves one conference through both: created by one, read, updated and deleted by the other', async () => {
    const created = await a.api('/api/video/conferences', {
      method: 'POST',
      body: { name: 'shared-room', display_name: 'Shared', description: 'via A' },
    });
    assert.equal(created.status, 200);
    const id = created.body.id as string;

    const got = await b.api(`/api/video/conferences/${id}`);
    assert.deepEqual(got.body, created.body);
    const listed = await b.api('/api/video/conferences?page_size=1');
    assert.equal(listed.body.data[0].id, id);

    const updated = await b.api(`/api/video/conferences/${id}`, {
      method: 'PUT',
      body: { display_name: 'Shared, renamed by B' },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.display_name, 'Shared, renamed by B');
    assert.equal(updated.body.description, 'via A');
    assert.deepEqual((await a.api(`/api/video/conferences/${id}`)).body, updated.body);

    assert.equal((await b.api(`/api/video/conferences/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await a.api(`/api/video/conferences/${id}`)).status, 404);
    assert.equal((await a.api(`/api/video/conferences/${id}`, { method: 'DELETE' })).status, 404);
  });

  it('refuses a token revoked through one process on the very next request to the other', async () => {
    const issued = await a.admin(`/projects/${cluster.projectId}/api_tokens`, {
      method: 'POST',
      body: { name: 'short-lived' },
    });
    assert.equal(issued.status, 201);
    const auth = basicAuth(cluster.projectId, issued.body.token);
    assert.equal((await b.api('/api/video/conferences', { auth })).status, 200);

    const revoked = await a.admin(`/projects/${cluster.projectId}/api_tokens/${issued.body.id}`, {
      method: 'DELETE',
    });
    assert.equal(revoked.status, 204);
    const next = await b.api('/api/video/conferences', { auth });
    assert.equal(next.status, 401);
    assert.deepEqual(next.body, { error: 'Unauthorized' });
    assert.equal((await a.api('/api/video/conferences', { auth })).status, 401);
    // The bootstrap token is untouched.
    assert.equal((await b.api('/api/video/conferences')).status, 200);
  });
});
