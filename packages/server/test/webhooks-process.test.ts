import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { eventually } from './helpers/eventually.js';
import { spawnServer } from './helpers/server-process.js';
import { basicAuth } from './helpers/test-server.js';
import { createTestDatabase } from './helpers/test-database.js';

describe('webhook deliveries across a SIGKILL', () => {
  it('lose nothing: a restarted server sends what the killed one left, duplicates by event id', async () => {
    const database = await createTestDatabase();
    const held: ServerResponse[] = [];
    let answering = false;
    const received: string[] = [];
    const answered = new Set<string>();
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['conclave-event-id']));
        if (answering) {
          answered.add(String(req.headers['conclave-event-id']));
          res.end('ok');
        } else held.push(res); // in flight when the server dies
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const projectId = randomUUID();
    const token = `PT${randomBytes(24).toString('hex')}`;
    const env = {
      DATABASE_URL: database.url,
      CONCLAVE_PROJECT_ID: projectId,
      CONCLAVE_API_TOKEN: token,
      CONCLAVE_WEBHOOKS_ALLOW_PRIVATE: '1',
      // A claim lasts the attempt's limit plus 5 s: the restarted server retries after that.
      CONCLAVE_WEBHOOK_TIMEOUT_MS: '500',
      CONCLAVE_MEDIA: 'off',
    };
    const api = (url: string, path: string, body: unknown) =>
      fetch(url + path, {
        method: 'POST',
        headers: { authorization: basicAuth(projectId, token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await spawnServer(env);
    let second: typeof first | undefined;
    try {
      const endpoint = await api(first.url, '/conclave/v1/webhooks', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      });
      assert.equal(endpoint.status, 201);
      const rooms: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await api(first.url, '/api/video/rooms', { name: `killed-${i}` });
        assert.equal(res.status, 200);
        rooms.push(((await res.json()) as { id: string }).id);
      }
      await eventually(async () => assert.ok(received.length >= 1, 'a delivery is in flight'));
      first.child.kill('SIGKILL');
      await first.exited;
      for (const res of held) res.destroy();
      answering = true;
      const inFlight = new Set(received);
      second = await spawnServer(env);
      const events = (await (
        await fetch(`${second.url}/conclave/v1/events`, {
          headers: { authorization: basicAuth(projectId, token) },
        })
      ).json()) as { data: { id: string; type: string; object: { id: string } }[] };
      const created = events.data.filter((e) => e.type === 'room.created');
      assert.deepEqual(
        created.map((e) => e.object.id),
        rooms,
        'every acknowledged change has its event',
      );
      await eventually(async () => {
        for (const event of created) assert.ok(answered.has(event.id), `event ${event.id}`);
      }, 15_000);
      // What was in flight when the server died came again, with the same event id.
      for (const id of inFlight) assert.ok(received.filter((r) => r === id).length >= 2, id);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null)
        first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await database.drop();
    }
  });
});
