import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, startServer } from '@conclave/server';
import { RestClient } from '@conclave/sdk';
import { runCli } from './helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('conclave export / conclave import', () => {
  it('moves a database to a new one through the built CLI, row for row', async () => {
    const source = join(dir, 'source.sqlite');
    const project = randomUUID();
    const token = 'PT' + randomBytes(24).toString('hex');
    const server = await startServer(
      loadConfig({
        PORT: '0',
        DATABASE_URL: source,
        LOG_LEVEL: 'silent',
        CONCLAVE_RATE_LIMIT: '0',
        CONCLAVE_PROJECT_ID: project,
        CONCLAVE_API_TOKEN: token,
      }),
    );
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const client = new RestClient({ project, token, host: `http://127.0.0.1:${port}` });
    for (const name of ['one', 'two', 'three']) {
      await client.video.conferences.create({ display_name: name, name });
    }
    await server.close();

    const file = join(dir, 'export.jsonl');
    const exported = await runCli(['export', '--database', source, '--file', file]);
    assert.equal(exported.code, 0, exported.stderr);
    const target = join(dir, 'target.sqlite');
    const imported = await runCli(['import', '--database', target, '--file', file]);
    assert.equal(imported.code, 0, imported.stderr);
    const again = await runCli(['export', '--database', target]);
    assert.equal(again.code, 0, again.stderr);
    // Everything after the header line (which records when the export ran) is identical.
    const rows = (text: string) => text.trim().split('\n').slice(1);
    assert.deepEqual(rows(again.stdout), rows(readFileSync(file, 'utf8')));
    for (const name of ['one', 'two', 'three']) assert.ok(again.stdout.includes(`"${name}"`));
  });

  it('answers a usage error for a bad --resume-from', async () => {
    const result = await runCli([
      'import',
      '--database',
      join(dir, 'x.sqlite'),
      '--resume-from',
      'abc',
    ]);
    assert.equal(result.code, 2);
  });
});
