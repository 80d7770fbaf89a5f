/**
 * The outputs run of `npm run bench -- media`: what one recording and one stream of a session
 * cost. The session: N Chromium pages (the bench's fake camera and microphone), each a call
 * (SignalWire SDK-style: one connection, the featured camera and the mix) to a media engine in a
 * process of its own (lib/media-outputs-host.ts), each page showing the next member. Three
 * windows of the same length: the session alone, with a recording (WebM, streams copied), with a
 * stream (H.264 + AAC to a local RTMP sink). CPU from /proc: the engine's process (all threads)
 * and, separately, the output's ffmpeg (the RTMP sink's own CPU is not counted).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { OutputEvent } from '@conclave/media';
import type { MediaOptions } from './media-args.js';
import { ProcSampler } from './processes.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface OutputWindow {
  /** The engine's process, % of one core (all its threads). */
  enginePercent: number;
  /** The output's ffmpeg, % of one core (0 for the session alone). */
  ffmpegPercent: number;
  /** The whole machine busy, % of all its cores (the browsers included). */
  boxPercent: number;
  /** The output's 'running' event, and its 'ended' (or 'failed') one. */
  running?: OutputEvent;
  ended?: OutputEvent;
  /** Wall time from 'running' to the stop (ms): what the output's duration should about be. */
  wallMs?: number;
}

export interface OutputsRun {
  members: number;
  seconds: number;
  alone: OutputWindow;
  recording: OutputWindow | undefined;
  stream: OutputWindow | undefined;
  notes: string[];
}

const CALL_PAGE = (width: number, height: number, fps: number) => `<!doctype html>
<meta charset="utf-8"><title>Conclave outputs bench</title>
<script>
let pc;
window.harness = {
  async offer() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: ${width}, height: ${height}, frameRate: ${fps} },
    });
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription.sdp;
  },
  async answer(sdp) { await pc.setRemoteDescription({ type: 'answer', sdp }); },
  async frames() {
    let frames = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
    });
    return frames;
  },
};
</script>`;

type HostMessage =
  | { type: 'ready'; outputsUnavailable: string | null }
  | { type: 'send'; member: string; text: string }
  | { type: 'output'; id: string; event: OutputEvent };

/** This process's descendants whose name says Chromium (the bench's browser and its helpers). */
function chromiumProcesses(): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return [...names].filter(([pid, name]) => /chrom/i.test(name) && mine(pid)).map(([pid]) => pid);
}

/** The ffmpeg the engine's process started (its child), if any. */
function ffmpegChildOf(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm === 'ffmpeg') return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

async function freeTcpPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function outputsRun(
  browser: Browser,
  opts: MediaOptions,
  dir: string,
  log: (text: string) => void,
): Promise<OutputsRun> {
  const n = opts.outputsMembers;
  const notes: string[] = [];
  const session = 'outputs-bench';
  const host: ChildProcess = fork(
    fileURLToPath(new URL('./media-outputs-host.ts', import.meta.url)),
    [],
    {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const inbox: HostMessage[] = [];
  let wake: (() => void) | undefined;
  host.on('message', (message: HostMessage) => {
    inbox.push(message);
    wake?.();
  });
  const next = async <T extends HostMessage>(
    match: (m: HostMessage) => m is T,
    what: string,
    timeoutMs = 30_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = inbox.findIndex(match);
      if (index >= 0) return inbox.splice(index, 1)[0] as T;
      if (Date.now() > deadline) throw new Error(`outputs run: no ${what}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  const command = (c: Record<string, unknown>) => host.send(c);
  const outputEvent = (id: string, states: OutputEvent['state'][]) =>
    next(
      (m): m is Extract<HostMessage, { type: 'output' }> =>
        m.type === 'output' && m.id === id && states.includes(m.event.state),
      `${id} ${states.join('/')}`,
    ).then((m) => m.event);

  const http = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(CALL_PAGE(opts.width, opts.height, opts.fps));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
  const pages: Page[] = [];
  let sink: ChildProcess | undefined;
  const window = async (pid: number | undefined): Promise<OutputWindow> => {
    const sampler = new ProcSampler([host.pid!], pid ? [pid] : []).start();
    await sleep(opts.duration * 1000);
    const sample = sampler.stop();
    return {
      enginePercent: sample.cpuPercent[host.pid!] ?? 0,
      ffmpegPercent: sample.extraCpuPercent,
      boxPercent: sample.machineBusyPercent,
    };
  };
  // On a real server the members' browsers are elsewhere; here they share the two cores. They
  // yield to the server's side (the engine and its ffmpeg) so the outputs' cost is measured as
  // it would be, not as what a starved encoder manages. (The last run of the bench: no undo.)
  for (const pid of chromiumProcesses()) {
    try {
      setPriority(pid, 10);
    } catch {
      // not ours to lower
    }
  }
  try {
    const ready = await next(
      (m): m is Extract<HostMessage, { type: 'ready' }> => m.type === 'ready',
      'engine',
    );
    const members = Array.from({ length: n }, (_, i) => `member-${i}`);
    for (const member of members) {
      const page = await browser.newPage();
      pages.push(page);
      await page.goto(origin);
      const sdp = (await page.evaluate('window.harness.offer()')) as string;
      command({ op: 'join', session, member });
      command({ op: 'call', session, member, ref: member, sdp });
      const reply = await next(
        (m): m is Extract<HostMessage, { type: 'send' }> =>
          m.type === 'send' && m.member === member && m.text.includes('"call.answer"'),
        `answer for ${member}`,
      );
      const answer = JSON.parse(reply.text) as { sdp: string };
      await page.evaluate(`window.harness.answer(${JSON.stringify(answer.sdp)})`);
    }
    members.forEach((member, i) =>
      command({ op: 'show', session, member, featured: members[(i + 1) % n] }),
    );
    const deadline = Date.now() + opts.decodeTimeout * 1000;
    for (const page of pages) {
      while (((await page.evaluate('window.harness.frames()')) as number) < 5) {
        if (Date.now() > deadline) throw new Error('outputs run: a page never decoded video');
        await sleep(200);
      }
    }
    await sleep(opts.settle * 1000);
    log(`  session alone (${n} calls) …`);
    const alone = await window(undefined);
    let recording: OutputWindow | undefined;
    let stream: OutputWindow | undefined;
    if (ready.outputsUnavailable) {
      notes.push(`no outputs: ${ready.outputsUnavailable}`);
    } else {
      const measure = async (
        id: string,
        kind: 'recording' | 'stream',
        target: string,
      ): Promise<OutputWindow> => {
        command({ op: 'start', session, spec: { id, kind, target } });
        command({ op: 'showOutput', session, id, featured: members[0] });
        const running = await outputEvent(id, ['running', 'failed']);
        if (running.state === 'failed') {
          notes.push(`${kind}: ${running.reason}`);
          return { enginePercent: 0, ffmpegPercent: 0, boxPercent: 0, running };
        }
        const runningAt = Date.now();
        // Featured changes as in a meeting: a switch every few seconds.
        const switching = setInterval(() => {
          const featured = members[Math.floor(Math.random() * n)];
          command({ op: 'showOutput', session, id, featured });
        }, 3_000);
        await sleep(opts.settle * 1000);
        const w = await window(ffmpegChildOf(host.pid!));
        clearInterval(switching);
        const wallMs = Date.now() - runningAt;
        command({ op: 'stop', session, id });
        const ended = await outputEvent(id, ['ended', 'failed']);
        if (ended.state === 'failed') notes.push(`${kind}: ${ended.reason}`);
        return { ...w, running, ended, wallMs };
      };
      log('  + one recording …');
      recording = await measure('recording', 'recording', join(dir, 'outputs-bench.webm'));
      const port = await freeTcpPort();
      sink = spawn(
        'ffmpeg',
        [
          ...['-hide_banner', '-loglevel', 'error', '-listen', '1'],
          ...['-i', `rtmp://127.0.0.1:${port}/live/bench`, '-c', 'copy', '-f', 'null', '-'],
        ],
        { stdio: 'ignore' },
      );
      await sleep(500);
      log('  + one stream …');
      stream = await measure('stream', 'stream', `rtmp://127.0.0.1:${port}/live/bench`);
    }
    return { members: n, seconds: opts.duration, alone, recording, stream, notes };
  } finally {
    sink?.kill('SIGKILL');
    for (const page of pages) await page.close().catch(() => undefined);
    http.close();
    if (host.connected) {
      command({ op: 'close' });
      await Promise.race([new Promise((r) => host.once('exit', r)), sleep(15_000)]);
    }
    if (host.exitCode === null) host.kill('SIGKILL');
  }
}

/** The report's lines: fractions of one core. */
export function outputsLines(run: OutputsRun): string[] {
  const core = (percent: number) => (percent / 100).toFixed(2);
  const row = (name: string, w: OutputWindow | undefined) => {
    if (!w) return `  ${name}: not measured`;
    const extra = w.enginePercent - run.alone.enginePercent;
    const signed = (percent: number) => `${percent >= 0 ? '+' : ''}${core(percent)}`;
    const speed =
      w.ended?.state === 'ended' && w.wallMs
        ? ` (${(w.ended.durationMs / w.wallMs).toFixed(2)}× the ${(w.wallMs / 1000).toFixed(1)} s it ran)`
        : '';
    const ended =
      w.ended?.state === 'ended'
        ? `; ${w.ended.format} ${(w.ended.durationMs / 1000).toFixed(1)} s${speed}, ${Math.round(w.ended.sizeBytes / 1024)} KiB`
        : w.ended?.state === 'failed'
          ? `; failed: ${w.ended.reason}`
          : '';
    const shape =
      w.running?.state === 'running'
        ? ` (${w.running.width}×${w.running.height} @ ${w.running.fps} fps)`
        : '';
    return (
      `  ${name}${shape}: engine ${core(w.enginePercent)} (${signed(extra)}), ` +
      `ffmpeg ${core(w.ffmpegPercent)}, together ${signed(extra + w.ffmpegPercent)} core, ` +
      `box ${Math.round(w.boxPercent)} %${ended}`
    );
  };
  return [
    `Outputs (${run.members}-member session of calls, ${run.seconds} s windows; CPU as a fraction of one core):`,
    `  session alone: engine ${core(run.alone.enginePercent)}, box ${Math.round(run.alone.boxPercent)} %`,
    row('+ one recording (WebM, VP8 + Opus copied)', run.recording),
    row('+ one stream (H.264 veryfast/zerolatency + AAC, RTMP)', run.stream),
    '  engine = the media engine process (all threads: forwarding, mixing, RTP to ffmpeg), in brackets',
    "  against the session alone; ffmpeg = the output's own process (/proc/<pid>/stat); box = the",
    '  machine busy, % of all cores (Chromium pages included: a saturated box slows everyone). A stream',
    "  whose media is well under 1× the time it ran did not keep up (ffmpeg's out_time: its encoder starved).",
  ];
}
