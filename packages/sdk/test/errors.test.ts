import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AdminClient,
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConclaveError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  RestClient,
  RestError,
  ServiceUnavailableError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UserAbortError,
  type CreateConferenceRequest,
} from '@conclave/sdk';
import { freePort, startConclave, type Conclave } from '@conclave/testkit';
import { FaultProxy } from './helpers/fault-proxy.js';

let server: Conclave;
let client: RestClient;
let admin: AdminClient;
let proxy: FaultProxy;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
  admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
  proxy = await FaultProxy.start(server.url);
});
after(async () => {
  await proxy.close();
  await server.close();
});

/** Runs `call`, expects it to throw an instance of `Class`, and returns the error. */
async function expectError<E extends Error>(
  call: () => Promise<unknown>,
  Class: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof Class, `expected ${Class.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${Class.name}, but the call succeeded`);
}

describe('errors from the real server', () => {
  it('400 BadRequestError for a body that is not a JSON object', async () => {
    const error = await expectError(
      // A deliberately wrong body: the types forbid it, the server must refuse it.
      () => client.video.conferences.create([] as unknown as CreateConferenceRequest),
      BadRequestError,
    );
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { error: 'Bad Request' });
    assert.deepEqual(error.errors, []);
    assert.equal(error.method, 'POST');
    assert.equal(error.url, `${server.url}/api/video/conferences`);
  });

  it('401 AuthenticationError for a wrong token, with the request id', async () => {
    const wrong = new RestClient({
      project: server.projectId,
      token: `PT${'0'.repeat(48)}`,
      host: server.url,
    });
    const error = await expectError(() => wrong.video.conferences.list(), AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.statusCode, 401);
    assert.deepEqual(error.body, { error: 'Unauthorized' });
    assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(error.headers.get('www-authenticate'), 'Basic realm="conclave"');
    assert.equal(error.message, '401 Unauthorized');
  });

  it('401 AuthenticationError from the admin API for a wrong admin token', async () => {
    const wrong = new AdminClient({ url: server.url, adminToken: 'not-the-token' });
    await expectError(() => wrong.projects.list(), AuthenticationError);
  });

  it('403 PermissionDeniedError for a token without the video scope', async () => {
    const { token } = await admin.apiTokens.create(server.projectId, { name: 'ro', scopes: [] });
    const scopeless = new RestClient({ project: server.projectId, token, host: server.url });
    const error = await expectError(
      () => scopeless.video.conferences.list(),
      PermissionDeniedError,
    );
    assert.deepEqual(error.body, { error: 'Forbidden' });
  });

  it('404 NotFoundError for an unknown id, keeping the caller-sent request id', async () => {
    const error = await expectError(
      () =>
        client.video.conferences.get('00000000-0000-4000-8000-000000000000', undefined, {
          headers: { 'X-Request-Id': 'lookup-404' },
        }),
      NotFoundError,
    );
    assert.equal(error.requestId, 'lookup-404');
    assert.deepEqual(error.body, { error: 'Not Found' });
    await expectError(() => client.video.conferenceTokens.reset('not-a-uuid'), NotFoundError);
    await expectError(() => admin.projects.delete('not-a-uuid'), NotFoundError);
  });

  it('413 PayloadTooLargeError for a body over 1 MiB', async () => {
    const error = await expectError(
      () =>
        client.video.conferences.create({
          display_name: 'big',
          description: 'x'.repeat(1024 * 1024 + 1),
        }),
      PayloadTooLargeError,
    );
    assert.equal(error.status, 413);
  });

  it('422 UnprocessableEntityError lists every failing field', async () => {
    const error = await expectError(
      () =>
        client.video.conferences.create({
          display_name: 'Bad dates',
          join_from: '2030-02-01T00:00:00Z',
          join_until: '2030-01-01T00:00:00Z',
          // A deliberately wrong enum value, to see the server's own check.
          quality: '4k' as unknown as '720p',
        }),
      UnprocessableEntityError,
    );
    assert.equal(error.status, 422);
    const byAttribute = Object.fromEntries(error.errors.map((e) => [e.attribute, e.code]));
    assert.equal(byAttribute.quality, 'invalid_parameter');
    for (const item of error.errors) {
      assert.equal(item.type, 'validation_error');
      assert.match(item.url, /\/docs\/errors#/);
    }
    assert.match(error.message, /^422 quality: /);
  });

  it('422 for a garbled page token, from list()', async () => {
    const error = await expectError(
      () => client.video.conferences.list({ page_number: 1, page_token: 'PAgarbage' }),
      UnprocessableEntityError,
    );
    assert.equal(error.errors[0]?.code, 'page_token_is_invalid');
    assert.equal(error.errors[0]?.attribute, 'page_token');
  });

  it('429 RateLimitError from the real rate limiter, with Retry-After', async () => {
    const limited = await startConclave({ rateLimitPerMinute: 2 });
    try {
      const c = new RestClient({
        project: limited.projectId,
        token: limited.apiToken,
        host: limited.url,
        maxRetries: 0,
      });
      await c.video.conferences.list();
      await c.video.conferences.list();
      const error = await expectError(() => c.video.conferences.list(), RateLimitError);
      assert.deepEqual(error.body, { error: 'Too Many Requests' });
      assert.ok(Number(error.headers.get('retry-after')) > 0);
    } finally {
      await limited.close();
    }
  });
});

describe('errors for statuses the server sends under faults (through a proxy)', () => {
  const cases: [number, abstract new (...args: never[]) => ApiError][] = [
    [405, MethodNotAllowedError],
    [415, UnsupportedMediaTypeError],
    [500, InternalServerError],
    [502, InternalServerError],
    [503, ServiceUnavailableError],
    [418, ApiError],
  ];
  for (const [status, Class] of cases) {
    it(`${status} → ${Class.name}`, async () => {
      const c = new RestClient({
        project: server.projectId,
        token: server.apiToken,
        host: proxy.url,
        maxRetries: 0,
      });
      proxy.inject({ status });
      const error = await expectError(() => c.video.conferences.list(), Class);
      assert.equal(error.constructor, Class);
      assert.equal(error.status, status);
      assert.deepEqual(error.body, { error: `Injected ${status}` });
    });
  }
});

describe('errors without a response', () => {
  it('ApiConnectionError when nothing listens, carrying the id the SDK sent', async () => {
    const port = await freePort();
    const c = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: `http://127.0.0.1:${port}`,
      maxRetries: 0,
    });
    const error = await expectError(() => c.video.conferences.list(), ApiConnectionError);
    assert.ok(!(error instanceof ApiTimeoutError));
    assert.equal(error.statusCode, null);
    assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(error.cause);
  });

  it('ApiTimeoutError when the answer takes longer than `timeout`', async () => {
    proxy.inject({ delayMs: 2_000 });
    const c = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: proxy.url,
    });
    const started = Date.now();
    const error = await expectError(
      () => c.video.conferences.list({}, { timeout: 150, maxRetries: 0 }),
      ApiTimeoutError,
    );
    assert.ok(error instanceof ApiConnectionError);
    assert.ok(Date.now() - started < 1_500);
    assert.match(error.message, /timed out after 150 ms/);
  });

  it('UserAbortError when the caller aborts, in flight or before sending', async () => {
    proxy.reset();
    proxy.inject({ delayMs: 2_000 });
    const c = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: proxy.url,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expectError(
      () => c.video.conferences.list({}, { signal: controller.signal }),
      UserAbortError,
    );
    const before = proxy.requests.length;
    await expectError(
      () => c.video.conferences.get('x', {}, { signal: AbortSignal.abort() }),
      UserAbortError,
    );
    assert.equal(proxy.requests.length, before, 'an aborted call sends nothing');
  });

  it('ConclaveError (alias RestError) is the root of every failure', async () => {
    assert.equal(RestError, ConclaveError);
    for (const Class of [ApiError, ApiConnectionError, ApiTimeoutError, UserAbortError]) {
      assert.ok(Class.prototype instanceof ConclaveError, Class.name);
    }
    const error = await expectError(() => client.video.conferences.get('nope'), ConclaveError);
    assert.equal(error.name, 'NotFoundError');
  });
});
