import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient, RestClient } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-config-'));
let a: { project: string; token: string };
let b: { project: string; token: string };
let profiles: string;

/** The conference names a run sees: tells which project's credentials it used. */
async function seen(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCli([...args, 'conferences', 'list', '--jsonl'], { env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as { name: string }).name)
    .join(',');
}

before(async () => {
  server = await startConclave();
  a = { project: server.projectId, token: server.apiToken };
  const admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
  const project = await admin.projects.create({ name: 'B' });
  b = {
    project: project.id,
    token: (await admin.apiTokens.create(project.id, { name: 'b' })).token,
  };
  for (const [who, name] of [
    [a, 'in-a'],
    [b, 'in-b'],
  ] as const) {
    const client = new RestClient({ project: who.project, token: who.token, host: server.url });
    await client.video.conferences.create({ display_name: name, name });
  }
  profiles = join(dir, 'config.json');
  writeFileSync(
    profiles,
    JSON.stringify({
      defaultProfile: 'a',
      profiles: {
        a: { url: server.url, project: a.project, token: a.token },
        b: { url: server.url, project: b.project, token: b.token, adminToken: server.adminToken },
      },
    }),
  );
});
after(() => server.close());

describe('configuration', () => {
  it('uses the default profile of the profile file (CONCLAVE_CONFIG)', async () => {
    assert.equal(await seen([], cleanEnv({ CONCLAVE_CONFIG: profiles })), 'in-a');
  });

  it('finds the profile file in $XDG_CONFIG_HOME/conclave/config.json', async () => {
    const env = cleanEnv();
    const home = join(env.XDG_CONFIG_HOME!, 'conclave');
    (await import('node:fs')).mkdirSync(home, { recursive: true });
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        profiles: { default: { url: server.url, project: b.project, token: b.token } },
      }),
    );
    assert.equal(await seen([], env), 'in-b');
  });

  it('--profile and CONCLAVE_PROFILE pick a profile, which then wins over the environment', async () => {
    const envA = cleanEnv({
      CONCLAVE_CONFIG: profiles,
      SIGNALWIRE_PROJECT_ID: a.project,
      SIGNALWIRE_API_TOKEN: a.token,
    });
    assert.equal(await seen(['--profile', 'b'], envA), 'in-b');
    assert.equal(await seen([], { ...envA, CONCLAVE_PROFILE: 'b' }), 'in-b');
  });

  it('the environment wins over the default profile; flags win over everything', async () => {
    const envB = cleanEnv({
      CONCLAVE_CONFIG: profiles,
      SIGNALWIRE_PROJECT_ID: b.project,
      SIGNALWIRE_API_TOKEN: b.token,
    });
    assert.equal(await seen([], envB), 'in-b');
    assert.equal(await seen(['--project', a.project, '--token', a.token], envB), 'in-a');
    assert.equal(
      await seen(['--profile', 'b', '--project', a.project, '--token', a.token], envB),
      'in-a',
    );
  });

  it('takes the admin token from a profile', async () => {
    const r = await runCli(['--profile', 'b', 'projects', 'list', '--json'], {
      env: cleanEnv({ CONCLAVE_CONFIG: profiles }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2);
  });

  it('2 for an unknown profile or a malformed profile file', async () => {
    const unknown = await runCli(['--profile', 'nope', 'conferences', 'list'], {
      env: cleanEnv({ CONCLAVE_CONFIG: profiles }),
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no profile "nope" in .*config\.json/);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    const bad = await runCli(['--config', broken, 'conferences', 'list'], { env: cleanEnv() });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not valid JSON/);

    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ profiles: { x: { tokn: 'y' } } }));
    const wrong = await runCli(['--config', typo, 'conferences', 'list'], { env: cleanEnv() });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /"tokn" is not one of url, project, token, adminToken/);
  });
});
