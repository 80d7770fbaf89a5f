import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_TOKEN,
  basicAuth,
  startTestServer,
  type TestProject,
  type TestServer,
} from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const unauthorized = (res: { status: number; body: unknown; headers: Headers }) => {
  assert.equal(res.status, 401);
  assert.deepEqual(res.body, { error: 'Unauthorized' });
  assert.equal(res.headers.get('www-authenticate'), 'Basic realm="conclave"');
};

describe('credentials (D1, D2)', () => {
  it('refuses missing, malformed and wrong credentials with 401', async () => {
    const p = server.project;
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      bearer: `Bearer ${p.token}`,
      'not base64': 'Basic !!!',
      'no colon': 'Basic ' + Buffer.from(p.id).toString('base64'),
      'wrong token': basicAuth(p.id, 'PT' + '0'.repeat(48)),
      'empty token': basicAuth(p.id, ''),
      'token of the right project, wrong id': basicAuth(
        '00000000-0000-4000-8000-000000000000',
        p.token,
      ),
      'non-uuid project': basicAuth('my-project', p.token),
      'token with a suffix': basicAuth(p.id, p.token + 'x'),
      'huge token': basicAuth(p.id, 'x'.repeat(5000)),
    };
    for (const [label, header] of Object.entries(cases)) {
      const res = await server.api('/api/video/conferences', {
        ...(header === undefined ? { anonymous: true } : { headers: { authorization: header } }),
      });
      assert.equal(res.status, 401, label);
      unauthorized(res);
    }
  });

  it('leaves out the Basic challenge for a page script (X-Requested-With), which would get a login dialog', async () => {
    const p = server.project;
    for (const authorization of [undefined, basicAuth(p.id, 'PT' + '0'.repeat(48))]) {
      const res = await server.api('/api/video/conferences', {
        headers: {
          'x-requested-with': 'XMLHttpRequest',
          ...(authorization ? { authorization } : {}),
        },
        ...(authorization ? {} : { anonymous: true }),
      });
      assert.equal(res.status, 401, 'still refused');
      assert.deepEqual(res.body, { error: 'Unauthorized' });
      assert.equal(res.headers.get('www-authenticate'), null, 'no challenge');
    }
  });

  it("refuses one project's token presented with another project's id", async () => {
    const other = await server.newProject();
    unauthorized(
      await server.api('/api/video/conferences', {
        headers: { authorization: basicAuth(other.id, server.project.token) },
      }),
    );
  });

  it('answers 403 to a valid token without the video scope', async () => {
    const noVideo = await server.newProject([]);
    const res = await server.api('/api/video/conferences', { project: noVideo });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, { error: 'Forbidden' });
  });

  it('refuses a revoked token on the very next request', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const created = await fetch(`${server.url}/admin/v1/projects/${server.project.id}/api_tokens`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived' }),
    });
    assert.equal(created.status, 201);
    const token = (await created.json()) as { id: string; token: string };
    const project: TestProject = {
      id: server.project.id,
      token: token.token,
      auth: basicAuth(server.project.id, token.token),
    };
    assert.equal((await server.api('/api/video/conferences', { project })).status, 200);
    const revoked = await fetch(
      `${server.url}/admin/v1/projects/${server.project.id}/api_tokens/${token.id}`,
      { method: 'DELETE', headers: admin },
    );
    assert.equal(revoked.status, 204);
    unauthorized(await server.api('/api/video/conferences', { project }));
  });

  it('stores API tokens only as hashes', async () => {
    const found = await server.store.findApiToken(server.project.id, server.project.token);
    assert.equal(found, undefined, 'the plain token is not a stored value');
  });

  it('keeps health endpoints open', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok' });
  });
});

describe('project isolation (D7)', () => {
  let mine: TestProject;
  let theirs: TestProject;
  let conference: { id: string; name: string };
  let tokenIds: string[];

  before(async () => {
    mine = await server.newProject();
    theirs = await server.newProject();
    const res = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { display_name: 'secret', name: 'secret-meeting' },
      project: mine,
    });
    conference = res.body;
    const tokens = await server.api(`/api/video/conferences/${conference.id}/conference_tokens`, {
      project: mine,
    });
    tokenIds = tokens.body.data.map((t: { id: string }) => t.id);
  });

  it('never lists, reads, changes or deletes another project’s conference', async () => {
    const list = await server.api('/api/video/conferences?page_size=1000', { project: theirs });
    assert.ok(!list.body.data.some((c: { id: string }) => c.id === conference.id));
    const calls = [
      { path: `/api/video/conferences/${conference.id}` },
      { path: `/api/video/conferences/${conference.id}?include_active_session=true` },
      {
        path: `/api/video/conferences/${conference.id}`,
        method: 'PUT',
        body: { display_name: 'pwned' },
      },
      { path: `/api/video/conferences/${conference.id}/conference_tokens` },
      { path: `/api/video/conferences/${conference.id}`, method: 'DELETE' },
      ...tokenIds.flatMap((id) => [
        { path: `/api/video/conference_tokens/${id}` },
        { path: `/api/video/conference_tokens/${id}/reset`, method: 'POST' },
      ]),
    ];
    for (const call of calls) {
      const res = await server.api(call.path, { ...call, project: theirs });
      assert.equal(res.status, 404, `${call.method ?? 'GET'} ${call.path}`);
      assert.deepEqual(res.body, { error: 'Not Found' });
    }
    // Untouched for its owner.
    const own = await server.api(`/api/video/conferences/${conference.id}`, { project: mine });
    assert.equal(own.body.display_name, 'secret');
    const tokensAfter = await server.api(
      `/api/video/conferences/${conference.id}/conference_tokens`,
      {
        project: mine,
      },
    );
    assert.equal(tokensAfter.body.data.length, 2);
  });

  it('lets another project reuse the same name', async () => {
    const res = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { display_name: 'mine too', name: 'secret-meeting' },
      project: theirs,
    });
    assert.equal(res.status, 200);
  });
});

describe('unknown routes', () => {
  it('answers a JSON 404', async () => {
    const res = await server.api('/api/video/nothing-here', { skipSpec: true });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'Not Found' });
  });
});
