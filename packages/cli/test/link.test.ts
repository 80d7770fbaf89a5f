import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, type ConferenceToken } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

const JWT = 'eyJhbGciOiJIUzUxMiJ9.eyJyIjoic3RhbmR1cCJ9.c2lnbmF0dXJl-_';

describe('conclave link', () => {
  it('prints the join link on the configured server, with no credentials and no request', async () => {
    // Nothing listens there: the link is made here.
    const env = cleanEnv({ CONCLAVE_URL: 'https://video.example.com/' });
    const r = await runCli(['link', 'vpt_6a8e', '--name', 'Ada Lovelace'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'https://video.example.com/join#token=vpt_6a8e&name=Ada%20Lovelace\n');

    const room = await runCli(['link', JWT], { env });
    assert.equal(room.stdout, `https://video.example.com/join#token=${JWT}\n`);
  });

  it('takes the server as every command does: --url, then CONCLAVE_URL, then the default', async () => {
    const env = cleanEnv({ CONCLAVE_URL: 'https://env.example.com' });
    const flag = await runCli(['--url', 'conclave.example.org:8443/video', 'link', 'vpt_1'], {
      env,
    });
    assert.equal(flag.stdout, 'https://conclave.example.org:8443/video/join#token=vpt_1\n');
    const fallback = await runCli(['link', 'vpt_1']);
    assert.equal(fallback.stdout, 'http://127.0.0.1:8080/join#token=vpt_1\n');
  });

  it('2 without a token', async () => {
    const r = await runCli(['link']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'token'/);
  });
});

describe('conclave conferences tokens --links', () => {
  let server: Conclave;
  let env: NodeJS.ProcessEnv;
  let conferenceId: string;
  before(async () => {
    server = await startConclave();
    env = cleanEnv({
      CONCLAVE_URL: server.url,
      SIGNALWIRE_PROJECT_ID: server.projectId,
      SIGNALWIRE_API_TOKEN: server.apiToken,
    });
    const api = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
    });
    conferenceId = (await api.video.conferences.create({ display_name: 'Linked' })).id;
  });
  after(() => server.close());

  it('adds each token’s join link to the table', async () => {
    const listed = await runCli(['conferences', 'tokens', conferenceId, '--json'], { env });
    const tokens = JSON.parse(listed.stdout) as ConferenceToken[];
    const r = await runCli(['conferences', 'tokens', conferenceId, '--links'], { env });
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID +NAME +TOKEN +SCOPES +JOIN LINK$/);
    assert.equal(rows.length, 2);
    for (const t of tokens) {
      const row = rows.find((line) => line.startsWith(t.id));
      assert.ok(row, `a row for ${t.name}`);
      assert.ok(row.endsWith(`  ${server.url}/join#token=${t.token}`), row);
    }
    // Without --links, the table is as before.
    const plain = await runCli(['conferences', 'tokens', conferenceId], { env });
    assert.doesNotMatch(plain.stdout, /JOIN LINK|\/join#/);
  });

  it('keeps JSON as the API sends it: --links with --json or --jsonl is a usage error', async () => {
    for (const format of ['--json', '--jsonl']) {
      const r = await runCli(['conferences', 'tokens', conferenceId, '--links', format], { env });
      assert.equal(r.code, 2, format);
      assert.match(r.stderr, /--links adds a table column/);
      assert.equal(r.stdout, '');
    }
    const json = await runCli(['conferences', 'tokens', conferenceId, '--json'], { env });
    for (const t of JSON.parse(json.stdout) as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(t).sort(), ['id', 'name', 'scopes', 'token']);
    }
  });
});
