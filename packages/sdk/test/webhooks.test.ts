import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, RestClient, UnprocessableEntityError } from '@conclave/sdk';
import { verifyWebhook, WebhookVerificationError } from '@conclave/sdk/webhooks';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

async function receiver() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`,
    got,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

async function until(check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client.conclave.webhooks', () => {
  it('manages an endpoint and its deliveries; verifyWebhook trusts only the real body', async () => {
    const hook = await receiver();
    try {
      const endpoint = await client.conclave.webhooks.create({
        url: hook.url,
        eventTypes: ['room.created'],
      });
      assert.match(endpoint.secret, /^whsec_/);
      assert.deepEqual(
        (await client.conclave.webhooks.list()).map((e) => e.id),
        [endpoint.id],
      );
      const room = await client.video.rooms.create({ name: 'hooked' });
      await until(() => hook.got.length === 1);
      const { headers, body } = hook.got[0]!;
      const event = verifyWebhook(body, headers['conclave-signature'], endpoint.secret);
      assert.equal(event.type, 'room.created');
      assert.equal(event.object.id, room.id);
      assert.throws(
        () =>
          verifyWebhook(
            body.replace('hooked', 'hacked'),
            headers['conclave-signature'],
            endpoint.secret,
          ),
        WebhookVerificationError,
      );
      assert.throws(
        () => verifyWebhook(body, headers['conclave-signature'], 'whsec_wrong'),
        WebhookVerificationError,
      );
      assert.throws(
        () =>
          verifyWebhook(body, headers['conclave-signature'], endpoint.secret, {
            now: Date.now() + 3600_000,
          }),
        /too old/,
      );
      const rotated = await client.conclave.webhooks.rotateSecret(endpoint.id);
      assert.notEqual(rotated.secret, endpoint.secret);
      const deliveries = await client.conclave.webhooks.listDeliveries(endpoint.id);
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0]!.status, 'delivered');
      const attempts = await client.conclave.webhooks.listAttempts(endpoint.id);
      assert.equal(attempts[0]!.status_code, 200);
      await client.conclave.webhooks.replayDelivery(endpoint.id, deliveries[0]!.id);
      await until(() => hook.got.length === 2);
      const replayed = verifyWebhook(
        hook.got[1]!.body,
        hook.got[1]!.headers['conclave-signature'],
        [rotated.secret],
      );
      assert.equal(replayed.id, event.id);
      // Everything since an hour ago (inside the event retention): the one event.
      assert.equal(
        await client.conclave.webhooks.replaySince(endpoint.id, new Date(Date.now() - 3_600_000)),
        1,
      );
      const events = await client.conclave.events({ after: String(Number(event.id) - 1) });
      assert.equal(events[0]!.id, event.id);
      const off = await client.conclave.webhooks.update(endpoint.id, { enabled: false });
      assert.equal(off.enabled, false);
      await client.conclave.webhooks.delete(endpoint.id);
      await assert.rejects(client.conclave.webhooks.get(endpoint.id), NotFoundError);
      await assert.rejects(
        client.conclave.webhooks.create({ url: 'ftp://example.com' }),
        UnprocessableEntityError,
      );
    } finally {
      await hook.close();
    }
  });
});
