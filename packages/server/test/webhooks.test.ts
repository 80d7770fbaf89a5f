import assert from 'node:assert/strict';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SessionWrite } from '../src/store/store.js';
import { isPrivateAddress } from '../src/webhooks/ssrf-guard.js';
import { retryDelay } from '../src/webhooks/webhook-worker.js';
import { eventually } from './helpers/eventually.js';
import { startTestServer, type TestProject, type TestServer } from './helpers/test-server.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; object: { id: string; room_session_id?: string } };
}

/** A webhook receiver: answers `status()` and keeps what it accepted (2xx). */
async function startReceiver(status: () => number = () => 200) {
  const accepted: Received[] = [];
  let refused = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const code = status();
      if (code >= 200 && code < 300) {
        accepted.push({ headers: req.headers, body, event: JSON.parse(body) as Received['event'] });
      } else refused++;
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(code >= 300 ? `down for maintenance (${code})` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    accepted,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the SDK's verifyWebhook does: any `v1` of the header matching the body under `secret`. */
function verifies(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts.some(
    ([k, v]) =>
      k === 'v1' && v.length === expected.length && timingSafeEqual(Buffer.from(v), expected),
  );
}

/** A session with members joining, muting and leaving: its writes, in order. */
function sessionWrites(projectId: string, members: number, t0: number): SessionWrite[] {
  const sessionId = randomUUID();
  const writes: SessionWrite[] = [
    { kind: 'start', session: { id: sessionId, projectId, name: `s-${sessionId}`, startTime: t0 } },
  ];
  for (let i = 0; i < members; i++) {
    writes.push({
      kind: 'member',
      member: {
        id: randomUUID(),
        projectId,
        roomSessionId: sessionId,
        name: `m${i}`,
        joinTime: t0 + i + 1,
      },
    });
  }
  writes.push({ kind: 'end', projectId, sessionId, at: t0 + 1000 });
  return writes;
}

/** Events per session, in the order received, as `type:id` of the object. */
function perSession(received: Received[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { event } of received) {
    const key = event.object.room_session_id ?? event.object.id;
    out.set(key, [...(out.get(key) ?? []), event.id]);
  }
  return out;
}

const ascending = (ids: string[]) =>
  ids.every((id, i) => i === 0 || Number(ids[i - 1]) < Number(id));

let server: TestServer;
before(async () => {
  server = await startTestServer({
    webhooks: { retryBaseMs: 20, retryCapMs: 80, pollMs: 10, timeoutMs: 2000 },
  });
});
after(async () => {
  await server.close();
});

async function createEndpoint(body: Record<string, unknown>, project?: TestProject) {
  const res = await server.api('/conclave/v1/webhooks', {
    method: 'POST',
    body,
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; secret: string; url: string; event_types: string[] };
}

describe('webhook endpoints', () => {
  it('are created, read, updated, rotated and deleted; the secret shows only on create and rotate', async () => {
    const created = await createEndpoint({
      url: 'https://hooks.example.com/conclave',
      event_types: ['room.created', 'session.started'],
      description: 'ops',
    });
    assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(created.event_types, ['room.created', 'session.started']);
    const read = await server.api(`/conclave/v1/webhooks/${created.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.secret, undefined);
    assert.equal(read.body.enabled, true);
    const list = await server.api('/conclave/v1/webhooks');
    assert.ok(list.body.data.some((e: { id: string }) => e.id === created.id));
    assert.ok(list.body.data.every((e: { secret?: string }) => e.secret === undefined));
    const patched = await server.api(`/conclave/v1/webhooks/${created.id}`, {
      method: 'PATCH',
      body: { enabled: false, event_types: ['*'] },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.enabled, false);
    assert.deepEqual(patched.body.event_types, ['*']);
    const rotated = await server.api(`/conclave/v1/webhooks/${created.id}/rotate_secret`, {
      method: 'POST',
      body: { keep_previous_for_seconds: 60 },
    });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, created.secret);
    assert.ok(rotated.body.previous_secret_expires_at);
    // Another project sees none of it.
    const other = await server.newProject();
    const foreign = await server.api(`/conclave/v1/webhooks/${created.id}`, { project: other });
    assert.equal(foreign.status, 404);
    const foreignList = await server.api('/conclave/v1/webhooks', { project: other });
    assert.deepEqual(foreignList.body.data, []);
    const foreignDelete = await server.api(`/conclave/v1/webhooks/${created.id}`, {
      method: 'DELETE',
      project: other,
    });
    assert.equal(foreignDelete.status, 404);
    assert.equal(
      (await server.api(`/conclave/v1/webhooks/${created.id}`, { method: 'DELETE' })).status,
      204,
    );
    assert.equal((await server.api(`/conclave/v1/webhooks/${created.id}`)).status, 404);
  });

  it('refuses bad input with 422s naming the field, and unknown ids with 404', async () => {
    const bad = await server.api('/conclave/v1/webhooks', {
      method: 'POST',
      body: { url: 'ftp://example.com', event_types: ['no.such'] },
    });
    assert.equal(bad.status, 422);
    const attributes = bad.body.errors.map((e: { attribute: string }) => e.attribute).sort();
    assert.ok(
      attributes.includes('url') && attributes.some((a: string) => a.startsWith('event_types')),
    );
    assert.equal(
      (await server.api('/conclave/v1/webhooks', { method: 'POST', body: {} })).status,
      422,
    );
    assert.equal(
      (
        await server.api('/conclave/v1/webhooks/not-a-uuid', {
          method: 'PATCH',
          body: { enabled: true },
        })
      ).status,
      404,
    );
    const replay = await server.api(`/conclave/v1/webhooks/${randomUUID()}/replay`, {
      method: 'POST',
      body: { since: 'yesterday' },
    });
    assert.equal(replay.status, 422);
  });
});

describe('webhook URLs and server-side request forgery', () => {
  it('refuses private and loopback addresses unless allowed', async () => {
    const strict = await startTestServer({ webhooks: { allowPrivate: false } });
    try {
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://10.1.2.3/hook',
        'http://[::1]/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://localhost/hook',
        'http://[::ffff:192.168.0.1]/',
      ]) {
        const res = await strict.api('/conclave/v1/webhooks', { method: 'POST', body: { url } });
        assert.equal(res.status, 422, url);
        assert.equal(res.body.errors[0].attribute, 'url');
        assert.match(res.body.errors[0].message, /CONCLAVE_WEBHOOKS_ALLOW_PRIVATE/);
      }
      const ok = await strict.api('/conclave/v1/webhooks', {
        method: 'POST',
        body: { url: 'https://93.184.215.14/hook' },
      });
      assert.equal(ok.status, 201);
    } finally {
      await strict.close();
    }
    assert.equal(isPrivateAddress('8.8.8.8'), false);
    assert.equal(isPrivateAddress('2606:4700::1111'), false);
    assert.equal(isPrivateAddress('fd00::1'), true);
  });
});

describe('webhook deliveries', () => {
  it('reach a receiver that was down, every event, in order per session, signed', async () => {
    let up = false;
    const receiver = await startReceiver(() => (up ? 200 : 503));
    try {
      const project = await server.newProject();
      const endpoint = await createEndpoint({ url: receiver.url }, project);
      const t0 = Date.now();
      const a = sessionWrites(project.id, 5, t0);
      const b = sessionWrites(project.id, 5, t0);
      // Interleaved, in several batches, as the live engine writes.
      for (let i = 0; i < a.length; i++) {
        await server.store.applySessionWrites([a[i]!, b[i]!]);
      }
      const written = await server.store.listEvents(project.id, 0, 1000);
      assert.equal(written.length, 2 * (1 + 5 + 5 + 1));
      await eventually(async () => assert.ok(receiver.refused() >= 4, 'tried while down'));
      up = true;
      await eventually(async () => {
        const ids = new Set(receiver.accepted.map((r) => r.event.id));
        assert.equal(ids.size, written.length);
      }, 15_000);
      for (const [session, ids] of perSession(receiver.accepted)) {
        assert.ok(ascending(ids), `session ${session} in order: ${ids.join(' ')}`);
      }
      for (const { headers, body, event } of receiver.accepted) {
        assert.ok(verifies(String(headers['conclave-signature']), body, endpoint.secret));
        assert.ok(!verifies(String(headers['conclave-signature']), body + ' ', endpoint.secret));
        assert.ok(
          !verifies(
            String(headers['conclave-signature']),
            body.replace('"type":"', '"type":"x'),
            endpoint.secret,
          ),
        );
        assert.equal(headers['conclave-event-id'], event.id);
        assert.equal(headers['conclave-event-type'], event.type);
      }
      const attempts = await server.api(`/conclave/v1/webhooks/${endpoint.id}/attempts?limit=200`, {
        project,
      });
      assert.equal(attempts.status, 200);
      const failed = attempts.body.data.filter(
        (a: { status_code: number }) => a.status_code === 503,
      );
      assert.ok(failed.length >= 1);
      assert.equal(failed[0].response_excerpt, 'down for maintenance (503)');
      const deliveries = await server.api(
        `/conclave/v1/webhooks/${endpoint.id}/deliveries?limit=200`,
        {
          project,
        },
      );
      assert.equal(deliveries.body.data.length, written.length);
      assert.ok(deliveries.body.data.every((d: { status: string }) => d.status === 'delivered'));
      // Another project's endpoint list is not this one's; its attempts are not reachable.
      assert.equal((await server.api(`/conclave/v1/webhooks/${endpoint.id}/attempts`)).status, 404);
    } finally {
      await receiver.close();
    }
  });

  it('replays a delivery and everything since a time, with the same event ids', async () => {
    const receiver = await startReceiver();
    try {
      const project = await server.newProject();
      const endpoint = await createEndpoint(
        { url: receiver.url, event_types: ['room.created'] },
        project,
      );
      const since = new Date().toISOString();
      for (const name of ['one', 'two']) {
        const res = await server.api('/api/video/rooms', {
          method: 'POST',
          body: { name },
          project,
        });
        assert.equal(res.status, 200);
      }
      await eventually(async () => assert.equal(receiver.accepted.length, 2));
      const deliveries = await server.api(`/conclave/v1/webhooks/${endpoint.id}/deliveries`, {
        project,
      });
      const first = deliveries.body.data.at(-1);
      const replayed = await server.api(
        `/conclave/v1/webhooks/${endpoint.id}/deliveries/${first.id}/replay`,
        { method: 'POST', project },
      );
      assert.equal(replayed.status, 202);
      assert.equal(replayed.body.event_id, first.event_id);
      await eventually(async () => assert.equal(receiver.accepted.length, 3));
      assert.equal(receiver.accepted[2]!.event.id, first.event_id);
      const all = await server.api(`/conclave/v1/webhooks/${endpoint.id}/replay`, {
        method: 'POST',
        body: { since },
        project,
      });
      assert.equal(all.status, 202);
      assert.equal(all.body.replayed, 2);
      await eventually(async () => assert.equal(receiver.accepted.length, 5));
      assert.deepEqual(
        receiver.accepted.slice(3).map((r) => r.event.id),
        receiver.accepted.slice(0, 2).map((r) => r.event.id),
      );
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets after a rotation, while the old one stays valid', async () => {
    const receiver = await startReceiver();
    try {
      const project = await server.newProject();
      const endpoint = await createEndpoint({ url: receiver.url }, project);
      const rotated = await server.api(`/conclave/v1/webhooks/${endpoint.id}/rotate_secret`, {
        method: 'POST',
        project,
      });
      await server.api('/api/video/rooms', { method: 'POST', body: { name: 'rotated' }, project });
      await eventually(async () => assert.equal(receiver.accepted.length, 1));
      const { headers, body } = receiver.accepted[0]!;
      const header = String(headers['conclave-signature']);
      assert.equal(header.split(',').length, 3, header);
      assert.ok(verifies(header, body, rotated.body.secret));
      assert.ok(verifies(header, body, endpoint.secret));
    } finally {
      await receiver.close();
    }
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled, with an event saying so; enabling it again delivers what it held', async () => {
    const failing = await startTestServer({
      webhooks: { retryBaseMs: 10, retryCapMs: 40, pollMs: 10, disableAfterMs: 300 },
    });
    let up = false;
    const broken = await startReceiver(() => (up ? 200 : 500));
    const watcher = await startReceiver();
    try {
      const create = async (body: Record<string, unknown>) => {
        const res = await failing.api('/conclave/v1/webhooks', { method: 'POST', body });
        assert.equal(res.status, 201);
        return res.body as { id: string };
      };
      const endpoint = await create({ url: broken.url, event_types: ['room.created'] });
      await create({ url: watcher.url, event_types: ['webhook_endpoint.disabled'] });
      await failing.api('/api/video/rooms', { method: 'POST', body: { name: 'held' } });
      await eventually(async () => assert.equal(watcher.accepted.length, 1), 10_000);
      const told = watcher.accepted[0]!.event;
      assert.equal(told.type, 'webhook_endpoint.disabled');
      assert.equal(told.object.id, endpoint.id);
      const read = await failing.api(`/conclave/v1/webhooks/${endpoint.id}`);
      assert.equal(read.body.enabled, false);
      assert.match(read.body.disabled_reason, /failed/);
      up = true;
      const enabled = await failing.api(`/conclave/v1/webhooks/${endpoint.id}`, {
        method: 'PATCH',
        body: { enabled: true },
      });
      assert.equal(enabled.body.disabled_reason, null);
      await eventually(async () => assert.equal(broken.accepted.length, 1));
      assert.equal(broken.accepted[0]!.event.type, 'room.created');
    } finally {
      await failing.close();
      await broken.close();
      await watcher.close();
    }
  });

  it('waits longer after each failure, with jitter', () => {
    const at = (attempt: number, random: number) =>
      retryDelay(attempt, { retryBaseMs: 1000, retryCapMs: 60_000, random: () => random });
    assert.equal(at(1, 0), 500);
    assert.equal(at(1, 0.999_999), 1000);
    assert.equal(at(3, 0), 2000);
    assert.equal(at(20, 1), 60_000);
  });
});
