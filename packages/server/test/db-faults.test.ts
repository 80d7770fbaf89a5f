import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster, type Member, type Reply } from './helpers/conclave-cluster.js';
import {
  postgresBinDir,
  startPrivatePostgres,
  type PrivatePostgres,
} from './helpers/private-postgres.js';
import { testEngine } from './helpers/test-database.js';

const skip =
  testEngine() !== 'postgres'
    ? { skip: 'runs in the PostgreSQL pass' }
    : !postgresBinDir() && process.env.CI !== 'true'
      ? { skip: 'no PostgreSQL server binaries here (set PG_BIN)' }
      : {};

// Every request must end within this, whatever state the database is in.
const STATEMENT_TIMEOUT_MS = 1000;
const BOUND_MS = 3500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A stream of creates from several clients over two Conclave processes, recording every reply.
 * Names are unique, so every reply is 200 or 503: nothing else is a right answer.
 */
function createStream(members: Member[], prefix: string, clients = 4) {
  const replies: (Reply & { name: string; at: number })[] = [];
  let running = true;
  let n = 0;
  const workers = Array.from({ length: clients }, async (_, w) => {
    while (running) {
      const name = `${prefix}-${w}-${n++}`;
      const reply = await members[w % members.length]!.api('/api/video/conferences', {
        method: 'POST',
        body: { name, display_name: name },
      });
      replies.push({ ...reply, name, at: performance.now() });
      if (reply.status !== 200) await sleep(20);
    }
  });
  return {
    replies,
    acknowledged: () => replies.filter((r) => r.status === 200),
    async stop() {
      running = false;
      await Promise.all(workers);
      return replies;
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 30_000) {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting: ${what}`);
    await sleep(25);
  }
  return performance.now() - started;
}

const ready = async (m: Member) => (await m.api('/readyz')).status;

describe('PostgreSQL faults while Conclave serves', skip, () => {
  let pg: PrivatePostgres;
  let cluster: Cluster;

  before(async () => {
    pg = await startPrivatePostgres();
    cluster = await startCluster(pg.url, 2, {
      CONCLAVE_PG_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      CONCLAVE_PG_CONNECT_TIMEOUT_MS: '1000',
    });
  });
  after(async () => {
    await cluster?.stop();
    await pg?.destroy();
  });

  for (const mode of ['immediate', 'fast'] as const) {
    const what = mode === 'immediate' ? 'crashes' : 'is shut down';
    it(`answers 503 at once while PostgreSQL ${what}, recovers by itself, and loses no acknowledged create`, async (t) => {
      const stream = createStream(cluster.members, mode);
      await until('creates flowing', async () => stream.acknowledged().length >= 20);

      await pg.stop(mode);
      const down = performance.now();
      for (const m of cluster.members) {
        const r = await m.api('/readyz');
        assert.equal(r.status, 503);
        assert.deepEqual(r.body, { error: 'Service Unavailable' });
      }
      await sleep(1000);

      await pg.start();
      const back = performance.now();
      const recovery = await until('every process creating again', async () =>
        cluster.members.every((_, i) =>
          stream.replies.some(
            (r) => r.status === 200 && r.at > back && r.name.startsWith(`${mode}-${i}`),
          ),
        ),
      );
      await until('readyz 200 everywhere', async () =>
        (await Promise.all(cluster.members.map(ready))).every((s) => s === 200),
      );
      const replies = await stream.stop();

      const during = replies.filter((r) => r.at > down && r.at < back);
      assert.ok(during.length > 0, 'requests were made while the database was down');
      for (const r of replies) {
        assert.ok(r.status === 200 || r.status === 503, `status ${r.status}`);
        if (r.status === 503) assert.deepEqual(r.body, { error: 'Service Unavailable' });
        assert.ok(r.ms < BOUND_MS, `a request took ${Math.round(r.ms)} ms`);
      }
      assert.ok(
        during.some((r) => r.status === 503),
        'requests during the outage were refused',
      );

      const acknowledged = replies.filter((r) => r.status === 200);
      const ids = new Set<string>();
      let next: string | undefined = '/api/video/conferences?page_size=1000';
      while (next) {
        const page = await cluster.members[1]!.api(next.replace(cluster.members[1]!.url, ''));
        for (const c of page.body.data) ids.add(c.id);
        next = page.body.links.next;
      }
      const lost = acknowledged.filter((r) => !ids.has(r.body.id));
      assert.deepEqual(
        lost.map((r) => r.name),
        [],
        'acknowledged creates missing afterwards',
      );
      const slowest503 = Math.max(0, ...replies.filter((r) => r.status === 503).map((r) => r.ms));
      t.diagnostic(
        `${mode}: ${acknowledged.length} acknowledged, ${replies.length - acknowledged.length} refused ` +
          `(slowest 503: ${Math.round(slowest503)} ms); creating again ${Math.round(recovery)} ms ` +
          `after PostgreSQL was back`,
      );
    });
  }

  it('answers 503 within the timeout when PostgreSQL stops answering, and recovers when it resumes', async (t) => {
    const [a, b] = cluster.members as [Member, Member];
    // Warm pools: the frozen server holds their connections open.
    await Promise.all([a, b].map((m) => m.api('/api/video/conferences')));
    pg.freeze();
    let replies: Reply[];
    try {
      replies = await Promise.all([
        a.api('/api/video/conferences'),
        b.api('/api/video/conferences', { method: 'POST', body: { display_name: 'frozen' } }),
        a.api('/readyz'),
        b.api('/readyz'),
      ]);
    } finally {
      pg.thaw();
    }
    for (const r of replies) {
      assert.equal(r.status, 503);
      assert.deepEqual(r.body, { error: 'Service Unavailable' });
      assert.ok(r.ms < BOUND_MS, `took ${Math.round(r.ms)} ms`);
    }
    const recovery = await until('serving again', async () =>
      (await Promise.all([a, b].map(ready))).every((s) => s === 200),
    );
    const created = await a.api('/api/video/conferences', {
      method: 'POST',
      body: { display_name: 'after the freeze' },
    });
    assert.equal(created.status, 200);
    assert.equal((await b.api(`/api/video/conferences/${created.body.id}`)).status, 200);
    t.diagnostic(
      `frozen database: 503 after ${replies.map((r) => Math.round(r.ms)).join(', ')} ms; ` +
        `ready again ${Math.round(recovery)} ms after it resumed`,
    );
  });
});
