import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/open-store.js';
import { exportData } from '../src/transfer/export-data.js';
import { seedConferences, seedProject } from './helpers/seed-data.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/test-database.js';

const commands = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/src/commands');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `conclave export` / `conclave import` (their command modules) in a process of their own,
 * as the CLI does; `stdin` is piped in when given.
 */
function command(
  which: 'export' | 'import',
  options: Record<string, unknown>,
  stdin?: NodeJS.ReadableStream,
) {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', runner, which, JSON.stringify(options)],
    { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } },
  );
  if (stdin) stdin.pipe(child.stdin!);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((settle) =>
    child.once('exit', (code) => settle({ code, stdout, stderr })),
  );
  return { child, done };
}

async function exported(databaseUrl: string): Promise<string> {
  const store = await openStore({ databaseUrl });
  let text = '';
  try {
    for await (const chunk of exportData(store, { now: () => new Date(0) })) text += chunk;
  } finally {
    await store.close();
  }
  return text.slice(text.indexOf('\n') + 1);
}

let dir = '';
let runner = '';

/** What the CLI does with a parsed command line: call the command's function, exit with its code. */
function writeRunner(): string {
  const path = join(dir, 'run-command.mjs');
  writeFileSync(
    path,
    `const [which, options] = process.argv.slice(2);
const { runExport } = await import(${JSON.stringify(join(commands, 'export.ts'))});
const { runImport } = await import(${JSON.stringify(join(commands, 'import.ts'))});
process.exitCode = await (which === 'export' ? runExport : runImport)(JSON.parse(options));
`,
  );
  return path;
}

// Real processes are slow to start on a busy machine: this runs once, in the PostgreSQL pass (the
// move it exists for); transfer.test.ts covers the same code on SQLite alone.
const skip = testEngine() === 'postgres' ? {} : { skip: 'runs in the PostgreSQL pass' };

describe('conclave export | conclave import (SQLite → PostgreSQL)', skip, () => {
  let source = '';
  let file = '';
  const targets: TestDatabase[] = [];
  const target = async () => {
    const database = await createTestDatabase();
    targets.push(database);
    return database.url;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-transfer-'));
    runner = writeRunner();
    source = join(dir, 'source.sqlite');
    file = join(dir, 'export.jsonl');
    const store = await openStore({ databaseUrl: source });
    const projectId = await seedProject(store, 'cli', 1_700_000_000_000);
    await seedConferences(store, projectId, 1200);
    await store.close();
  });
  after(async () => {
    for (const t of targets) await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports to a file and imports it, reporting the rows on stderr', async () => {
    const out = await command('export', { database: source, file }).done;
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /^Exported 1 project\(s\), 1200 conferences, 2400 conference tokens/);
    assert.match(readFileSync(file, 'utf8'), /\{"type":"end","counts":\{"projects":1,/);

    const url = await target();
    const load = await command('import', { database: url, file }).done;
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stderr, /^Imported 1 project\(s\), 1 API tokens, 1200 conferences/);
    assert.match(load.stderr, /the database holds exactly these rows/);
    assert.equal(await exported(url), await exported(source));

    const again = await command('import', { database: url, file }).done;
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists in the target database/);
  });

  it('streams from one to the other through a pipe', async () => {
    const url = await target();
    const producer = command('export', { database: source });
    const consumer = command('import', { database: url }, producer.child.stdout!);
    const [out, load] = await Promise.all([producer.done, consumer.done]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(load.code, 0, load.stderr);
    assert.equal(await exported(url), await exported(source));
  });

  it('says how to continue when the file breaks off', async () => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, lines.slice(0, 1100).join('\n') + '\n{"type":"conference","row":');
    const url = await target();
    const load = await command('import', { database: url, file: truncated }).done;
    assert.equal(load.code, 1);
    assert.match(load.stderr, /line 1101: not JSON; lines up to \d+ are in the database/);
    const resume = /--resume-from (\d+)/.exec(load.stderr);
    assert.ok(resume, load.stderr);

    const finish = await command('import', {
      database: url,
      file,
      resumeFrom: Number(resume[1]),
    }).done;
    assert.equal(finish.code, 0, finish.stderr);
    assert.equal(await exported(url), await exported(source));
  });
});
