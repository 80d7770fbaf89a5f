/**
 * The call mixer's CPU per member: N call members, all speaking at once (the worst case), driven
 * through the real `AudioMixer` frame by frame — each frame decodes N Opus packets, sums them,
 * and encodes N mixes (each less its member's own voice). Baseline, in the same run: the same
 * members' frames each encoded once with the same libopus (what sending one's own voice costs, no
 * decode and no mix). Rounds interleave the cases; medians are printed.
 *
 *   npm run bench -w @conclave/media               # N = 2, 4, 8; 500 frames (10 s of audio)
 *   npm run bench -w @conclave/media -- --frames 250 --rounds 5 --members 2,4,8,16
 *
 * The last line is `RESULT <json>` for scripts. Packets are sent to no network (a stub sender).
 */
import { parseArgs } from 'node:util';
import { emptyCounts } from '../src/media-types.js';
import { AudioMixer, FRAME_SAMPLES } from '../src/worker/audio-mixer.js';
import { OpusEncoder } from '../src/worker/opus-codec.js';
import { stubProducer, stubSender } from '../test/fixtures/mixer-stubs.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    members: { type: 'string', default: '2,4,8' },
  },
});
const FRAMES = Number(values.frames);
const ROUNDS = Number(values.rounds);
const SIZES = values.members.split(',').map(Number);

/** A speaker's 20 ms frames: a tone of its own (speech-like level), as PCM and as Opus. */
function speaker(index: number) {
  const encoder = new OpusEncoder(FRAME_SAMPLES);
  const pcm: Int16Array[] = [];
  const opus: Buffer[] = [];
  const frequency = 200 + 90 * index;
  for (let f = 0; f < FRAMES; f++) {
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const t = (f * FRAME_SAMPLES + i) / 48_000;
      // A tone with a slow tremolo and a little noise: not trivially compressible.
      const v = Math.sin(2 * Math.PI * frequency * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
      frame[i] = Math.round(v * 6000 + (Math.random() - 0.5) * 300);
    }
    pcm.push(frame);
    opus.push(encoder.encode(frame));
  }
  encoder.delete();
  return { pcm, opus };
}

const speakers = Array.from({ length: Math.max(...SIZES) }, (_, i) => speaker(i));

/** µs for FRAMES frames of an N-member mix (decode N, mix, encode N). */
function mixRun(n: number): number {
  const counts = emptyCounts();
  const mixer = new AudioMixer(counts);
  const members = Array.from({ length: n }, (_, i) => ({ id: `m${i}`, ...stubProducer(`m${i}`) }));
  mixer.sync(
    members.map((m) => m.producer),
    members.map((m) => ({ memberId: m.id, sender: stubSender(false).sender, deaf: false })),
  );
  const start = process.hrtime.bigint();
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < n; i++) members[i]!.deliver(speakers[i]!.opus[f]!);
    mixer.mixFrame();
  }
  const us = Number(process.hrtime.bigint() - start) / 1000;
  if (counts.mixedFrames !== n * FRAMES) throw new Error(`mixed ${counts.mixedFrames} frames`);
  mixer.close(); // before the mixer's own clock could run
  return us;
}

/** µs for the baseline: each of N speakers' FRAMES frames encoded once (no decode, no mix). */
function baselineRun(n: number): number {
  const encoders = Array.from({ length: n }, () => new OpusEncoder(FRAME_SAMPLES));
  const start = process.hrtime.bigint();
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < n; i++) encoders[i]!.encode(speakers[i]!.pcm[f]!);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000;
  for (const encoder of encoders) encoder.delete();
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (FRAMES * FRAME_SAMPLES) / 48_000;

// Warm-up (JIT and wasm tiers), not measured.
for (const n of SIZES) {
  baselineRun(n);
  mixRun(n);
}

const baselines = new Map<number, number[]>(SIZES.map((n) => [n, []]));
const mixes = new Map<number, number[]>(SIZES.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const n of SIZES) {
    baselines.get(n)!.push(baselineRun(n));
    mixes.get(n)!.push(mixRun(n));
  }
}

const rows = SIZES.map((n) => {
  const us = median(mixes.get(n)!);
  const perMemberPerSecond = us / n / seconds;
  const baselinePerMemberPerSecond = median(baselines.get(n)!) / n / seconds;
  return {
    members: n,
    usPerFrame: us / FRAMES,
    usPerMemberPerSecond: perMemberPerSecond,
    /** Share of one core per member. */
    corePerMember: perMemberPerSecond / 1e6,
    baselineUsPerMemberPerSecond: baselinePerMemberPerSecond,
    ratioToOneEncode: perMemberPerSecond / baselinePerMemberPerSecond,
  };
});

const fmt = (x: number, digits = 0) => x.toFixed(digits).padStart(10);
process.stdout.write(
  `Call mixer: ${FRAMES} frames (${seconds} s of audio), median of ${ROUNDS} rounds\n` +
    `baseline: each member's frames encoded once (opusscript's libopus, same frames)\n\n` +
    `   members  µs/frame(all)  µs/member/s  core/member  baseline µs/member/s  ratio\n`,
);
for (const r of rows) {
  process.stdout.write(
    `${fmt(r.members)} ${fmt(r.usPerFrame, 1)}     ${fmt(r.usPerMemberPerSecond)}  ` +
      `${fmt(r.corePerMember * 100, 2)}%  ${fmt(r.baselineUsPerMemberPerSecond)}            ` +
      `${fmt(r.ratioToOneEncode, 2)}\n`,
  );
}
process.stdout.write(`RESULT ${JSON.stringify({ frames: FRAMES, rounds: ROUNDS, rows })}\n`);
