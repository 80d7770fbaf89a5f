import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newApiToken } from '../src/auth/secrets.js';
import { spawnServer } from './helpers/server-process.js';
import { basicAuth } from './helpers/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-process-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('starting the server (D19)', () => {
  it('creates a project on an empty database and prints its credentials once', async () => {
    const db = join(dir, 'first-start.sqlite');
    const first = await spawnServer({ DATABASE_URL: db });
    const out = first.stdout();
    const id = /Project ID: ([0-9a-f-]{36})/.exec(out)?.[1];
    const token = /API token: +(PT[0-9a-f]{48})/.exec(out)?.[1];
    assert.ok(id && token, out);
    assert.ok(!first.stderr().includes(token), 'the token never reaches the log');
    const res = await fetch(`${first.url}/api/video/conferences`, {
      headers: { authorization: basicAuth(id, token) },
    });
    assert.equal(res.status, 200);
    first.child.kill('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null });

    const second = await spawnServer({ DATABASE_URL: db });
    assert.ok(!second.stdout().includes('API token'), 'printed only on the first start');
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  });

  it('ensures the project given by CONCLAVE_PROJECT_ID and CONCLAVE_API_TOKEN', async () => {
    const id = randomUUID();
    const token = newApiToken();
    const env = {
      DATABASE_URL: `sqlite:${join(dir, 'ensured.sqlite')}`,
      CONCLAVE_PROJECT_ID: id,
      CONCLAVE_API_TOKEN: token,
    };
    for (let run = 0; run < 2; run++) {
      const server = await spawnServer(env);
      assert.ok(!server.stdout().includes('API token'));
      const res = await fetch(`${server.url}/api/video/conferences`, {
        headers: { authorization: basicAuth(id, token) },
      });
      assert.equal(res.status, 200);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  });

  it('logs JSON lines carrying the request id and never a credential', async () => {
    const id = randomUUID();
    const token = newApiToken();
    const auth = basicAuth(id, token);
    const server = await spawnServer({
      DATABASE_URL: join(dir, 'logs.sqlite'),
      CONCLAVE_PROJECT_ID: id,
      CONCLAVE_API_TOKEN: token,
      LOG_LEVEL: 'trace',
    });
    for (const authorization of [auth, basicAuth(id, token + 'x')]) {
      await fetch(`${server.url}/api/video/conferences?page_size=1`, {
        headers: { authorization, 'x-request-id': 'trace-me-123' },
      });
    }
    server.child.kill('SIGTERM');
    await server.exited;
    const lines = server.stdout().trim().split('\n');
    const ours = lines
      .map((l) => JSON.parse(l) as { reqId?: string })
      .filter((l) => l.reqId === 'trace-me-123');
    assert.ok(ours.length >= 4, 'request lines carry the request id');
    // At startup: where the join page is (or that it is not built yet).
    const joinPage = lines
      .map((l) => JSON.parse(l) as { url?: string; msg?: string })
      .find((l) => l.url === `${server.url}/join`);
    assert.ok(joinPage, 'the join page address is logged');
    assert.match(joinPage.msg ?? '', /join page at |web pages are not built/);
    const everything = server.stdout() + server.stderr();
    for (const secret of [token, auth.slice('Basic '.length), token + 'x']) {
      assert.ok(!everything.includes(secret), 'a credential reached the log');
    }
  });

  it('refuses to start with a malformed CONCLAVE_API_TOKEN', async () => {
    await assert.rejects(
      spawnServer({
        DATABASE_URL: join(dir, 'bad.sqlite'),
        CONCLAVE_PROJECT_ID: randomUUID(),
        CONCLAVE_API_TOKEN: 'secret',
      }),
      /CONCLAVE_API_TOKEN must be PT/,
    );
  });
});

describe('durability', () => {
  const id = randomUUID();
  const token = newApiToken();
  const auth = basicAuth(id, token);
  const env = () => ({ CONCLAVE_PROJECT_ID: id, CONCLAVE_API_TOKEN: token });

  async function createStream(
    url: string,
    acknowledged: string[],
    stop: { now: boolean },
    errors: string[],
  ) {
    let n = 0;
    while (!stop.now) {
      try {
        const res = await fetch(`${url}/api/video/conferences`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ display_name: `durable ${n++}` }),
        });
        if (res.status === 200) acknowledged.push(((await res.json()) as { id: string }).id);
        else errors.push(`status ${res.status}`);
      } catch {
        return; // the server went away mid-request: that create was never acknowledged
      }
    }
  }

  it('loses no acknowledged create when killed with SIGKILL mid-stream', async () => {
    const db = join(dir, 'crash.sqlite');
    const server = await spawnServer({ DATABASE_URL: db, ...env() });
    const acknowledged: string[] = [];
    const errors: string[] = [];
    const stop = { now: false };
    const writers = Array.from({ length: 8 }, () =>
      createStream(server.url, acknowledged, stop, errors),
    );
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL');
    await server.exited;
    stop.now = true;
    await Promise.all(writers);
    assert.deepEqual(errors, []);
    assert.ok(acknowledged.length > 50, `only ${acknowledged.length} creates were acknowledged`);

    const restarted = await spawnServer({ DATABASE_URL: db, ...env() });
    try {
      const listed = new Set<string>();
      let next: string | undefined = `${restarted.url}/api/video/conferences?page_size=1000`;
      while (next) {
        const res = await fetch(next, { headers: { authorization: auth } });
        const page = (await res.json()) as { data: { id: string }[]; links: { next?: string } };
        for (const c of page.data) listed.add(c.id);
        next = page.links.next;
      }
      const lost = acknowledged.filter((c) => !listed.has(c));
      assert.deepEqual(
        lost,
        [],
        `${lost.length} of ${acknowledged.length} acknowledged creates lost`,
      );
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('finishes in-flight requests on SIGTERM and exits 0', async () => {
    const db = join(dir, 'graceful.sqlite');
    const server = await spawnServer({ DATABASE_URL: db, ...env() });
    const acknowledged: string[] = [];
    const errors: string[] = [];
    const stop = { now: false };
    const writers = Array.from({ length: 8 }, () =>
      createStream(server.url, acknowledged, stop, errors),
    );
    await new Promise((r) => setTimeout(r, 500));
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    stop.now = true;
    await Promise.all(writers);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.deepEqual(errors, [], 'no request failed with an error status during shutdown');
    const restarted = await spawnServer({ DATABASE_URL: db, ...env() });
    try {
      for (const c of acknowledged.slice(-20)) {
        const res = await fetch(`${restarted.url}/api/video/conferences/${c}`, {
          headers: { authorization: auth },
        });
        assert.equal(res.status, 200);
      }
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
