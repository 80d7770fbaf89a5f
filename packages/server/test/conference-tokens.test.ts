import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CONFERENCE_TOKEN_TEMPLATES,
  ROOM_CONTROL_SCOPES,
  ROOM_MEMBER_SCOPES,
  ROOM_SELF_SCOPES,
} from '@conclave/schema';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
let conference: { id: string };
before(async () => {
  server = await startTestServer();
  conference = (
    await server.api('/api/video/conferences', { method: 'POST', body: { display_name: 'tokens' } })
  ).body;
});
after(async () => {
  await server.close();
});

describe('GET /api/video/conferences/{id}/conference_tokens', () => {
  it('lists a Moderator and a Guest token with their scopes (D18)', async () => {
    const res = await server.api(`/api/video/conferences/${conference.id}/conference_tokens`);
    assert.equal(res.status, 200);
    const [moderator, guest] = res.body.data;
    assert.equal(moderator.name, 'Moderator');
    assert.equal(guest.name, 'Guest');
    assert.deepEqual(moderator.scopes, [
      ...ROOM_SELF_SCOPES,
      ...ROOM_MEMBER_SCOPES,
      ...ROOM_CONTROL_SCOPES,
    ]);
    assert.deepEqual(guest.scopes, [...ROOM_SELF_SCOPES]);
    assert.equal(CONFERENCE_TOKEN_TEMPLATES.length, 2);
    for (const t of res.body.data) {
      assert.match(t.token, /^vpt_[0-9a-f]{32}$/);
      assert.deepEqual(Object.keys(t), ['id', 'name', 'token', 'scopes']);
    }
    assert.notEqual(moderator.token, guest.token);
    const base = `${server.url}/api/video/conferences/${conference.id}/conference_tokens`;
    assert.deepEqual(res.body.links, {
      self: `${base}?page_number=0&page_size=50`,
      first: `${base}?page_size=50`,
    });
  });

  it('pages with links.next like every list', async () => {
    const page1 = await server.api(
      `/api/video/conferences/${conference.id}/conference_tokens?page_size=1`,
    );
    assert.equal(page1.body.data[0].name, 'Moderator');
    const page2 = await server.api(page1.body.links.next);
    assert.equal(page2.body.data[0].name, 'Guest');
    assert.equal(page2.body.links.next, undefined);
    assert.ok(page2.body.links.prev);
  });

  it('answers 404 for an unknown conference and 422 for bad paging', async () => {
    const missing = await server.api(
      '/api/video/conferences/00000000-0000-4000-8000-000000000000/conference_tokens',
    );
    assert.equal(missing.status, 404);
    const bad = await server.api(
      `/api/video/conferences/${conference.id}/conference_tokens?page_size=0`,
    );
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].attribute, 'page_size');
  });
});

describe('GET /api/video/conference_tokens/{id}', () => {
  it('returns the token, and 404 for unknown ids', async () => {
    const list = await server.api(`/api/video/conferences/${conference.id}/conference_tokens`);
    const token = list.body.data[1];
    const res = await server.api(`/api/video/conference_tokens/${token.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, token);
    assert.equal((await server.api('/api/video/conference_tokens/conf-1')).status, 404);
  });
});

describe('POST /api/video/conference_tokens/{id}/reset', () => {
  it('keeps id, name and scopes and issues a new value', async () => {
    const list = await server.api(`/api/video/conferences/${conference.id}/conference_tokens`);
    const before = list.body.data[0];
    // The Python SDK sends Content-Type: application/json with no body; the TS SDK sends neither.
    const reset = await server.api(`/api/video/conference_tokens/${before.id}/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.id, before.id);
    assert.equal(reset.body.name, before.name);
    assert.deepEqual(reset.body.scopes, before.scopes);
    assert.match(reset.body.token, /^vpt_[0-9a-f]{32}$/);
    assert.notEqual(reset.body.token, before.token);
    const again = await server.api(`/api/video/conference_tokens/${before.id}/reset`, {
      method: 'POST',
    });
    assert.notEqual(again.body.token, reset.body.token);
    assert.equal(
      (await server.api(`/api/video/conference_tokens/${before.id}`)).body.token,
      again.body.token,
    );
  });

  it('answers 404 for unknown ids', async () => {
    const res = await server.api(
      '/api/video/conference_tokens/00000000-0000-4000-8000-000000000000/reset',
      {
        method: 'POST',
      },
    );
    assert.equal(res.status, 404);
  });
});
