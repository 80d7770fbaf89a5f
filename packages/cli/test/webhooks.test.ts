import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RestClient, type WebhookDelivery, type WebhookEndpointWithSecret } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });
const json = <T>(text: string) => JSON.parse(text) as T;

before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
});
after(() => server.close());

describe('conclave webhooks', () => {
  it('create, list, update, deliveries, attempts, replay, rotate-secret and delete', async () => {
    const got: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        got.push(body);
        res.end('thanks');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await conclave(
        'webhooks',
        'create',
        '--endpoint-url',
        url,
        '--events',
        'room.created',
        '--json',
      );
      assert.equal(created.code, 0, created.stderr);
      const endpoint = json<WebhookEndpointWithSecret>(created.stdout);
      assert.match(endpoint.secret, /^whsec_/);
      const bad = await conclave(
        'webhooks',
        'create',
        '--endpoint-url',
        url,
        '--events',
        'no.such',
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unknown event type no\.such/);
      const list = await conclave('webhooks', 'list');
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`^${endpoint.id} +${url} +room\\.created +yes`, 'm'));

      const client = new RestClient({
        project: server.projectId,
        token: server.apiToken,
        host: server.url,
      });
      await client.video.rooms.create({ name: 'cli-hooked' });
      const deadline = Date.now() + 10_000;
      while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.length, 1);

      const deliveries = await conclave('webhooks', 'deliveries', endpoint.id, '--json');
      assert.equal(deliveries.code, 0, deliveries.stderr);
      const [delivery] = json<WebhookDelivery[]>(deliveries.stdout);
      assert.equal(delivery!.status, 'delivered');
      const attempts = await conclave('webhooks', 'attempts', endpoint.id);
      assert.match(attempts.stdout, / 200 +\d+ +thanks$/m);
      const replay = await conclave('webhooks', 'replay', endpoint.id, '--delivery', delivery!.id);
      assert.equal(replay.code, 0, replay.stderr);
      assert.match(replay.stdout, /^Queued delivery .* of event \d+$/m);
      const neither = await conclave('webhooks', 'replay', endpoint.id);
      assert.equal(neither.code, 2);
      const since = await conclave(
        'webhooks',
        'replay',
        endpoint.id,
        '--since',
        '2000-01-01T00:00:00Z',
      );
      assert.match(since.stdout, /^Queued 1 deliveries$/m);

      const disabled = await conclave('webhooks', 'update', endpoint.id, '--disable', '--json');
      assert.equal(json<{ enabled: boolean }>(disabled.stdout).enabled, false);
      const rotated = await conclave('webhooks', 'rotate-secret', endpoint.id, '--json');
      assert.notEqual(json<{ secret: string }>(rotated.stdout).secret, endpoint.secret);
      const deleted = await conclave('webhooks', 'delete', endpoint.id);
      assert.equal(deleted.code, 0, deleted.stderr);
      const gone = await conclave('webhooks', 'get', endpoint.id);
      assert.equal(gone.code, 1);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
