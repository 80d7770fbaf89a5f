import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestMember } from './helpers/realtime-client.js';
import { spawnServer } from './helpers/server-process.js';
import { testEngine } from './helpers/test-database.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** The value of one series in Prometheus' text format (labels as written, in order). */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

let server: TestServer;
before(async () => {
  server = await startTestServer({ realtime: { graceMs: 1000, leaseMs: 5000 } });
});
after(() => server.close());

describe('GET /metrics', () => {
  it('counts requests by route, database queries, sessions, members, joins and refusals', async () => {
    const created = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { name: `metrics_${Date.now()}`, display_name: 'Metrics' },
    });
    assert.equal(created.status, 200, created.text);
    const tokens = await server.api(`/api/video/conferences/${created.body.id}/conference_tokens`);
    const guest = (tokens.body.data as { name: string; token: string }[]).find(
      (t) => t.name === 'Guest',
    )!.token;
    const member = await TestMember.join(server.url, guest, { name: 'Ada' });
    await assert.rejects(TestMember.join(server.url, 'not-a-token'), /4401/);

    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.equal(sample(text, 'conclave_live_sessions'), 1);
    assert.equal(sample(text, 'conclave_live_members'), 1);
    assert.equal(sample(text, 'conclave_joins_total'), 1);
    assert.equal(sample(text, 'conclave_join_refusals_total{reason="invalid_token"}'), 1);
    assert.equal(sample(text, 'conclave_media_workers'), 0);
    assert.equal(sample(text, 'conclave_outputs_running{kind="recording"}'), 0);
    assert.equal(sample(text, 'conclave_outputs_running{kind="stream"}'), 0);
    // The route's pattern, not the URL with its id.
    assert.equal(
      sample(
        text,
        'conclave_http_request_duration_seconds_count{method="POST",route="/api/video/conferences",status="200"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'conclave_http_request_duration_seconds_count{method="GET",route="/api/video/conferences/:id/conference_tokens",status="200"}',
      ),
      1,
    );
    assert.ok(!text.includes(created.body.id as string), 'no resource id in a label');
    assert.ok((sample(text, 'conclave_db_query_duration_seconds_count{outcome="ok"}') ?? 0) > 0);
    assert.ok(text.includes('conclave_process_cpu_seconds_total'));

    member.socket.close();
    await member.closed;
  });
});

describe('media metrics', () => {
  it('are read from the workers at the scrape that shows them, not the one before', async () => {
    const withMedia = await startTestServer({ media: { workers: 1 } });
    try {
      // Workers start with the first session that needs one.
      const created = await withMedia.api('/api/video/conferences', {
        method: 'POST',
        body: { name: `metrics_media_${Date.now()}`, display_name: 'Media metrics' },
      });
      const tokens = await withMedia.api(
        `/api/video/conferences/${created.body.id}/conference_tokens`,
      );
      const guest = (tokens.body.data as { name: string; token: string }[]).find(
        (t) => t.name === 'Guest',
      )!.token;
      const member = await TestMember.join(withMedia.url, guest, { name: 'Ada' });
      const text = await (await fetch(`${withMedia.url}/metrics`)).text();
      assert.equal(sample(text, 'conclave_media_workers'), 1, 'the first scrape sees the worker');
      assert.equal(sample(text, 'conclave_media_transports'), 0);
      member.socket.close();
      await member.closed;
    } finally {
      await withMedia.close();
    }
  });
});

describe('the database pool', () => {
  it('is read at each scrape on PostgreSQL; SQLite has none', async () => {
    await server.api('/api/video/conferences');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const state = (s: string) => sample(text, `conclave_db_pool_connections{state="${s}"}`);
    if (testEngine() !== 'postgres') {
      assert.ok(!text.includes('conclave_db_pool_connections'));
      return;
    }
    const [open, idle, waiting, max] = ['open', 'idle', 'waiting', 'max'].map(state);
    assert.ok(open !== undefined && open >= 1, `open ${open}`);
    assert.ok(idle !== undefined && idle <= open, `idle ${idle}`);
    assert.equal(waiting, 0);
    assert.ok(max !== undefined && max >= open, `max ${max}`);
  });
});

describe('CONCLAVE_METRICS_TOKEN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-metrics-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('asks for the token as a bearer token when set', async () => {
    const node = await spawnServer({
      DATABASE_URL: join(dir, 'metrics.sqlite'),
      CONCLAVE_METRICS_TOKEN: 'scrape-secret-0123456789',
    });
    try {
      const without = await fetch(`${node.url}/metrics`);
      assert.equal(without.status, 401);
      assert.deepEqual(await without.json(), { error: 'Unauthorized' });
      const wrong = await fetch(`${node.url}/metrics`, {
        headers: { authorization: 'Bearer scrape-secret-9876543210' },
      });
      assert.equal(wrong.status, 401);
      const right = await fetch(`${node.url}/metrics`, {
        headers: { authorization: 'Bearer scrape-secret-0123456789' },
      });
      assert.equal(right.status, 200);
      assert.ok((await right.text()).includes('conclave_live_sessions 0'));
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });
});
