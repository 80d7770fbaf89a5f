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

/** A tone this loud (of 8000 sent) was heard; one under `ABSENT` was not. */
const PRESENT = 3000;
const ABSENT = 800;

describe('MediaEngine.call', () => {
  it('two call members see and hear each other; the answer is complete (VP8, Opus, candidates)', async () => {
    const r = await scenario('two-calls');
    assert.ok(r.answerCandidates.length >= 1, 'the answer carries candidates');
    for (const line of r.answerCandidates) assert.match(line, / 127\.0\.0\.1 \d+ typ host/);
    assert.match(r.answerCodecs.join(' '), /opus\/48000/);
    assert.match(r.answerCodecs.join(' '), /VP8\/90000/);
    assert.doesNotMatch(r.answerCodecs.join(' '), /H264/);
    assert.equal(r.callsDuring, 2);
    assert.deepEqual(r.talking, [true, true], 'talking is heard from calls too (RFC 6464 levels)');
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

  it('mix-minus: a listener hears both speakers, each speaker hears the other but not itself', async () => {
    const r = await scenario('mix-minus');
    assert.ok(r.c.tone440 > PRESENT && r.c.tone1000 > PRESENT, `C: ${JSON.stringify(r.c)}`);
    assert.ok(r.a.tone1000 > PRESENT && r.a.tone440 < ABSENT, `A: ${JSON.stringify(r.a)}`);
    assert.ok(r.b.tone440 > PRESENT && r.b.tone1000 < ABSENT, `B: ${JSON.stringify(r.b)}`);
    // C is audience: answered send-only (it only receives), and publishes nothing.
    assert.deepEqual(r.answerDirections, ['a=sendonly', 'a=sendonly']);
    assert.equal(r.counts.producers, 4);
    assert.ok(r.c.frames > 0, 'C still sees the featured camera');
  });

  it('switching show() goes on from the new camera after a keyframe request; null shows nothing', async () => {
    const r = await scenario('switch');
    assert.ok(Math.abs(r.before.luma - 60) < 20, `A's camera first: ${r.before.luma}`);
    assert.ok(Math.abs(r.after.luma - 190) < 20, `B's camera after: ${r.after.luma}`);
    assert.ok(r.after.frames > r.before.frames + 10, 'frames kept being decoded');
    assert.ok(
      r.after.counts.keyframesAsked > r.before.counts.keyframesAsked &&
        r.after.counts.keyframesSent > r.before.counts.keyframesSent,
      `keyframe requests: ${JSON.stringify([r.before.counts, r.after.counts])}`,
    );
    assert.equal(r.consumersAfterNull, 0);
    assert.equal(r.framesAfterNull, 0);
  });

  it('a muted source is not mixed; a deaf member is sent no audio', async () => {
    const r = await scenario('mute-deaf');
    assert.ok(r.muted.tone440 > PRESENT, `A still heard: ${r.muted.tone440}`);
    assert.ok(r.muted.tone1000 < ABSENT, `muted B not heard: ${r.muted.tone1000}`);
    assert.ok(r.aHearsMutedB < ABSENT, `muted B not heard by A: ${r.aHearsMutedB}`);
    // In flight at most a packet or two when the deafness began; none after.
    assert.ok(r.deaf.packetsDuring <= 2, `packets to deaf C: ${r.deaf.packetsDuring}`);
    assert.ok(r.deaf.mixedFrames > 0, 'the others are still sent the mix');
  });

  it('an unusable offer gets an error with its ref, and leaves no connection open', async () => {
    const r = await scenario('bad-offers');
    const codes = r.replies.map((m: { ref: string; type: string; code: string }) => [
      m.ref,
      m.type,
      m.code,
    ]);
    assert.deepEqual(
      codes,
      [
        'garbage',
        'too many sections',
        'two video sections',
        'no ICE credentials',
        'no codecs (werift fails)',
        'no mids (werift fails)',
      ].map((ref) => [ref, 'error', 'media_failed']),
    );
    assert.match(r.replies[1].message, /too many media sections/);
    assert.match(r.replies[2].message, /one audio and one video section/);
    assert.equal(r.calls, 0);
    assert.equal(r.transports, 0);
    assert.equal(r.producers, 0);
    assert.equal(r.errors, 6);
    assert.equal(r.afterGoodOffer, 1, 'a good offer afterwards is answered');
  });

  it("a Conclave member (publish/subscribe) and a call member get each other's tracks", async () => {
    const r = await scenario('with-conclave-member');
    assert.ok(r.p.frames > 20 && Math.abs(r.p.luma - 60) < 20, `P sees A: ${JSON.stringify(r.p)}`);
    assert.ok(r.p.tone440 > PRESENT, `P hears A: ${r.p.tone440}`);
    assert.ok(r.a.frames > 20 && Math.abs(r.a.luma - 120) < 20, `A sees P: ${JSON.stringify(r.a)}`);
    assert.ok(
      r.a.tone700 > PRESENT && r.a.tone440 < ABSENT,
      `A hears P only: ${JSON.stringify(r.a)}`,
    );
    assert.equal(r.counts.calls, 1);
    assert.equal(r.counts.transports, 3);
  });

  it('a call whose connection fails is closed and reported', async () => {
    const r = await scenario('failed');
    assert.equal(r.during, 2);
    assert.deepEqual(r.closed, { type: 'media.closed', reason: 'failed' });
    assert.equal(r.calls, 1, "only B's call is left");
    assert.equal(r.producers, 2, "A's tracks are gone");
  });

  it("a new offer replaces the member's call; leaving ends it", async () => {
    const r = await scenario('replace');
    assert.equal(r.calls, 2, 'one call per member');
    assert.equal(r.producers, 4, "the old connection's tracks are gone");
    for (const key of ['calls', 'transports', 'producers', 'consumers', 'members'] as const) {
      assert.equal(r.afterLeave[key], 0, key);
    }
  });
});
