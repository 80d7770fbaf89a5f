import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AdminClient,
  AuthenticationError,
  NotFoundError,
  RestClient,
  type FetchLike,
} from '@conclave/sdk';
import { baseUrlFromHost } from '../src/internal/base-url.js';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

/** Runs `body` with the given environment variables set, then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, body: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return body();
  } finally {
    apply(saved);
  }
}

const NO_ENV = {
  SIGNALWIRE_PROJECT_ID: undefined,
  SIGNALWIRE_API_TOKEN: undefined,
  SIGNALWIRE_SPACE: undefined,
  SIGNALWIRE_REST_BASE_URL: undefined,
  CONCLAVE_URL: undefined,
  CONCLAVE_ADMIN_TOKEN: undefined,
};

describe('new RestClient()', () => {
  it('falls back to SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE', async () => {
    const fromEnv = withEnv(
      {
        ...NO_ENV,
        SIGNALWIRE_PROJECT_ID: server.projectId,
        SIGNALWIRE_API_TOKEN: server.apiToken,
        SIGNALWIRE_SPACE: server.url.replace('http://', ''),
      },
      () => new RestClient(),
    );
    assert.equal(fromEnv.project, server.projectId);
    assert.equal(fromEnv.baseUrl, server.url);
    const page = await fromEnv.video.conferences.list();
    assert.deepEqual(page.data, []);
  });

  it('prefers options over the environment', () => {
    const c = withEnv({ ...NO_ENV, SIGNALWIRE_SPACE: 'ignored.example.com' }, () => {
      return new RestClient({ project: 'p', token: 't', host: 'video.example.com' });
    });
    assert.equal(c.baseUrl, 'https://video.example.com');
  });

  it('refuses to start without credentials or host', () => {
    withEnv(NO_ENV, () => {
      assert.throws(() => new RestClient(), /project, token and host are required/);
      assert.throws(() => new RestClient({ project: 'p', token: 't' }), /SIGNALWIRE_SPACE/);
      assert.throws(() => new AdminClient({ url: 'http://x' }), /CONCLAVE_ADMIN_TOKEN/);
    });
  });

  it('reads host as a bare host or a full URL', () => {
    assert.equal(baseUrlFromHost('example.signalwire.com'), 'https://example.signalwire.com');
    assert.equal(baseUrlFromHost('127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(baseUrlFromHost('localhost:8080'), 'http://localhost:8080');
    assert.equal(baseUrlFromHost('[::1]:8080'), 'http://[::1]:8080');
    assert.equal(baseUrlFromHost('http://10.0.0.5:8080/'), 'http://10.0.0.5:8080');
    assert.equal(baseUrlFromHost('https://example.com/conclave/'), 'https://example.com/conclave');
  });
});

describe('transport options', () => {
  it('uses an injected fetch (`fetch` or `fetchImpl`) for every request', async () => {
    for (const key of ['fetch', 'fetchImpl'] as const) {
      const seen: string[] = [];
      const counting: FetchLike = (input, init) => {
        seen.push(`${init.method} ${new URL(input).pathname}`);
        return fetch(input, init);
      };
      const c = new RestClient({
        project: server.projectId,
        token: server.apiToken,
        host: server.url,
        [key]: counting,
      });
      const made = await c.video.conferences.create({ display_name: 'via injected fetch' });
      await c.video.conferences.delete(made.id);
      assert.deepEqual(seen, [
        'POST /api/video/conferences',
        `DELETE /api/video/conferences/${made.id}`,
      ]);
    }
  });

  it('sends default headers, per-call headers, and lets a call remove one', async () => {
    const headers: Record<string, string>[] = [];
    const spy: FetchLike = (input, init) => {
      headers.push({ ...(init.headers as Record<string, string>) });
      return fetch(input, init);
    };
    const c = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
      fetch: spy,
      defaultHeaders: { 'X-Team': 'video' },
    });
    await c.video.conferences.list({}, { headers: { 'X-Trace': 'abc' } });
    await assert.rejects(
      c.video.conferences.list({}, { headers: { Authorization: null } }),
      AuthenticationError,
    );
    assert.equal(headers[0]!['x-team'], 'video');
    assert.equal(headers[0]!['x-trace'], 'abc');
    assert.equal(headers[0]!.accept, 'application/json');
    assert.equal(headers[0]!['content-type'], undefined, 'no content type without a body');
    assert.match(headers[0]!.authorization ?? '', /^Basic /);
    assert.equal(headers[1]!.authorization, undefined);
  });
});

describe('client.video', () => {
  it('creates, gets, updates, lists tokens, resets a token and deletes a conference', async () => {
    const conference = await client.video.conferences.create({
      display_name: 'Design review',
      name: 'design-review',
      join_from: '2030-03-01',
      size: 'small',
      meta: { team: 'design' },
    });
    assert.equal(conference.name, 'design-review');
    assert.equal(conference.join_from, '2030-03-01T00:00:00Z');
    assert.deepEqual(conference.meta, { team: 'design' });

    const fetched = await client.video.conferences.get(conference.id, {
      include_active_session: true,
    });
    assert.deepEqual(fetched, conference);

    const updated = await client.video.conferences.update(conference.id, {
      display_name: 'Design review (weekly)',
      size: 'large',
    });
    assert.equal(updated.display_name, 'Design review (weekly)');
    assert.equal(updated.size, 'large');
    assert.equal(updated.join_from, '2030-03-01T00:00:00Z');

    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    const guest = tokens.find((t) => t.name === 'Guest');
    assert.ok(guest);
    assert.deepEqual(await client.video.conferenceTokens.get(guest.id), guest);
    const reset = await client.video.conferenceTokens.reset(guest.id);
    assert.equal(reset.id, guest.id);
    assert.deepEqual(reset.scopes, guest.scopes);
    assert.notEqual(reset.token, guest.token);
    assert.match(reset.token, /^vpt_[0-9a-f]{32}$/);

    assert.equal(await client.video.conferences.delete(conference.id), undefined);
    await assert.rejects(client.video.conferences.get(conference.id), NotFoundError);
    await assert.rejects(client.video.conferenceTokens.get(guest.id), NotFoundError);
  });
});

describe('AdminClient', () => {
  it('manages projects and API tokens; a revoked token is refused at once', async () => {
    const admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
    const project = await admin.projects.create({ name: 'Acme' });
    assert.equal(project.name, 'Acme');

    const created = await admin.apiTokens.create(project.id, { name: 'ci' });
    assert.deepEqual(created.scopes, ['video']);
    assert.match(created.token, /^PT[0-9a-f]{48}$/);
    const { data: tokens } = await admin.apiTokens.list(project.id);
    assert.deepEqual(
      tokens.map((t) => [t.id, t.prefix]),
      [[created.id, created.prefix]],
    );
    assert.equal('token' in tokens[0]!, false, 'a list never shows the secret');

    const acme = new RestClient({ project: project.id, token: created.token, host: server.url });
    assert.deepEqual((await acme.video.conferences.list()).data, []);
    await admin.apiTokens.revoke(project.id, created.id);
    await assert.rejects(acme.video.conferences.list(), AuthenticationError);

    await admin.projects.delete(project.id);
    await assert.rejects(admin.apiTokens.list(project.id), NotFoundError);
  });

  it('falls back to CONCLAVE_URL and CONCLAVE_ADMIN_TOKEN', async () => {
    const admin = withEnv(
      { ...NO_ENV, CONCLAVE_URL: server.url, CONCLAVE_ADMIN_TOKEN: server.adminToken },
      () => new AdminClient(),
    );
    const page = await admin.projects.list();
    assert.ok(page.data.some((p) => p.id === server.projectId));
  });
});
