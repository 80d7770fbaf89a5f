/**
 * `npm test` for the server: the whole suite on SQLite, then the same files again on PostgreSQL
 * (`DATABASE_URL_TEST`, each store in a schema of its own, swept up at the end).
 *
 * A PostgreSQL that cannot be reached skips its pass with a notice; with `CI=true` it fails the
 * run instead. `CONCLAVE_TEST_ENGINES=sqlite` (or `postgres`) runs one pass only; file arguments
 * replace `test/*.test.ts`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/store/migrations/index.js';
import {
  dropSchemas,
  postgresTestUrl,
  schemasLike,
  testSchemaPrefix,
  withPgClient,
} from './test-database.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ci = process.env.CI === 'true';
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

function testFiles(): string[] {
  const given = process.argv.slice(2);
  if (given.length > 0) return given;
  return readdirSync(join(root, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join('test', f));
}

function runPass(engine: Engine, files: string[]): Promise<number> {
  process.stdout.write(
    `\n━━ server suite on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ━━\n`,
  );
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=1', ...files],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, CONCLAVE_TEST_ENGINE: engine, CONCLAVE_TEST_RUN_ID: runId },
    },
  );
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

async function postgresReachable(url: string): Promise<string | undefined> {
  try {
    await withPgClient(url, (client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || String(error) : String(error);
  }
}

async function main(): Promise<number> {
  const engines = (process.env.CONCLAVE_TEST_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((e) => e.trim());
  const files = testFiles();
  const results: string[] = [];
  let failed = false;

  if (engines.includes('sqlite')) {
    const code = await runPass('sqlite', files);
    results.push(`SQLite ${code === 0 ? 'passed' : 'FAILED'}`);
    failed ||= code !== 0;
  }

  if (engines.includes('postgres')) {
    const url = postgresTestUrl();
    const unreachable = await postgresReachable(url);
    if (unreachable) {
      const where = url.replace(/\/\/[^@/]*@/, '//');
      const notice =
        `PostgreSQL at ${where} is unreachable (${unreachable}).\n` +
        `Set DATABASE_URL_TEST or start PostgreSQL to run the suite on it.`;
      process.stdout.write(`\n${'!'.repeat(80)}\n${notice}\n`);
      if (ci) {
        process.stdout.write('CI=true: the PostgreSQL pass is required — failing.\n');
        results.push('PostgreSQL UNREACHABLE');
        failed = true;
      } else {
        process.stdout.write('The PostgreSQL pass is SKIPPED.\n');
        results.push('PostgreSQL SKIPPED (unreachable)');
      }
      process.stdout.write(`${'!'.repeat(80)}\n`);
    } else {
      try {
        const code = await runPass('postgres', files);
        results.push(`PostgreSQL ${code === 0 ? 'passed' : 'FAILED'}`);
        failed ||= code !== 0;
      } finally {
        // Stores drop their schema when closed; this catches those of a test that crashed.
        const prefix = testSchemaPrefix(runId);
        await dropSchemas(url, await schemasLike(url, prefix)).catch(() => {});
      }
    }
  }

  process.stdout.write(`\nserver suite: ${results.join(' · ')}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
