import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

// Calls (MediaEngine.call / show) with real peers: @roamhq/wrtc connections stand in for
// SignalWire's browser SDK and for Conclave's own clients. Each scenario runs in a child process
// (see fixtures/call-scenario.ts) and reports what its peers received; the assertions are here.

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's JSON report
async function scenario(name: string): Promise<any> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'test/fixtures/call-scenario.ts', name],
    { cwd: root, timeout: 60_000 },
  ).catch((error: { stdout?: string; message: string }) => ({
    stdout: error.stdout ?? error.message,
  }));
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `scenario ${name} failed: ${stdout.slice(0, 2000)}`);
  return JSON.parse(line.slice(7));
}

/** A tone this loud (of 8000 sent) was heard. */
const PRESENT = 3000;

describe('MediaEngine.call', () => {
  it('two call members see and hear each other; the answer is complete (VP8, Opus, candidates)', async () => {
    const r = await scenario('two-calls');
    assert.ok(r.answerCandidates.length >= 1, 'the answer carries candidates');
    for (const line of r.answerCandidates) assert.match(line, / 127\.0\.0\.1 \d+ typ host/);
    assert.match(r.answerCodecs.join(' '), /opus\/48000/);
    assert.match(r.answerCodecs.join(' '), /VP8\/90000/);
    assert.doesNotMatch(r.answerCodecs.join(' '), /H264/);
    assert.equal(r.callsDuring, 2);
    // A shows B's camera (brightness 190) and hears B's tone, and the other way round.
    assert.ok(r.a.frames > 20 && Math.abs(r.a.luma - 190) < 20, JSON.stringify(r.a));
    assert.ok(r.b.frames > 20 && Math.abs(r.b.luma - 60) < 20, JSON.stringify(r.b));
    assert.ok(r.a.tone1000 > PRESENT, `A hears B: ${r.a.tone1000}`);
    assert.ok(r.b.tone440 > PRESENT, `B hears A: ${r.b.tone440}`);
    assert.equal(r.counts.calls, 2);
    assert.equal(r.counts.producers, 4);
    assert.ok(r.counts.mixedFrames > 50, `mixed frames: ${r.counts.mixedFrames}`);
    assert.ok(r.counts.mixCpuUs > 0);
  });
});
