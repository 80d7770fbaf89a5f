/**
 * The retention sweep (`CONCLAVE_EVENTS_RETENTION_DAYS`, docs/webhooks.md "What is kept"): events
 * older than the retention go with their deliveries and attempts, except those a pending delivery
 * still needs; a replay from before the retention is refused. The clock is injected and jumps.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const DAY = 86_400_000;
let offset = 0;
const clock = () => Date.now() + offset;

let server: TestServer;
let receiver: Server;
let url = '';
before(async () => {
  // 200 on /ok, 500 on /down (its deliveries stay pending: the retries are an hour apart).
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url === '/ok' ? 200 : 500).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startTestServer({
    now: clock,
    webhooks: {
      pollMs: 10,
      retryBaseMs: 3_600_000,
      retentionMs: DAY,
      sweepEveryMs: 1,
      sweepBatch: 2,
    },
  });
});
after(async () => {
  await server.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

type Ev = { id: string; type: string; object: { id: string } };
async function events(): Promise<Ev[]> {
  const res = await server.api('/conclave/v1/events?limit=100');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Ev[];
}

describe('event retention', () => {
  it('sweeps old delivered events with their deliveries and attempts, keeps what is pending', async () => {
    const ok = await server.api('/conclave/v1/webhooks', {
      method: 'POST',
      body: { url: `${url}/ok`, event_types: ['conference.created'] },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const down = await server.api('/conclave/v1/webhooks', {
      method: 'POST',
      body: { url: `${url}/down`, event_types: ['room.created'] },
    });
    assert.equal(down.status, 201);
    const conferences: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await server.api('/api/video/conferences', {
        method: 'POST',
        body: { display_name: `retained ${i}` },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      conferences.push(res.body.id as string);
    }
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `retained-${Date.now()}` },
    });
    assert.ok(room.status < 300, JSON.stringify(room.body));
    // Delivered (ok), attempted and pending (down).
    await eventually(async () => {
      const d = await server.api(`/conclave/v1/webhooks/${ok.body.id}/deliveries`);
      assert.equal(d.body.data.length, 5);
      assert.ok(d.body.data.every((x: { status: string }) => x.status === 'delivered'));
      const a = await server.api(`/conclave/v1/webhooks/${down.body.id}/attempts`);
      assert.equal(a.body.data.length, 1);
    });
    assert.equal((await events()).length, 6);

    // Within the retention nothing goes.
    offset = DAY / 2;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await events()).length, 6);
    const recent = await server.api(`/conclave/v1/webhooks/${ok.body.id}/replay`, {
      method: 'POST',
      body: { since: new Date(clock() - DAY + 60_000).toISOString() },
    });
    assert.equal(recent.status, 202, JSON.stringify(recent.body));
    assert.equal(recent.body.replayed, 5);
    await eventually(async () => {
      const d = await server.api(`/conclave/v1/webhooks/${ok.body.id}/deliveries`);
      assert.equal(d.body.data.length, 10);
      assert.ok(d.body.data.every((x: { status: string }) => x.status === 'delivered'));
    });

    // Past it: the delivered events go, 2 a round; the room's, with a pending delivery, stays.
    offset = 2 * DAY;
    await eventually(async () => {
      const left = await events();
      assert.deepEqual(
        left.map((e) => e.type),
        ['room.created'],
      );
    });
    const deliveries = await server.api(`/conclave/v1/webhooks/${ok.body.id}/deliveries`);
    assert.deepEqual(deliveries.body.data, []);
    const attempts = await server.api(`/conclave/v1/webhooks/${ok.body.id}/attempts`);
    assert.deepEqual(attempts.body.data, []);
    const pending = await server.api(`/conclave/v1/webhooks/${down.body.id}/deliveries`);
    assert.equal(pending.body.data.length, 1);
    assert.equal(pending.body.data[0].status, 'pending');
  });

  it('refuses a replay from before the retention with a 422 naming since', async () => {
    const ep = await server.api('/conclave/v1/webhooks', {
      method: 'POST',
      body: { url: `${url}/ok` },
    });
    const res = await server.api(`/conclave/v1/webhooks/${ep.body.id}/replay`, {
      method: 'POST',
      body: { since: new Date(clock() - DAY - 60_000).toISOString() },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /since/);
    assert.match(JSON.stringify(res.body), /retention \(1 days\)/);
  });
});
