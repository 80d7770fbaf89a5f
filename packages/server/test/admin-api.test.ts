import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.js';
import {
  ADMIN_TOKEN,
  basicAuth,
  createTestStore,
  startTestServer,
  type TestServer,
} from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function admin(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('admin API (D20)', () => {
  it('refuses a missing or wrong admin token', async () => {
    assert.equal((await admin('/projects', { token: 'wrong' })).status, 401);
    const res = await fetch(`${server.url}/admin/v1/projects`);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: 'Unauthorized' });
  });

  it('creates, lists and deletes projects; API tokens are shown once and listed by prefix', async () => {
    const project = await admin('/projects', { method: 'POST', body: { name: 'Acme' } });
    assert.equal(project.status, 201);
    assert.equal(project.body.name, 'Acme');
    const listed = await admin('/projects?page_size=1000');
    assert.ok(listed.body.data.some((p: { id: string }) => p.id === project.body.id));

    const token = await admin(`/projects/${project.body.id}/api_tokens`, {
      method: 'POST',
      body: { name: 'ci', scopes: ['video'] },
    });
    assert.equal(token.status, 201);
    assert.match(token.body.token, /^PT[0-9a-f]{48}$/);
    assert.equal(token.body.prefix, token.body.token.slice(0, 8));
    const tokens = await admin(`/projects/${project.body.id}/api_tokens`);
    assert.equal(tokens.body.data.length, 1);
    assert.equal(tokens.body.data[0].token, undefined, 'the secret is never listed');
    assert.equal(tokens.body.data[0].prefix, token.body.prefix);

    const auth = basicAuth(project.body.id, token.body.token);
    const created = await fetch(`${server.url}/api/video/conferences`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'acme' }),
    });
    assert.equal(created.status, 200);

    assert.equal((await admin(`/projects/${project.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await admin(`/projects/${project.body.id}`, { method: 'DELETE' })).status, 404);
    const after = await fetch(`${server.url}/api/video/conferences`, {
      headers: { authorization: auth },
    });
    assert.equal(after.status, 401, 'a deleted project’s tokens are gone');
  });

  it('validates bodies and ids', async () => {
    const res = await admin('/projects', { method: 'POST', body: {} });
    assert.equal(res.status, 422);
    assert.equal(res.body.errors[0].attribute, 'name');
    const scopes = await admin(`/projects/${server.project.id}/api_tokens`, {
      method: 'POST',
      body: { name: 'x', scopes: ['admin'] },
    });
    assert.equal(scopes.status, 422);
    assert.equal((await admin('/projects/nope/api_tokens')).status, 404);
    assert.equal(
      (
        await admin('/projects/00000000-0000-4000-8000-000000000000/api_tokens', {
          method: 'POST',
          body: { name: 'x' },
        })
      ).status,
      404,
    );
  });

  it('does not exist when CONCLAVE_ADMIN_TOKEN is unset', async () => {
    const { store, cleanup } = await createTestStore();
    const app = await buildApp({
      store,
      config: { publicUrl: 'http://x', adminToken: undefined, rateLimitPerMinute: 0 },
    });
    const res = await app.inject({
      url: '/admin/v1/projects',
      headers: { authorization: 'Bearer anything' },
    });
    assert.equal(res.statusCode, 404);
    await app.close();
    await cleanup();
  });
});

describe('rate limit', () => {
  it('answers 429 with the plain error body past the limit', async () => {
    const limited = await startTestServer({ rateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await fetch(`${limited.url}/healthz`);
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.deepEqual(await last!.json(), { error: 'Too Many Requests' });
      assert.ok(last!.headers.get('retry-after'));
    } finally {
      await limited.close();
    }
  });
});
