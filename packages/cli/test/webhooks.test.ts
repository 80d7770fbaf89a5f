import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RestClient, type WebhookDelivery, type WebhookEndpointWithSecret } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { BIN, cleanEnv, runCli } from './helpers/run-cli.js';

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
      // Everything since an hour ago (inside the event retention, which refuses older).
      const since = await conclave(
        'webhooks',
        'replay',
        endpoint.id,
        '--since',
        new Date(Date.now() - 3_600_000).toISOString(),
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

/** A long-running `conclave …`: its output so far, and a way to stop it with SIGINT. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: 'pipe' });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    out,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('conclave events tail and webhooks listen', () => {
  it('tail prints events as they happen; listen forwards them signed', async () => {
    const bodies: { signature: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push({ signature: String(req.headers['conclave-signature']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const client = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
    });
    await client.video.rooms.create({ name: 'before-listen' });
    const tail = startCli(['events', 'tail', '--json']);
    const listen = startCli([
      'webhooks',
      'listen',
      '--forward-to',
      `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    ]);
    try {
      await until(() => /Signing with whsec_/.test(listen.out.stderr), 'listen to be ready');
      const secret = /Signing with (whsec_\S+)/.exec(listen.out.stderr)![1]!;
      const room = await client.video.rooms.create({ name: 'tailed' });
      await until(() => tail.out.stdout.includes(room.id), 'tail to print the room');
      await until(() => bodies.length >= 1, 'the forwarded event');
      const lines = tail.out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { name: string } });
      assert.deepEqual(
        lines
          .filter((l) => l.type === 'room.created')
          .map((l) => l.object.name)
          .slice(-2),
        ['before-listen', 'tailed'],
      );
      // listen starts from now: only the new room, signed with the printed secret.
      assert.equal(bodies.length, 1);
      const { signature, body } = bodies[0]!;
      assert.equal((JSON.parse(body) as { object: { id: string } }).object.id, room.id);
      const t = /t=(\d+)/.exec(signature)![1]!;
      const v1 = /v1=([0-9a-f]+)/.exec(signature)![1]!;
      assert.equal(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), v1);
      await until(() => / room\.created .* → 204$/m.test(listen.out.stdout), 'listen to log it');
    } finally {
      assert.equal(await tail.stop(), 0);
      assert.equal(await listen.stop(), 0);
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
