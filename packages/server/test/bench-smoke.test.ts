/**
 * The README's `npm run bench` commands, at toy sizes: both benchmarks run to the end and print
 * their targets table. (Figures are never asserted: they are the benchmark's business.) Runs in
 * the SQLite pass only; the benchmarks pick their own engines.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { testEngine } from './helpers/test-database.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const skip = testEngine() === 'postgres' ? 'the benchmarks run once, in the SQLite pass' : false;

async function bench(args: string[]): Promise<string> {
  const { stdout, stderr } = await run('npm', ['run', '--silent', 'bench', '--', ...args], {
    cwd: root,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

describe('npm run bench (smoke)', { skip }, () => {
  it('the list and create benchmark runs', async () => {
    const out = await bench([
      '--n',
      '2000',
      '--duration',
      '1',
      '--warmup',
      '1',
      '--rounds',
      '1',
      '--no-build',
    ]);
    assert.match(out, /SQLite first page/);
    assert.match(out, /creates per second|create/);
  });

  it('the sessions benchmark runs', async () => {
    const out = await bench([
      'sessions',
      ...['--members', '20', '--conferences', '2', '--probes', '5'],
      ...['--duration', '1', '--rounds', '1', '--no-build'],
    ]);
    assert.match(out, /join p99 with 1,000 connected|join p99 with/);
    assert.match(out, /memory per member/);
    assert.doesNotMatch(out, /never delivered|closed by the server/i);
  });

  it(
    'the media benchmark runs (two Chromium members and the bare forwarder)',
    {
      skip:
        existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') || process.env.CI === 'true'
          ? false
          : 'no Chromium',
    },
    async () => {
      const out = await bench([
        'media',
        ...['--sizes', '2', '--duration', '2', '--settle', '1', '--churn', '0', '--two', '0'],
        '--no-build',
      ]);
      assert.match(out, /CPU per forwarded packet/);
      // The outputs run: one recording and one stream of a 4-member session, CPU beside it.
      assert.match(out, /session alone: engine \d/);
      assert.match(out, /\+ one recording .*ffmpeg \d.*webm/);
      assert.match(out, /\+ one stream .*ffmpeg \d.*flv/);
    },
  );
});

describe('npm run bench -- webhooks (smoke)', { skip }, () => {
  it('delivers every event to the receiver and compares creates with and without an endpoint', async () => {
    const out = await bench([
      'webhooks',
      ...['--burst', '200', '--rate', '50', '--duration', '1'],
      ...['--create-seconds', '1', '--rounds', '1', '--no-build'],
    ]);
    assert.match(out, /events delivered \(burst\)/);
    assert.match(out, /SQLite .*\d+ % \(\d+ % per CPU-s\)/);
    assert.doesNotMatch(out, /never arrived|creates failed|arrived twice/);
  });
});

describe('npm run bench -- mixer (smoke)', { skip }, () => {
  it('the call mixer benchmark runs against its baseline', async () => {
    const out = await bench(['mixer', '--frames', '25', '--rounds', '1', '--members', '2,4']);
    assert.match(out, /baseline/);
    const result = /^RESULT (.*)$/m.exec(out)?.[1];
    assert.ok(result, `a RESULT line in:\n${out}`);
    const rows = (JSON.parse(result) as { rows: { members: number; ratioToOneEncode: number }[] })
      .rows;
    assert.deepEqual(
      rows.map((r) => r.members),
      [2, 4],
    );
    for (const r of rows) assert.ok(r.ratioToOneEncode > 0, 'a ratio against the baseline');
  });
});
