import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

// Synthetic sources (emulator mode's simulated members) with a real ffmpeg and a real receiving
// peer; the scenario runs in a child process (fixtures/synthetic-scenario.ts) and reports.

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('MediaEngine.synthetic', () => {
  it('a test pattern and a tone reach a listener; mute silences it; leave, a worker restart and the end leave no ffmpeg behind', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'test/fixtures/synthetic-scenario.ts'],
      { cwd: root, timeout: 120_000 },
    ).catch((error: { stdout?: string; message: string }) => ({
      stdout: error.stdout ?? error.message,
    }));
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `the scenario failed: ${stdout.slice(0, 3000)}`);
    const r = JSON.parse(line.slice(7));
    // The name reaches ffmpeg as it is, in a file (never in the filter graph).
    assert.equal(r.nameFile, r.name);
    assert.equal(r.producersHeard, 2 + 2, "the bot's camera and microphone, the listener's two");
    assert.ok(r.heard.frames > 15, `frames decoded: ${r.heard.frames}`);
    // ffmpeg's sine is 1/8 of full scale (4096); the mix carries it as it is.
    assert.ok(r.heard.tone660 > 1500, `the tone is heard: ${JSON.stringify(r.heard)}`);
    assert.ok(r.heard.tone440 < 300, `and nothing else: ${JSON.stringify(r.heard)}`);
    assert.ok(r.muted.tone660 < 300, `muted, it is silent: ${JSON.stringify(r.muted)}`);
    assert.equal(r.dirGone, true, 'its temporary directory is removed');
    assert.equal(r.oldGone, true, "the old worker's ffmpeg ended");
    assert.equal(r.remaining, 0);
  });
});
