/**
 * Native TLS: `CONCLAVE_TLS_CERT` and `CONCLAVE_TLS_KEY` make the server speak HTTPS and wss on its
 * one port, with a self-signed certificate made here by the `openssl` CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { REALTIME_PATH, type ServerMessage } from '@conclave/schema';
import WebSocket from 'ws';
import { newApiToken } from '../src/auth/secrets.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { eventually } from './helpers/eventually.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { basicAuth } from './helpers/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-tls-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
const projectId = randomUUID();
const apiToken = newApiToken();
let db: TestDatabase;
let server: ServerProcess;

/** A fresh self-signed certificate for 127.0.0.1, written over `cert.pem` and `key.pem`. */
function makeCertificate(name: string): string {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(certFile, 'utf8');
}

let ca = '';

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(server.url + path, { method, headers, ca }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The subject CN of the certificate the server presents now. */
function servedName(): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn.join() : (cn ?? ''));
    });
    socket.once('error', reject);
  });
}

before(async () => {
  db = await createTestDatabase();
  ca = makeCertificate('conclave-test-1');
  server = await spawnServer({
    DATABASE_URL: db.url,
    CONCLAVE_PROJECT_ID: projectId,
    CONCLAVE_API_TOKEN: apiToken,
    CONCLAVE_TLS_CERT: certFile,
    CONCLAVE_TLS_KEY: keyFile,
    CONCLAVE_MEDIA: 'off',
  });
});
after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('native TLS', () => {
  it('serves HTTPS, verified against its certificate, and links with https', async () => {
    assert.match(server.url, /^https:/);
    const health = await get('/healthz');
    assert.equal(health.status, 200);
    // Absolute links (here a validation error's documentation link) default to https.
    const invalid = await get(
      '/api/video/conferences',
      { authorization: basicAuth(projectId, apiToken), 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ display_name: 42 }),
    );
    assert.equal(invalid.status, 422, invalid.body);
    const { port } = new URL(server.url);
    assert.ok(invalid.body.includes(`"https://127.0.0.1:${port}/docs/errors#`), invalid.body);
  });

  it('does not answer plain HTTP on its port', async () => {
    const plain = server.url.replace(/^https:/, 'http:');
    await assert.rejects(fetch(`${plain}/healthz`, { signal: AbortSignal.timeout(5000) }));
  });

  it('runs the realtime protocol over wss', async () => {
    const auth = {
      authorization: basicAuth(projectId, apiToken),
      'content-type': 'application/json',
    };
    const created = await get(
      '/api/video/conferences',
      auth,
      'POST',
      JSON.stringify({ display_name: 'wss' }),
    );
    const id = (JSON.parse(created.body) as { id: string }).id;
    const tokens = await get(`/api/video/conferences/${id}/conference_tokens`, auth);
    const token = (JSON.parse(tokens.body) as { data: { token: string }[] }).data[0]!.token;

    const socket = new WebSocket(server.url.replace(/^https:/, 'wss:') + REALTIME_PATH, { ca });
    const joined = await new Promise<ServerMessage>((resolve, reject) => {
      socket.once('open', () => socket.send(JSON.stringify({ type: 'join', token, name: 'tls' })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'joined') resolve(message);
      });
      socket.once('error', reject);
      socket.once('close', (code) => reject(new Error(`closed ${code}`)));
    });
    assert.equal(joined.type, 'joined');
    socket.close();
  });

  it('reloads a renewed certificate on SIGHUP', async () => {
    assert.equal(await servedName(), 'conclave-test-1');
    ca = makeCertificate('conclave-test-2');
    server.child.kill('SIGHUP');
    await eventually(async () => assert.equal(await servedName(), 'conclave-test-2'));
    assert.equal((await get('/healthz')).status, 200, 'verified against the new certificate');
  });

  it('refuses to start with only one of CONCLAVE_TLS_CERT and CONCLAVE_TLS_KEY', async () => {
    await assert.rejects(
      spawnServer({ DATABASE_URL: db.url, CONCLAVE_TLS_CERT: certFile }),
      /CONCLAVE_TLS_CERT and CONCLAVE_TLS_KEY go together: CONCLAVE_TLS_KEY is not set/,
    );
  });

  it('refuses to start with a certificate it cannot read, or a key of another one', async () => {
    const env = { DATABASE_URL: db.url, PORT: '0', CONCLAVE_MEDIA: 'off' };
    await assert.rejects(
      startServer(
        loadConfig({
          ...env,
          CONCLAVE_TLS_CERT: join(dir, 'missing.pem'),
          CONCLAVE_TLS_KEY: keyFile,
        }),
      ),
      /CONCLAVE_TLS_CERT: cannot read .*missing\.pem/,
    );
    const otherKey = join(dir, 'other-key.pem');
    execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      otherKey,
    ]);
    await assert.rejects(
      startServer(loadConfig({ ...env, CONCLAVE_TLS_CERT: certFile, CONCLAVE_TLS_KEY: otherKey })),
      /CONCLAVE_TLS_CERT and CONCLAVE_TLS_KEY are not a usable PEM certificate and key/,
    );
  });
});
