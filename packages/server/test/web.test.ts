import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PAGE_SECURITY_HEADERS } from '../src/web/web-routes.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const JOIN_HTML = '<!doctype html><title>Join</title><script src="/assets/x-abc123.js"></script>';
const CONSOLE_HTML = '<!doctype html><title>Console</title>';
const ASSET = 'console.log("joined");\n';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request whose path is sent exactly as written (fetch would resolve `..` first). */
function raw(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const { method = 'GET', headers = {} } = init;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertSecurityHeaders(res: RawResponse, what: string): void {
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
    assert.equal(res.headers[name], value, `${what}: ${name}`);
  }
}

/** A built pages directory: join.html, one hashed asset, and files that must never be served. */
async function fakeBuild(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'conclave-web-'));
  const root = join(parent, 'dist');
  await mkdir(join(root, 'assets', 'nested'), { recursive: true });
  await writeFile(join(root, 'join.html'), JOIN_HTML);
  await writeFile(join(root, 'console.html'), CONSOLE_HTML);
  await writeFile(join(root, 'assets', 'x-abc123.js'), ASSET);
  await writeFile(join(root, 'assets', 'nested', 'y-def456.css'), 'body{}');
  await writeFile(join(root, 'assets', '.hidden'), 'hidden');
  await writeFile(join(parent, 'secret.txt'), 'secret');
  return parent;
}

describe('the web pages, built', () => {
  let parent: string;
  let server: TestServer;
  before(async () => {
    parent = await fakeBuild();
    server = await startTestServer({ webRoot: join(parent, 'dist'), rateLimitPerMinute: 1000 });
  });
  after(async () => {
    await server.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('GET /console is console.html, with the same headers and caching as /join', async () => {
    const res = await raw(server.url, '/console');
    assert.equal(res.status, 200, 'GET /console');
    assert.equal(res.body, CONSOLE_HTML);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(res, '/console');
    assert.equal((await raw(server.url, '/console.html')).status, 404, 'only by its path');
  });

  it('GET /join is join.html, never cached without revalidation, with the security headers', async () => {
    const res = await raw(server.url, '/join');
    assert.equal(res.status, 200);
    assert.equal(res.body, JOIN_HTML);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.ok(res.headers.etag, 'an ETag, so a reload revalidates cheaply');
    assertSecurityHeaders(res, '/join');
    assert.equal(
      res.headers['content-security-policy'],
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        "media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; " +
        "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    // The rate limit counts page loads like any request, without getting in their way.
    assert.ok(res.headers['x-ratelimit-remaining'], 'rate limited like every route');

    // A query string or a fragment's worth of link changes nothing; HEAD works.
    assert.equal((await raw(server.url, '/join?from=mail')).body, JOIN_HTML);
    const head = await raw(server.url, '/join', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');

    // Revalidation: the same ETag is a 304.
    const revalidated = await raw(server.url, '/join', {
      headers: { 'if-none-match': res.headers.etag as string },
    });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body, '');
  });

  it('GET /join needs no credentials, and a token in the fragment never reaches the server', async () => {
    const res = await server.api('/join#token=vpt_0123&name=Ada', { anonymous: true });
    assert.equal(res.status, 200);
    assert.equal(res.text, JOIN_HTML);
  });

  it('GET /assets/* serves hashed files for a year, immutable', async () => {
    const res = await raw(server.url, '/assets/x-abc123.js');
    assert.equal(res.status, 200);
    assert.equal(res.body, ASSET);
    assert.match(String(res.headers['content-type']), /^(application|text)\/javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(res, '/assets/x-abc123.js');
    const nested = await raw(server.url, '/assets/nested/y-def456.css');
    assert.equal(nested.status, 200);
    assert.match(String(nested.headers['content-type']), /^text\/css/);
  });

  it('a missing asset is a JSON 404; there are no listings, index files or dotfiles', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets',
      '/assets/',
      '/assets/nested',
      '/assets/.hidden',
      '/join/',
      '/join.html',
      '/assets/join.html',
    ]) {
      const res = await raw(server.url, path);
      assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
      assert.deepEqual(
        JSON.parse(res.body),
        { error: res.status === 404 ? 'Not Found' : 'Forbidden' },
        path,
      );
      assert.doesNotMatch(res.body, /hidden|<!doctype/i, path);
    }
    assert.equal((await raw(server.url, '/assets/nope.js')).status, 404);
  });

  it('never serves anything outside the assets directory, however the path is written', async () => {
    for (const path of [
      '/assets/../join.html',
      '/assets/%2e%2e/join.html',
      '/assets/%2E%2E/join.html',
      '/assets/..%2fjoin.html',
      '/assets/%2e%2e%2fjoin.html',
      '/assets/..%5cjoin.html',
      '/assets/..\\join.html',
      '/assets/nested/../../join.html',
      '/assets/nested/%2e%2e/%2e%2e/join.html',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%252e%252e/join.html',
      '/assets//etc/passwd',
      '/assets/%2fetc%2fpasswd',
      '/assets/x-abc123.js%00.html',
    ]) {
      const res = await raw(server.url, path);
      assert.ok([400, 403, 404].includes(res.status), `${path}: ${res.status}`);
      assert.ok('error' in (JSON.parse(res.body) as object), `${path}: ${res.body}`);
      assert.doesNotMatch(res.body, /<!doctype|secret|root:/i, path);
    }
  });

  it('GET / leads to /join', async () => {
    const res = await raw(server.url, '/');
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/join');
  });

  it('leaves the pages out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of Object.keys(doc.paths)) {
      assert.ok(!/^\/(join|assets|)(\/|$)/.test(path), `${path} is in the OpenAPI document`);
    }
    assert.ok(Object.keys(doc.paths).length > 10, 'the API is still there');
  });
});

describe('the web pages, not built', () => {
  let parent: string;
  let server: TestServer;
  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'conclave-web-'));
    server = await startTestServer({ webRoot: join(parent, 'dist') });
  });
  after(async () => {
    await server.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('GET /join answers 503 and says how to build them; assets are 404', async () => {
    const res = await raw(server.url, '/join');
    assert.equal(res.status, 503);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /web pages are not built/);
    assert.match(res.body, /npm run build/);
    assertSecurityHeaders(res, 'the 503 page');
    assert.equal((await raw(server.url, '/assets/x-abc123.js')).status, 404);
  });

  it('serves them as soon as they are built, without a restart', async () => {
    await mkdir(join(parent, 'dist', 'assets'), { recursive: true });
    await writeFile(join(parent, 'dist', 'join.html'), JOIN_HTML);
    await writeFile(join(parent, 'dist', 'assets', 'x-abc123.js'), ASSET);
    assert.equal((await raw(server.url, '/join')).body, JOIN_HTML);
    assert.equal((await raw(server.url, '/assets/x-abc123.js')).body, ASSET);
  });
});

describe('the web pages, turned off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ webRoot: false });
  });
  after(async () => {
    await server.close();
  });

  it('has no /join, /assets or / routes', async () => {
    for (const path of ['/join', '/assets/x-abc123.js', '/']) {
      const res = await raw(server.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['content-security-policy'], undefined, path);
    }
  });
});
