import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ApiConnectionError,
  ApiTimeoutError,
  InternalServerError,
  RateLimitError,
  RestClient,
  ServiceUnavailableError,
  UserAbortError,
} from '@conclave/sdk';
import { retryAfterMs, retryDelayMs, shouldRetry } from '../src/internal/retry.js';
import { startConclave, type Conclave } from '@conclave/testkit';
import { FaultProxy } from './helpers/fault-proxy.js';

let server: Conclave;
let proxy: FaultProxy;
let client: RestClient;
let conferenceId: string;

before(async () => {
  server = await startConclave();
  proxy = await FaultProxy.start(server.url);
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: proxy.url });
  conferenceId = (await client.video.conferences.create({ display_name: 'Retry target' })).id;
});
beforeEach(() => proxy.reset());
after(async () => {
  await proxy.close();
  await server.close();
});

/** A 503 or 429 that asks for no wait, so the tests stay fast. */
const now = (status: number) => ({ status, headers: { 'retry-after': '0' } });

describe('retries through a faulty proxy', () => {
  it('GET retries a 503 and succeeds, with one request id for every attempt', async () => {
    proxy.inject(now(503), now(503));
    const page = await client.video.conferences.list();
    assert.equal(page.data.length, 1);
    assert.equal(proxy.requests.length, 3);
    const ids = new Set(proxy.requests.map((r) => r.requestId));
    assert.equal(ids.size, 1);
    assert.match([...ids][0] ?? '', /^[0-9a-f-]{36}$/);
  });

  it('GET retries a 429', async () => {
    proxy.inject(now(429));
    const conference = await client.video.conferences.get(conferenceId);
    assert.equal(conference.id, conferenceId);
    assert.equal(proxy.requests.length, 2);
  });

  it('honours Retry-After in seconds', async () => {
    proxy.inject({ status: 503, headers: { 'retry-after': '1' } });
    await client.video.conferences.get(conferenceId);
    const [first, second] = proxy.requests;
    assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms`);
  });

  it('backs off exponentially without Retry-After', async () => {
    proxy.inject({ status: 500 }, { status: 500 });
    await client.video.conferences.get(conferenceId);
    const [a, b, c] = proxy.requests.map((r) => r.at);
    // 0.5 s then 1 s, each less up to 25 % jitter.
    assert.ok(b! - a! >= 370 && b! - a! < 2_000, `first wait ${b! - a!} ms`);
    assert.ok(c! - b! >= 740 && c! - b! < 3_000, `second wait ${c! - b!} ms`);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    proxy.inject(now(503), now(503), now(503), now(503));
    await assert.rejects(
      client.video.conferences.list({}, { maxRetries: 1 }),
      ServiceUnavailableError,
    );
    assert.equal(proxy.requests.length, 2);
  });

  it('PUT and DELETE are retried on 5xx', async () => {
    proxy.inject({ status: 502, headers: { 'retry-after': '0' } });
    const updated = await client.video.conferences.update(conferenceId, {
      display_name: 'Renamed',
    });
    assert.equal(updated.display_name, 'Renamed');
    assert.deepEqual(
      proxy.requests.map((r) => r.method),
      ['PUT', 'PUT'],
    );
    const doomed = await client.video.conferences.create({ display_name: 'Doomed' });
    proxy.reset();
    proxy.inject(now(503));
    await client.video.conferences.delete(doomed.id);
    assert.deepEqual(
      proxy.requests.map((r) => r.method),
      ['DELETE', 'DELETE'],
    );
  });

  it('POST is not retried on 5xx: a create must not happen twice', async () => {
    proxy.inject(now(503));
    await assert.rejects(
      client.video.conferences.create({ display_name: 'Once' }),
      ServiceUnavailableError,
    );
    proxy.inject({ status: 500 });
    await assert.rejects(client.video.conferenceTokens.reset(conferenceId), InternalServerError);
    assert.equal(proxy.requests.length, 2);
  });

  it('POST is retried on 429, which the server sends before doing anything', async () => {
    proxy.inject(now(429));
    const created = await client.video.conferences.create({ display_name: 'After 429' });
    assert.equal(created.display_name, 'After 429');
    assert.equal(proxy.requests.length, 2);
  });

  it('maxRetries: 0 on the client turns retries off', async () => {
    const once = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: proxy.url,
      maxRetries: 0,
    });
    proxy.inject(now(429));
    await assert.rejects(once.video.conferences.list(), RateLimitError);
    assert.equal(proxy.requests.length, 1);
  });

  it('GET retries a dropped connection', async () => {
    proxy.inject({ reset: true });
    const page = await client.video.conferences.list();
    assert.ok(page.data.length > 0);
    assert.equal(proxy.requests.length, 2);
  });

  it('POST does not retry a dropped connection', async () => {
    proxy.inject({ reset: true });
    await assert.rejects(
      client.video.conferences.create({ display_name: 'Maybe' }),
      ApiConnectionError,
    );
    assert.equal(proxy.requests.length, 1);
  });

  it('GET retries a time-out', async () => {
    proxy.inject({ delayMs: 1_000 });
    const conference = await client.video.conferences.get(conferenceId, {}, { timeout: 200 });
    assert.equal(conference.id, conferenceId);
    assert.equal(proxy.requests.length, 2);
    proxy.reset();
    proxy.inject({ delayMs: 1_000 }, { delayMs: 1_000 });
    await assert.rejects(
      client.video.conferences.get(conferenceId, {}, { timeout: 100, maxRetries: 1 }),
      ApiTimeoutError,
    );
  });

  it('an abort during the wait between retries ends the call at once', async () => {
    proxy.inject({ status: 503, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(
      client.video.conferences.list({}, { signal: controller.signal }),
      UserAbortError,
    );
    assert.ok(Date.now() - started < 2_000);
    assert.equal(proxy.requests.length, 1);
  });

  it('for await keeps going through a page that needed a retry', async () => {
    for (let i = 0; i < 4; i++) await client.video.conferences.create({ display_name: `p${i}` });
    proxy.reset();
    const pages = client.video.conferences.list({ page_size: 2 });
    await pages;
    proxy.inject(now(503));
    let count = 0;
    for await (const _ of pages) count++;
    assert.ok(count >= 5);
    assert.ok(proxy.requests.some((r) => /page_token=PA/.test(r.path)));
  });
});

describe('retry policy', () => {
  it('retries what is safe to repeat', () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      for (const status of [408, 429, 500, 502, 503, 504] as const) {
        assert.equal(shouldRetry(method, status), true, `${method} ${status}`);
      }
      assert.equal(shouldRetry(method, 'connection'), true);
      for (const status of [400, 401, 403, 404, 413, 422]) {
        assert.equal(shouldRetry(method, status), false, `${method} ${status}`);
      }
    }
    assert.equal(shouldRetry('POST', 429), true);
    for (const status of [408, 500, 503] as const) assert.equal(shouldRetry('POST', status), false);
    assert.equal(shouldRetry('POST', 'connection'), false);
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), now), 2_000);
    assert.equal(
      retryAfterMs(new Headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }), now),
      3_000,
    );
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250' }), now), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '3600' }), now), undefined);
    assert.equal(retryAfterMs(new Headers(), now), undefined);
  });

  it('backs off exponentially with at most 25 % jitter, capped at 8 s', () => {
    assert.equal(
      retryDelayMs(0, undefined, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(0, undefined, () => 1),
      375,
    );
    assert.equal(
      retryDelayMs(1, undefined, () => 0),
      1_000,
    );
    assert.equal(
      retryDelayMs(3, undefined, () => 0),
      4_000,
    );
    assert.equal(
      retryDelayMs(10, undefined, () => 0),
      8_000,
    );
    assert.equal(retryDelayMs(5, new Headers({ 'retry-after': '1' })), 1_000);
  });
});
