import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiToken, CreatedApiToken, Project } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });

before(async () => {
  server = await startConclave();
  env = cleanEnv({ CONCLAVE_URL: server.url, CONCLAVE_ADMIN_TOKEN: server.adminToken });
});
after(() => server.close());

describe('conclave projects and api-tokens', () => {
  it('creates a project, gives it a token that works, lists, revokes and deletes', async () => {
    const created = await conclave('projects', 'create', 'Acme');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^name {8}Acme$/m);
    const projectId = /^id +(\S+)$/m.exec(created.stdout)![1]!;
    assert.match(
      created.stderr,
      new RegExp(`Next: conclave api-tokens create ${projectId} --name`),
    );

    const listed = await conclave('projects', 'list');
    assert.match(listed.stdout, /^ID +NAME +CREATED$/m);
    assert.match(listed.stdout, new RegExp(`^${projectId} +Acme +\\S+Z$`, 'm'));
    assert.match(listed.stdout, /Default project/);

    const tokenRun = await conclave('api-tokens', 'create', projectId, '--name', 'ci', '--json');
    assert.equal(tokenRun.code, 0, tokenRun.stderr);
    const token = JSON.parse(tokenRun.stdout) as CreatedApiToken;
    assert.equal(token.project_id, projectId);
    assert.deepEqual(token.scopes, ['video']);
    assert.match(token.token, /^PT[0-9a-f]{48}$/);

    const asAcme = ['--project', projectId, '--token', token.token];
    const made = await conclave(...asAcme, 'conferences', 'create', '--display-name', 'Acme call');
    assert.equal(made.code, 0, made.stderr);

    const tokens = await conclave('api-tokens', 'list', projectId, '--json');
    const [listedToken] = JSON.parse(tokens.stdout) as ApiToken[];
    assert.equal(listedToken!.id, token.id);
    assert.equal(listedToken!.prefix, token.prefix);
    assert.ok(!tokens.stdout.includes(token.token), 'a list never shows the secret');
    const table = await conclave('api-tokens', 'list', projectId);
    assert.match(
      table.stdout,
      new RegExp(`^${token.id} +ci +${token.prefix}… +video +\\S+Z$`, 'm'),
    );

    const revoked = await conclave('api-tokens', 'revoke', projectId, token.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked API token ${token.id}\n`);
    const refused = await conclave(...asAcme, 'conferences', 'list');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401 Unauthorized/);

    const deleted = await conclave('projects', 'delete', projectId);
    assert.equal(deleted.stdout, `Deleted project ${projectId}\n`);
    const projects = JSON.parse((await conclave('projects', 'list', '--json')).stdout) as Project[];
    assert.ok(!projects.some((p) => p.id === projectId));
  });

  it('shows the token once in the table form, with a warning', async () => {
    const r = await conclave('api-tokens', 'create', server.projectId, '--name', 'laptop');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^token +PT[0-9a-f]{48}$/m);
    assert.match(r.stderr, /not shown again/);
  });

  it('1 for a wrong admin token or an unknown project; 2 without an admin token', async () => {
    const wrong = await conclave('--admin-token', 'nope', 'projects', 'list');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401 Unauthorized/);
    const unknown = await conclave('api-tokens', 'list', '00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 Not Found/);
    const none = await runCli(['projects', 'list'], {
      env: cleanEnv({ CONCLAVE_URL: server.url }),
    });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /admin token is needed/);
    const badScope = await conclave(
      'api-tokens',
      'create',
      server.projectId,
      '--name',
      'x',
      '--scope',
      'root',
    );
    assert.equal(badScope.code, 2);
  });
});
