import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore } from '../src/store/open-store.js';
import { createTestDatabase } from './helpers/test-database.js';

const serverRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What `startServer` does first, in a process of its own: open the database, bootstrap. */
const BOOT = `
  const { openStore } = await import('./src/store/open-store.ts');
  const { bootstrap } = await import('./src/bootstrap.ts');
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
  // All the processes go on at the same moment, once each has its store open and migrated.
  await new Promise((go) => setTimeout(go, Number(process.env.START_AT) - Date.now()));
  const result = await bootstrap(store, { projectId: undefined, apiToken: undefined });
  await store.close();
  process.stdout.write(JSON.stringify(result));
`;

describe('bootstrap on an empty database (D19)', () => {
  it('creates one project, however many processes start together', async () => {
    const database = await createTestDatabase();
    const startAt = String(Date.now() + 12_000);
    try {
      const outputs = await Promise.all(
        Array.from({ length: 3 }, () =>
          promisify(execFile)(
            process.execPath,
            ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', BOOT],
            {
              cwd: serverRoot,
              env: { ...process.env, DATABASE_URL: database.url, START_AT: startAt },
            },
          ),
        ),
      );
      const results = outputs.map((o) => JSON.parse(o.stdout) as { created?: unknown });
      assert.equal(results.filter((r) => r.created).length, 1, JSON.stringify(results));
      const store = await openStore({ databaseUrl: database.url });
      try {
        assert.equal(await store.countProjects(), 1);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
});
