import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import {
  NoMediaEngine,
  outputDefaults,
  parseMediaConfig,
  parseOutputOptions,
  WorkerMediaEngine,
  type OutputEvent,
} from '../src/index.js';

// Recordings and streams (MediaEngine.startOutput) with real peers (@roamhq/wrtc) and a real
// ffmpeg. Each scenario runs in a child process (fixtures/output-scenario.ts) and reports the
// outputs' events and what ffprobe/ffmpeg find in what they wrote; the assertions are here.

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's JSON report
async function scenario(name: string): Promise<any> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'test/fixtures/output-scenario.ts', name],
    { cwd: root, timeout: 120_000 },
  ).catch((error: { stdout?: string; message: string }) => ({
    stdout: error.stdout ?? error.message,
  }));
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `scenario ${name} failed: ${stdout.slice(0, 2000)}`);
  return JSON.parse(line.slice(7));
}

/** A tone this loud (of 8000 sent) is in the sound. */
const PRESENT = 3000;
/**
 * A tone this loud is there, if much broken up: a stream's AAC on a machine whose cores the
 * encoder shares with browsers measured 838 once. Loud pink noise measures ~110, another tone ~2.
 */
const HEARD = 400;

describe('MediaEngine outputs: recordings', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's JSON report
  let r: any;
  before(async () => {
    r = await scenario('recording');
  });

  it('records the featured camera (switched A → B → C) and everyone mixed, as VP8 + Opus WebM', () => {
    assert.deepEqual(r.events, ['r1 running', 'r2 running', 'r1 ended', 'r2 ended']);
    assert.equal(r.during.outputs, 2);
    assert.equal(r.after.outputs, 1, 'the stopped one is no longer open');
    assert.deepEqual(r.r1.codecs, ['vp8', 'opus']);
    assert.equal(r.ended.format, 'webm');
    // The file is what the event says: its real duration (within 1 s) and size.
    assert.ok(Math.abs(r.ended.durationMs - r.r1.durationMs) <= 1000, JSON.stringify(r.ended));
    assert.equal(r.ended.sizeBytes, r.r1.sizeBytes);
    assert.ok(r.ended.durationMs > 3000, `duration ${r.ended.durationMs}`);
    // Pictures: A's camera (brightness 60), then B's (190), then C's (120), in that order.
    const cameras = r.r1.pictures
      .map(([luma]: [number, number]) => luma)
      .filter((l: number) => l > 30);
    const order = [60, 190, 120].map((want) =>
      cameras.findIndex((l: number) => Math.abs(l - want) <= 20),
    );
    assert.ok(
      order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!,
      `pictures ${JSON.stringify(r.r1.pictures)}`,
    );
    // Sound: all three voices (the full mix: an output subtracts nobody).
    for (const tone of ['440', '1000', '700']) {
      assert.ok(r.r1.tones[tone] > PRESENT, `tone ${tone}: ${JSON.stringify(r.r1.tones)}`);
    }
    assert.equal(r.running.state, 'running');
    assert.ok(r.running.width > 0 && r.running.height > 0);
  });

  it('close() finishes an open recording: ended, its file complete (black: nobody featured)', () => {
    assert.equal(r.closed.state, 'ended', JSON.stringify(r.closed));
    assert.deepEqual(r.r2.codecs, ['vp8', 'opus']);
    assert.ok(r.r2.durationMs !== null, 'the file has its duration written (finished cleanly)');
    assert.ok(Math.abs(r.closed.durationMs - r.r2.durationMs) <= 1000);
    assert.ok(
      r.r2.pictures.every(([luma]: [number, number]) => luma < 30),
      `black only: ${JSON.stringify(r.r2.pictures)}`,
    );
    assert.ok(r.r2.tones['440'] > PRESENT);
  });

  it(
    'Chromium plays the recording to its end',
    {
      skip:
        !existsSync(CHROMIUM_PATH) && process.env.CI !== 'true'
          ? `no Chromium at ${CHROMIUM_PATH}`
          : false,
    },
    async () => {
      const file: string = r.files.r1;
      const http = createServer((request, response) => {
        if (request.url === '/r.webm') {
          void readFile(file).then((body) => {
            response.writeHead(200, { 'content-type': 'video/webm' });
            response.end(body);
          });
          return;
        }
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<!doctype html><video id="v" src="/r.webm" muted></video>');
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
      const { port } = http.address() as { port: number };
      const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
        timeout: 30_000,
      });
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/`);
        // (A string: functions written here would carry tsx's helpers into the page.)
        const played = (await page.evaluate(`new Promise((resolve) => {
          const v = document.getElementById('v');
          const report = (how) => resolve({
            how,
            currentTime: v.currentTime,
            duration: v.duration,
            width: v.videoWidth,
            frames: v.getVideoPlaybackQuality().totalVideoFrames,
            error: v.error ? v.error.message : null,
          });
          v.addEventListener('ended', () => report('ended'));
          v.addEventListener('error', () => report('error'));
          v.playbackRate = 4;
          v.play().catch((e) => resolve({ how: 'play failed', error: e.message }));
          setTimeout(() => report('timeout'), 20000);
        })`)) as Record<string, unknown>;
        assert.equal(played.how, 'ended', JSON.stringify(played));
        assert.ok((played.currentTime as number) > 3, JSON.stringify(played));
        assert.ok((played.frames as number) > 10, JSON.stringify(played));
      } finally {
        await browser.close();
        http.close();
      }
    },
  );
});

describe('MediaEngine outputs: long recordings, shutdown, start-up deadline', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's JSON report
  let r: any;
  before(async () => {
    r = await scenario('long-recording');
  });

  it('close() right after endSession(): the recording ends (not failed), its file complete', () => {
    assert.deepEqual(r.events, ['r running', 'r ended'], JSON.stringify(r.final));
    assert.deepEqual(r.file.codecs, ['vp8', 'opus']);
    assert.ok(r.file.durationMs !== null, 'the file has its duration written (finished cleanly)');
    assert.ok(Math.abs(r.final.durationMs - r.file.durationMs) <= 1000, JSON.stringify(r.final));
    assert.equal(r.final.sizeBytes, r.file.sizeBytes);
    assert.ok(r.file.tones['440'] > PRESENT);
  });

  it('a recording asks its camera for keyframes (every 2 s here): it seeks within ~2–3 s', () => {
    const seconds = r.file.durationMs / 1000;
    assert.ok(seconds > 6, `duration ${seconds} s`);
    const keyframes: number[] = [...r.keyframes, seconds];
    const gaps = keyframes.slice(1).map((t, i) => t - keyframes[i]!);
    assert.ok(
      keyframes[0]! < 0.5 && gaps.every((gap) => gap <= 3),
      `keyframes ${JSON.stringify(r.keyframes)} in ${seconds} s`,
    );
    // Asked when due, not at every check: no more than one a second on average.
    assert.ok(r.keyframes.length <= seconds + 2, `keyframes ${JSON.stringify(r.keyframes)}`);
    assert.ok(r.keyframesAsked >= 2, `asked ${r.keyframesAsked}`);
  });

  it('an output that writes nothing fails at its start-up deadline, with a clear reason', async () => {
    // A stream to a destination that accepts the connection and never answers (3 s deadline).
    const t = await scenario('start-timeout');
    assert.equal(t.accepted, 1, 'ffmpeg connected to the destination');
    assert.deepEqual(t.events, ['s failed']);
    assert.equal(t.failed.reason, 'no output within 3 s: ffmpeg wrote nothing');
    assert.equal(t.failed.format, 'flv');
    assert.deepEqual(t.counts, { outputs: 0, outputFailures: 1 });
    assert.deepEqual(t.pidsLeft, [], 'its ffmpeg was ended');
  });

  it('defaults: 20 s to start, a recording keyframe at least every 10 s', () => {
    assert.equal(outputDefaults().startTimeoutMs, 20_000);
    assert.equal(outputDefaults().recordingKeyframeIntervalMs, 10_000);
  });
});

describe('MediaEngine outputs: sync', () => {
  it("a recording's picture and sound stay together (changes within 150 ms of each other)", async () => {
    // One member's brightness and tone change at once every ~2 s (by the output's packet count).
    const r = await scenario('sync');
    assert.ok(r.sync.pictureChanges.length >= 5, `picture changes ${JSON.stringify(r.sync)}`);
    for (const offset of r.sync.offsets) {
      assert.ok(Math.abs(offset) <= 150, `sound vs picture: ${JSON.stringify(r.sync)}`);
    }
  });
});

describe('MediaEngine outputs: streams and audio-only sessions', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's JSON report
  let r: any;
  before(async () => {
    r = await scenario('stream-audio-only');
  });

  it('streams H.264 + AAC to an RTMP server; a session without cameras records and streams', () => {
    assert.deepEqual(r.running, {
      id: 's1',
      state: 'running',
      width: 1280,
      height: 720,
      fps: 30,
    });
    assert.deepEqual(r.received.codecs, ['h264', 'aac']);
    assert.ok(r.received.durationMs > 3000, `received ${r.received.durationMs} ms`);
    assert.ok(
      Math.abs(r.received.durationMs - r.ended.durationMs) <= 1000,
      `sent ${r.ended.durationMs} ms, received ${r.received.durationMs} ms`,
    );
    // (AAC after a resampler that fills gaps: on a loaded machine the tone is broken up more
    // than in the copied Opus; absent, it measures near 0.)
    assert.ok(r.received.tones['440'] > HEARD, `stream sound ${JSON.stringify(r.received)}`);
    assert.ok(r.received.pictures.length > 0, 'the stream has pictures (black)');
    // The audio-only recording: black pictures and the voice.
    assert.deepEqual(r.recording.codecs, ['vp8', 'opus']);
    assert.ok(r.recording.tones['440'] > PRESENT);
    assert.ok(Math.abs(r.recorded.durationMs - r.recording.durationMs) <= 1000);
  });

  it('a destination that refuses, or is not RTMP, fails with a clear reason', () => {
    assert.equal(r.refused.state, 'failed');
    assert.match(r.refused.reason, /Connection refused/);
    assert.equal(r.invalid.state, 'failed');
    assert.match(r.invalid.reason, /rtmp:\/\/ or rtmps:\/\//);
    assert.equal(r.counts.outputs, 0);
    assert.equal(r.counts.outputFailures, 2);
  });
});

describe('MediaEngine outputs: failures', () => {
  it('a killed encoder, an unwritable target, a full disk, endSession and a worker restart', async () => {
    const r = await scenario('failures');
    assert.equal(r.killed.state, 'failed');
    assert.match(r.killed.reason, /SIGKILL/);
    assert.equal(r.killed.sizeBytes, r.killedFile.sizeBytes, 'the size of what the file holds');
    // One-second clusters: the file cut short still holds what came before the kill.
    assert.ok(r.killed.durationMs > 500, `the killed file holds ${r.killed.durationMs} ms`);
    assert.deepEqual(r.killedFile.codecs, ['vp8', 'opus']);
    assert.equal(r.unwritable.state, 'failed');
    assert.match(r.unwritable.reason, /No such file or directory/);
    assert.equal(r.full.state, 'failed');
    assert.match(r.full.reason, /No space left on device/);
    assert.equal(r.afterKill.outputs, 0);
    assert.equal(r.afterKill.outputFailures, 3);
    assert.equal(r.endedWithSession.state, 'ended');
    assert.ok(r.endedWithSession.durationMs > 500);
    assert.equal(r.restarted.state, 'failed');
    assert.match(r.restarted.reason, /worker/);
    assert.ok(r.restarted.sizeBytes > 0, 'the file is finished and kept');
    assert.deepEqual(r.pidsLeft, [], 'no ffmpeg is left running');
  });

  it('without ffmpeg: outputsUnavailable says so, and startOutput fails', async () => {
    const events: [string, OutputEvent][] = [];
    const engine = new WorkerMediaEngine(
      {
        workers: 1,
        addresses: ['127.0.0.1'],
        portRange: undefined,
        iceServers: [],
        keyframeIntervalMs: 500,
        outputs: parseOutputOptions({ CONCLAVE_FFMPEG: '/nonexistent/ffmpeg' }),
      },
      {
        send: () => undefined,
        talking: () => undefined,
        output: (_s, id, e) => events.push([id, e]),
      },
    );
    try {
      assert.equal(engine.outputsUnavailable, 'ffmpeg not found: /nonexistent/ffmpeg');
      engine.startOutput('s', { id: 'r', kind: 'recording', target: '/tmp/x.webm' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(events, [
        [
          'r',
          {
            state: 'failed',
            reason: 'ffmpeg not found: /nonexistent/ffmpeg',
            durationMs: 0,
            sizeBytes: 0,
            format: 'webm',
          },
        ],
      ]);
    } finally {
      await engine.close();
    }
    const none: [string, OutputEvent][] = [];
    const off = new NoMediaEngine({ output: (_s, id, e) => none.push([id, e]) });
    assert.equal(off.outputsUnavailable, 'no media engine');
    off.startOutput('s', { id: 'x', kind: 'stream', target: 'rtmp://h/a' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(none[0]?.[1].state, 'failed');
  });

  it('CONCLAVE_FFMPEG names the binary; CONCLAVE_STREAM_* set what a stream is encoded as', () => {
    assert.equal(outputDefaults().ffmpeg, 'ffmpeg');
    assert.deepEqual(parseOutputOptions({}), {});
    assert.deepEqual(parseOutputOptions({ CONCLAVE_FFMPEG: '/opt/ff/ffmpeg' }), {
      ffmpeg: '/opt/ff/ffmpeg',
    });
    assert.deepEqual(
      parseOutputOptions({
        CONCLAVE_STREAM_SIZE: '854x480',
        CONCLAVE_STREAM_FPS: '15',
        CONCLAVE_STREAM_KBPS: '1200',
      }),
      { streamWidth: 854, streamHeight: 480, streamFps: 15, streamVideoKbps: 1200 },
    );
    assert.equal(
      parseMediaConfig({ CONCLAVE_STREAM_SIZE: '640X360' }, '127.0.0.1').outputs?.streamWidth,
      640,
    );
    for (const [name, value] of [
      ['CONCLAVE_STREAM_SIZE', '1280'],
      ['CONCLAVE_STREAM_SIZE', '1281x720'],
      ['CONCLAVE_STREAM_SIZE', '7680x4320'],
      ['CONCLAVE_STREAM_FPS', '0'],
      ['CONCLAVE_STREAM_FPS', '2.5'],
      ['CONCLAVE_STREAM_KBPS', 'fast'],
    ] as const) {
      assert.throws(
        () => parseOutputOptions({ [name]: value }),
        new RegExp(name),
        `${name}=${value}`,
      );
    }
  });
});
