/**
 * `npm run bench -- media`: Chromium pages publishing the fake camera (VP8) and microphone (Opus)
 * through Conclave (the real server, built, as its own process), N members each receiving all
 * others, N = 2, 4, 6, 8 — forwarded packets/s, server CPU per forwarded packet, join-to-first-frame,
 * loss, memory; a churn run (members join and leave while 6 keep decoding) and two concurrent
 * sessions (one per media worker); and the outputs run (lib/media-outputs.ts: the CPU of one
 * recording and one stream of a 4-member session, ffmpeg's included, beside the session alone).
 * The baseline, in the same run: a bare werift forwarder (bench/bare-media-forwarder.js, its own
 * process), one page to one page. See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BENCH_DIR, CPUS } from './lib/args.js';
import { MEDIA_HELP, parseMediaArgs, type MediaOptions } from './lib/media-args.js';
import { outputsLines, outputsRun, type OutputsRun } from './lib/media-outputs.js';
import { writeNoiseY4m } from './lib/media-video.js';
import {
  buildServer,
  cleanupOnExit,
  ProcSampler,
  readHwmKb,
  startBareServer,
  startConclave,
  type ChildServer,
} from './lib/processes.js';
import { fmtInt, ratio, table, targetTable, type Target } from './lib/report.js';
import { summarizeMs, type Latencies } from './lib/sessions-client.js';
import { createConferences } from './lib/sessions-server.js';

const log = (text: string) => process.stderr.write(`${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Pages in background tabs must keep encoding and decoding at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

interface InboundStat {
  kind: 'audio' | 'video';
  mid: string;
  member: string;
  framesDecoded: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
}

interface Member {
  page: Page;
  me: string;
  joinAt: number;
}

/** One measured window. */
export interface MediaWindow {
  seconds: number;
  /** Packets the forwarder sent (its own counter). */
  forwarded: number;
  forwardedPerSec: number;
  /** Packets the subscribing pages received (their getStats), per second. */
  receivedPerSec: number;
  receivedMbps: number;
  /** packetsLost / (packetsReceived + packetsLost) over the window, all streams. */
  loss: number;
  /** Server (or bare forwarder) CPU, % of one core. */
  cpuPercent: number;
  /** CPU µs per forwarded packet. */
  cpuUsPerPacket: number;
  rssMb: number;
  boxBusy: number;
  videoStreams: number;
  videoDecoding: number;
  /** Lowest decoded frame rate of any video stream. */
  minFps: number;
  audioStreams: number;
  audioFlowing: number;
  keyframesAsked?: number;
  keyframesSent?: number;
}

interface SizedRun {
  members: number;
  window: MediaWindow | undefined;
  jtff: Latencies;
  missingFirstFrames: number;
  /** Median time from a member's join to each step of its setup, ms. */
  phases: Record<string, number>;
  notes: string[];
}

interface ChurnRun {
  stable: number;
  cycles: number;
  churnerJtff: Latencies;
  /** Stable members seeing the newcomer's first frame, from the newcomer's join. */
  seenJtff: Latencies;
  churnerFailed: number;
  intervals: number;
  streamIntervals: number;
  stalledStreamIntervals: number;
  window: MediaWindow;
  notes: string[];
}

interface TwoRun {
  perConference: number;
  workers: { sessions: number; packetsOut: number }[];
  threads: { tid: number; name: string; cpuPercent: number }[];
  window: MediaWindow;
  notes: string[];
}

interface MediaTotals {
  packetsOut: number;
  keyframesAsked: number;
  keyframesSent: number;
}
interface MediaStats {
  available: boolean;
  workers: (MediaTotals & { sessions: number })[];
  total: MediaTotals;
}

class Bench {
  browser!: Browser;
  pageOrigin = '';
  server!: ChildServer;
  auth = '';
  adminToken = '';
  pageErrors: string[] = [];
  pages = new Set<Page>();

  constructor(readonly opts: MediaOptions) {}

  get wsUrl(): string {
    return this.server.origin.replace(/^http/, 'ws') + '/api/video/realtime';
  }

  async admin(): Promise<MediaStats> {
    const res = await fetch(`${this.server.origin}/admin/v1/media`, {
      headers: { authorization: `Bearer ${this.adminToken}` },
    });
    if (!res.ok) throw new Error(`/admin/v1/media → ${res.status} ${await res.text()}`);
    return (await res.json()) as MediaStats;
  }

  async openPage(): Promise<Page> {
    const page = await this.browser.newPage();
    this.pages.add(page);
    page.on('pageerror', (e) => this.pageErrors.push(String(e)));
    await page.goto(this.pageOrigin);
    return page;
  }

  async closePage(page: Page): Promise<void> {
    this.pages.delete(page);
    await page.close().catch(() => undefined);
  }

  async join(token: string): Promise<Member> {
    const page = await this.openPage();
    const { width, height, fps } = this.opts;
    const r = await page.evaluate(
      ([u, t, o]) =>
        (
          window as unknown as {
            start(u: string, t: string, o: unknown): Promise<{ me: string; joinAt: number }>;
          }
        ).start(u, t, o),
      [this.wsUrl, token, { width, height, fps }] as const,
    );
    return { page, ...r };
  }

  async conference(prefix: string): Promise<string> {
    const [c] = await createConferences(
      this.server.origin,
      this.auth,
      1,
      'medium',
      `${prefix}-${Date.now()}`,
    );
    return c!.token;
  }

  /** Joins `n` members one after the other, `joinGap` apart. */
  async joinMany(token: string, n: number): Promise<Member[]> {
    const out: Member[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) await sleep(this.opts.joinGap);
      out.push(await this.join(token));
    }
    return out;
  }
}

const firstFrames = (m: Member) =>
  m.page.evaluate(
    () => (window as unknown as { bench: { firstFrame: Record<string, number> } }).bench.firstFrame,
  );
const inbound = (page: Page) =>
  page
    .evaluate(() => (window as unknown as { inbound(): Promise<InboundStat[]> }).inbound())
    .catch(() => [] as InboundStat[]);
/** Median, over the members, of the time from each one's join to each step of its setup. */
async function phases(members: Member[]): Promise<Record<string, number>> {
  const by = new Map<string, number[]>();
  for (const m of members) {
    const marks = await m.page.evaluate(
      () => (window as unknown as { bench: { marks: Record<string, number> } }).bench.marks,
    );
    for (const [k, t] of Object.entries(marks)) by.set(k, [...(by.get(k) ?? []), t - m.joinAt]);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of [...by].sort((a, c) => summarizeMs(a[1]).p50 - summarizeMs(c[1]).p50))
    out[k] = Math.round(summarizeMs(v).p50);
  return out;
}
const fmtPhases = (p: Record<string, number>) =>
  Object.entries(p)
    .map(([k, v]) => `${k} ${fmtInt(v)}`)
    .join(', ');

const pageState = (m: Member) =>
  m.page.evaluate(() => {
    const b = (window as unknown as { bench: { errors: string[]; closed: string[] } }).bench;
    return { errors: b.errors, closed: b.closed };
  });

/** Waits until every member has decoded a frame of every other member's camera. */
async function waitDecoding(groups: Member[][], timeoutS: number): Promise<boolean> {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    let all = true;
    for (const group of groups) {
      for (const m of group) {
        const ff = await firstFrames(m);
        if (group.some((o) => o !== m && ff[o.me] === undefined)) all = false;
      }
    }
    if (all) return true;
    await sleep(250);
  }
  return false;
}

/** Join-to-first-frame of every (viewer, publisher) pair: from the later of their joins. */
async function joinToFirstFrame(group: Member[]): Promise<{ samples: number[]; missing: number }> {
  const samples: number[] = [];
  let missing = 0;
  for (const viewer of group) {
    const ff = await firstFrames(viewer);
    for (const pub of group) {
      if (pub === viewer) continue;
      const t = ff[pub.me];
      if (t === undefined) missing++;
      else samples.push(t - Math.max(pub.joinAt, viewer.joinAt));
    }
  }
  return { samples, missing };
}

type Snapshot = Map<string, InboundStat>;
async function snapshot(pages: Page[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const all = await Promise.all(pages.map((p) => inbound(p)));
  all.forEach((stats, i) => {
    for (const s of stats) out.set(`${i}/${s.kind}/${s.member}/${s.mid}`, s);
  });
  return out;
}

/** Measures one window: the forwarder's counter, its process's CPU, the pages' inbound stats. */
async function measureWindow(
  pages: Page[],
  pid: number,
  seconds: number,
  counter: () => Promise<{ packetsOut: number; keyframesAsked?: number; keyframesSent?: number }>,
): Promise<MediaWindow> {
  const before = await snapshot(pages);
  const c0 = await counter();
  const sampler = new ProcSampler([pid]).start();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = await counter();
  const sample = sampler.stop();
  const elapsed = (performance.now() - t0) / 1000;
  const after = await snapshot(pages);
  let received = 0;
  let lost = 0;
  let bytes = 0;
  let videoStreams = 0;
  let videoDecoding = 0;
  let audioStreams = 0;
  let audioFlowing = 0;
  let minFps = Infinity;
  for (const [key, s] of after) {
    // A stream whose counters went back (a page that published and subscribed again) counts
    // from zero.
    const prev = before.get(key);
    const b = prev && prev.packetsReceived <= s.packetsReceived ? prev : undefined;
    const dPackets = s.packetsReceived - (b?.packetsReceived ?? 0);
    received += dPackets;
    lost += Math.max(0, s.packetsLost - (b?.packetsLost ?? 0));
    bytes += s.bytesReceived - (b?.bytesReceived ?? 0);
    if (s.kind === 'video') {
      videoStreams++;
      const frames = s.framesDecoded - (b?.framesDecoded ?? 0);
      if (frames > 0) videoDecoding++;
      minFps = Math.min(minFps, frames / elapsed);
    } else {
      audioStreams++;
      if (dPackets > 0) audioFlowing++;
    }
  }
  // A worker that restarted counts from zero again (then only its new count is known).
  const forwarded = c1.packetsOut >= c0.packetsOut ? c1.packetsOut - c0.packetsOut : c1.packetsOut;
  if (c1.packetsOut < c0.packetsOut)
    log('  note: the forwarded-packets counter went back (a media worker restarted?)');
  const cpuSeconds = ((sample.cpuPercent[pid] ?? 0) / 100) * elapsed;
  return {
    seconds: elapsed,
    forwarded,
    forwardedPerSec: forwarded / elapsed,
    receivedPerSec: received / elapsed,
    receivedMbps: (bytes * 8) / elapsed / 1e6,
    loss: received + lost > 0 ? lost / (received + lost) : 0,
    cpuPercent: sample.cpuPercent[pid] ?? 0,
    cpuUsPerPacket: forwarded > 0 ? (cpuSeconds / forwarded) * 1e6 : NaN,
    rssMb: sample.peakRssMb[pid] ?? 0,
    boxBusy: sample.machineBusyPercent,
    videoStreams,
    videoDecoding,
    minFps: Number.isFinite(minFps) ? minFps : 0,
    audioStreams,
    audioFlowing,
    ...(c0.keyframesAsked !== undefined && c1.keyframesAsked !== undefined
      ? { keyframesAsked: c1.keyframesAsked - c0.keyframesAsked }
      : {}),
    ...(c0.keyframesSent !== undefined && c1.keyframesSent !== undefined
      ? { keyframesSent: c1.keyframesSent - c0.keyframesSent }
      : {}),
  };
}

const conclaveCounter = (b: Bench) => async () => (await b.admin()).total;

async function collectPageNotes(members: Member[], notes: string[]): Promise<void> {
  for (const m of members) {
    const s = await pageState(m).catch(() => undefined);
    if (!s) continue;
    for (const e of s.errors) notes.push(`page error: ${e}`);
    for (const c of s.closed)
      if (!c.startsWith('ws 1000'))
        notes.push(`media.closed (${c}): the page published and subscribed again`);
  }
}

function logWindow(title: string, w: MediaWindow): void {
  log(
    `  ${title}: ${fmtInt(w.forwardedPerSec)} packets/s forwarded, ${w.cpuUsPerPacket.toFixed(1)} µs CPU/packet ` +
      `(CPU ${fmtInt(w.cpuPercent)} %), video ${w.videoDecoding}/${w.videoStreams} decoding (min ${w.minFps.toFixed(1)} fps), ` +
      `audio ${w.audioFlowing}/${w.audioStreams}, loss ${(w.loss * 100).toFixed(2)} %, ${w.receivedMbps.toFixed(1)} Mbit/s received, ` +
      `RSS ${w.rssMb.toFixed(0)} MB, box ${fmtInt(w.boxBusy)} %`,
  );
}

// ---- the runs ---------------------------------------------------------------------------------

async function bareRun(b: Bench): Promise<MediaWindow | undefined> {
  const { opts } = b;
  const fwd = await startBareServer(join(BENCH_DIR, 'bare-media-forwarder.js'), '');
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(fwd.origin + path, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`bare forwarder ${path}: ${String(json.error)}`);
    return json;
  };
  const pub = await b.openPage();
  const sub = await b.openPage();
  try {
    const cam = { width: opts.width, height: opts.height, fps: opts.fps };
    const offer = await pub.evaluate(
      (o) => (window as unknown as { barePublish(o: unknown): Promise<string> }).barePublish(o),
      cam,
    );
    const answer = (await post('/publish', { sdp: offer })).sdp as string;
    await pub.evaluate(
      (sdp) => (window as unknown as { bareAnswer(s: string): Promise<void> }).bareAnswer(sdp),
      answer,
    );
    const subOffer = (await post('/subscribe')).sdp as string;
    const subAnswer = await sub.evaluate(
      (sdp) =>
        (window as unknown as { bareSubscribe(s: string): Promise<string> }).bareSubscribe(sdp),
      subOffer,
    );
    await post('/answer', { sdp: subAnswer });
    const deadline = Date.now() + opts.decodeTimeout * 1000;
    let decoding = false;
    while (!decoding && Date.now() < deadline) {
      await sleep(250);
      decoding = (await inbound(sub)).some((s) => s.kind === 'video' && s.framesDecoded > 0);
    }
    if (!decoding) {
      log(`  bare forwarder: nothing decoded within ${opts.decodeTimeout} s`);
      return undefined;
    }
    await sleep(opts.settle * 1000);
    const w = await measureWindow([sub], fwd.pid, opts.duration, async () => {
      const res = await fetch(fwd.origin + '/stats');
      return (await res.json()) as { packetsOut: number };
    });
    logWindow('bare werift forwarder, 1 → 1', w);
    return w;
  } finally {
    await b.closePage(pub);
    await b.closePage(sub);
    await fwd.stop();
  }
}

async function sizedRun(b: Bench, n: number): Promise<SizedRun> {
  const token = await b.conference(`media-${n}`);
  const members = await b.joinMany(token, n);
  const notes: string[] = [];
  try {
    const ok = await waitDecoding([members], b.opts.decodeTimeout);
    if (!ok) notes.push(`not every stream decoded a frame within ${b.opts.decodeTimeout} s`);
    const { samples, missing } = await joinToFirstFrame(members);
    const jtff = summarizeMs(samples);
    log(
      `  join-to-first-frame: p50 ${fmtInt(jtff.p50)} ms, p99 ${fmtInt(jtff.p99)} ms (${jtff.n} pairs${missing ? `, ${missing} never` : ''})`,
    );
    const steps = await phases(members.slice(-1));
    log(`  last member, ms from its join: ${fmtPhases(steps)}`);
    await sleep(b.opts.settle * 1000);
    const win = await measureWindow(
      members.map((m) => m.page),
      b.server.pid,
      b.opts.duration,
      conclaveCounter(b),
    );
    logWindow(`${n} members`, win);
    const t = (await b.admin()).total as unknown as Record<string, number>;
    const counts = ['members', 'transports', 'producers', 'consumers']
      .map((k) => `${k} ${t[k]}`)
      .join(', ');
    log(`  server media counts: ${counts}`);
    if (win.videoDecoding < n * (n - 1))
      notes.push(`server media counts after the window: ${counts}`);
    await collectPageNotes(members, notes);
    return { members: n, window: win, jtff, missingFirstFrames: missing, phases: steps, notes };
  } finally {
    for (const m of members) await b.closePage(m.page);
    await sleep(1000);
  }
}

async function churnRun(b: Bench): Promise<ChurnRun> {
  const { opts } = b;
  const token = await b.conference('media-churn');
  const stable = await b.joinMany(token, opts.churnMembers);
  const notes: string[] = [];
  try {
    if (!(await waitDecoding([stable], opts.decodeTimeout)))
      notes.push(`the stable members did not all decode within ${opts.decodeTimeout} s`);
    await sleep(opts.settle * 1000);
    const stableIds = new Set(stable.map((m) => m.me));
    const pages = stable.map((m) => m.page);
    let stop = false;
    // Every 2 s: did every stable stream decode new frames since the last look?
    let intervals = 0;
    let streamIntervals = 0;
    let stalled = 0;
    const watcher = (async () => {
      let prev = await snapshot(pages);
      while (!stop) {
        await sleep(2000);
        const cur = await snapshot(pages);
        intervals++;
        for (const [key, s] of cur) {
          if (s.kind !== 'video' || !stableIds.has(s.member)) continue;
          streamIntervals++;
          const p = prev.get(key);
          if (!p || s.framesDecoded <= p.framesDecoded) stalled++;
        }
        prev = cur;
      }
    })();
    const churner: number[] = [];
    const seen: number[] = [];
    let cycles = 0;
    let failed = 0;
    const churn = (async () => {
      try {
        const deadline = Date.now() + opts.churnSeconds * 1000;
        while (Date.now() < deadline) {
          cycles++;
          const m = await b.join(token);
          try {
            const ok = await waitDecoding([[m, ...stable]], 10);
            if (!ok) failed++;
            const ff = await firstFrames(m);
            for (const s of stable) {
              if (ff[s.me] !== undefined) churner.push(ff[s.me]! - m.joinAt);
              const sf = await firstFrames(s);
              if (sf[m.me] !== undefined) seen.push(sf[m.me]! - m.joinAt);
            }
            await sleep(1000);
            await m.page.evaluate(() => (window as unknown as { leave(): Promise<void> }).leave());
          } finally {
            await b.closePage(m.page);
          }
          await sleep(500);
        }
      } catch (error) {
        notes.push(`churn stopped: ${(error as Error).message.split('\n')[0]}`);
      }
    })();
    const win = await measureWindow(pages, b.server.pid, opts.churnSeconds, conclaveCounter(b));
    await churn;
    stop = true;
    await watcher;
    await collectPageNotes(stable, notes);
    const run: ChurnRun = {
      stable: opts.churnMembers,
      cycles,
      churnerJtff: summarizeMs(churner),
      seenJtff: summarizeMs(seen),
      churnerFailed: failed,
      intervals,
      streamIntervals,
      stalledStreamIntervals: stalled,
      window: win,
      notes,
    };
    log(
      `  churn: ${cycles} joins+leaves (${failed} did not decode everything within 10 s), newcomer's first frames p50 ${fmtInt(run.churnerJtff.p50)} ms p99 ${fmtInt(run.churnerJtff.p99)} ms; ` +
        `stable streams stalled in ${stalled} of ${streamIntervals} 2-s intervals`,
    );
    logWindow(`${opts.churnMembers} stable members + churn`, win);
    return run;
  } finally {
    for (const m of stable) await b.closePage(m.page);
    await sleep(1000);
  }
}

/** CPU seconds of each thread of a process. */
function threadCpu(pid: number): Map<number, { name: string; cpu: number }> {
  const out = new Map<number, { name: string; cpu: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch {
      // thread gone
    }
  }
  return out;
}

async function twoRun(b: Bench): Promise<TwoRun> {
  const { opts } = b;
  const tokens = [await b.conference('media-two-a'), await b.conference('media-two-b')];
  const groups: Member[][] = [[], []];
  const notes: string[] = [];
  try {
    for (let i = 0; i < opts.twoMembers; i++) {
      for (const g of [0, 1]) {
        groups[g]!.push(await b.join(tokens[g]!));
        await sleep(opts.joinGap / 2);
      }
    }
    if (!(await waitDecoding(groups, opts.decodeTimeout)))
      notes.push(`not every stream decoded within ${opts.decodeTimeout} s`);
    await sleep(opts.settle * 1000);
    const w0 = await b.admin();
    const t0 = threadCpu(b.server.pid);
    const pages = groups.flat().map((m) => m.page);
    const win = await measureWindow(pages, b.server.pid, opts.duration, conclaveCounter(b));
    const t1 = threadCpu(b.server.pid);
    const w1 = await b.admin();
    const workers = w1.workers.map((w, i) => ({
      sessions: w.sessions,
      packetsOut:
        w.packetsOut >= (w0.workers[i]?.packetsOut ?? 0)
          ? w.packetsOut - (w0.workers[i]?.packetsOut ?? 0)
          : w.packetsOut,
    }));
    const threads = [...t1]
      .map(([tid, t]) => ({
        tid,
        name: t.name,
        cpuPercent: ((t.cpu - (t0.get(tid)?.cpu ?? 0)) / win.seconds) * 100,
      }))
      .sort((a, c) => c.cpuPercent - a.cpuPercent)
      .slice(0, 5);
    await collectPageNotes(groups.flat(), notes);
    log(
      `  two sessions: workers ${workers.map((w, i) => `#${i} ${w.sessions} session(s) ${fmtInt(w.packetsOut / win.seconds)} packets/s`).join(', ')}; ` +
        `busiest threads ${threads.map((t) => `${t.name}[${t.tid}] ${fmtInt(t.cpuPercent)} %`).join(', ')}`,
    );
    logWindow(`two conferences of ${opts.twoMembers}`, win);
    return { perConference: opts.twoMembers, workers, threads, window: win, notes };
  } finally {
    for (const m of groups.flat()) await b.closePage(m.page);
    await sleep(1000);
  }
}

// ---- report -----------------------------------------------------------------------------------

const us = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const times = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(2)}×`);
const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : fmtInt(n));

function windowRow(
  label: string,
  w: MediaWindow | undefined,
  bare: number | undefined,
  jtff?: Latencies,
): string[] {
  if (!w) return [label, ...Array<string>(10).fill('—')];
  return [
    label,
    fmtInt(w.forwardedPerSec),
    us(w.cpuUsPerPacket),
    times(ratio(w.cpuUsPerPacket, bare)),
    fmtInt(w.cpuPercent),
    `${w.videoDecoding}/${w.videoStreams} (${w.minFps.toFixed(0)})`,
    `${w.audioFlowing}/${w.audioStreams}`,
    `${(w.loss * 100).toFixed(2)} %`,
    jtff ? `${ms(jtff.p50)} / ${ms(jtff.p99)}` : '',
    `${w.rssMb.toFixed(0)}`,
    fmtInt(w.boxBusy),
  ];
}

export async function runMedia(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(MEDIA_HELP);
    return;
  }
  const opts = parseMediaArgs(argv);
  const { cleanups, cleanup } = cleanupOnExit();
  const b = new Bench(opts);
  let pageServer: Server | undefined;
  try {
    buildServer(opts);
    const dir = mkdtempSync(join(tmpdir(), 'conclave-media-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const projectId = randomUUID();
    const apiToken = 'PT' + randomBytes(24).toString('hex');
    b.adminToken = randomBytes(24).toString('hex');
    b.auth = 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64');
    const header =
      `Conclave media benchmark — members ${opts.sizes.join(', ')}, ${opts.duration} s windows, ` +
      `fake camera ${opts.width}x${opts.height} at ${opts.fps} fps (${opts.video === 'noise' ? 'moving noise' : "Chromium's pattern"}, VP8) + microphone (Opus), Chromium ${opts.chromium}\n` +
      `Node ${process.version}, ${CPUS} CPUs (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), server ${join(opts.serverDir, 'dist', 'main.js')}` +
      (Object.keys(opts.serverEnv).length ? `, env ${JSON.stringify(opts.serverEnv)}` : '');
    log(header);

    b.server = await startConclave({
      label: 'Conclave',
      serverDir: opts.serverDir,
      databaseUrl: join(dir, 'bench.sqlite'),
      projectId,
      apiToken,
      env: {
        CONCLAVE_MEDIA_ADDRESSES: '127.0.0.1',
        CONCLAVE_ADMIN_TOKEN: b.adminToken,
        ...opts.serverEnv,
      },
      cpuProfDir: undefined,
    });
    const server = b.server;
    cleanups.push(() => server.stop().then(() => undefined));
    const stats = await b.admin();
    if (!stats.available) throw new Error('the server has no media (CONCLAVE_MEDIA=off?)');

    const pageJs = readFileSync(join(BENCH_DIR, 'media-page.js'), 'utf8');
    const ps = createServer((req, res) => {
      if (req.url === '/page.js') {
        res.setHeader('content-type', 'text/javascript');
        res.end(pageJs);
        return;
      }
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><script src="/page.js"></script>');
    });
    pageServer = ps;
    await new Promise<void>((r) => ps.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => ps.close(() => r())));
    const address = ps.address();
    b.pageOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    const args = [...CHROMIUM_FLAGS];
    if (opts.video === 'noise') {
      const file = join(dir, 'camera.y4m');
      writeNoiseY4m(file, opts.width, opts.height, opts.fps);
      args.push(`--use-file-for-fake-video-capture=${file}`);
    }
    b.browser = await chromium.launch({ executablePath: opts.chromium, args });
    cleanups.push(() => b.browser.close());

    // Warm-up (unmeasured): the server's and the browser's first call runs on cold code.
    log('\n== warm-up: 2 members ==');
    {
      const token = await b.conference('media-warmup');
      const ms2 = await b.joinMany(token, 2);
      await waitDecoding([ms2], opts.decodeTimeout);
      await sleep(2000);
      for (const m of ms2) await b.closePage(m.page);
      await sleep(1000);
    }

    const bare: (MediaWindow | undefined)[] = [];
    if (opts.bare) {
      log('\n== baseline: bare werift forwarder ==');
      bare.push(await bareRun(b));
    }
    const sized: SizedRun[] = [];
    for (const n of opts.sizes) {
      log(`\n== ${n} members ==`);
      sized.push(await sizedRun(b, n));
    }
    let churn: ChurnRun | undefined;
    if (opts.churnMembers > 0) {
      log(`\n== churn: ${opts.churnMembers} members, one more joining and leaving ==`);
      churn = await churnRun(b);
    }
    let two: TwoRun | undefined;
    if (opts.twoMembers > 0) {
      log(`\n== two sessions of ${opts.twoMembers} ==`);
      two = await twoRun(b);
    }
    if (opts.bare) {
      log('\n== baseline again: bare werift forwarder ==');
      bare.push(await bareRun(b));
    }
    // Last: it lowers the browser's priority for its own measure.
    let outputs: OutputsRun | undefined;
    if (opts.outputsMembers > 0) {
      log(`\n== outputs: a ${opts.outputsMembers}-member session, one recording, one stream ==`);
      try {
        outputs = await outputsRun(b.browser, opts, dir, log);
      } catch (error) {
        log(`outputs run failed: ${(error as Error).message}`);
      }
    }
    const hwmMb = readHwmKb(b.server.pid) / 1024;

    // The baseline's figure: the mean of its runs (before and after).
    const bareOk = bare.filter((w): w is MediaWindow => w !== undefined);
    const bareUs = bareOk.length
      ? bareOk.reduce((a, w) => a + w.cpuUsPerPacket, 0) / bareOk.length
      : undefined;

    const headers = [
      'run',
      'fwd pkt/s',
      'µs CPU/pkt',
      '÷ bare',
      'CPU %',
      'video dec (min fps)',
      'audio',
      'loss',
      'first frame p50/p99 ms',
      'RSS MB',
      'box %',
    ];
    const rows: string[][] = [];
    bare.forEach((w, i) =>
      rows.push(windowRow(`bare werift 1→1 (${i ? 'after' : 'before'})`, w, bareUs)),
    );
    for (const s of sized)
      rows.push(windowRow(`Conclave, ${s.members} members`, s.window, bareUs, s.jtff));
    if (churn)
      rows.push(
        windowRow(`Conclave, ${churn.stable} + churn`, churn.window, bareUs, churn.churnerJtff),
      );
    if (two) rows.push(windowRow(`Conclave, 2 × ${two.perConference}`, two.window, bareUs));

    const targets: Target[] = [];
    const conclaveUs = sized
      .map((s) => s.window?.cpuUsPerPacket)
      .filter((x): x is number => x !== undefined && Number.isFinite(x));
    const worst = conclaveUs.length ? Math.max(...conclaveUs) : undefined;
    const worstRatio = ratio(worst, bareUs);
    targets.push({
      name: 'CPU per forwarded packet / bare werift (worst size)',
      value: times(worstRatio),
      target: '≤ 1.25×',
      pass: worstRatio === undefined ? undefined : worstRatio <= 1.25,
    });
    const six = sized.find((s) => s.members === 6);
    targets.push({
      name: '6 members: every stream decoding',
      value: six?.window
        ? `${six.window.videoDecoding}/${six.window.videoStreams} video, ${six.window.audioFlowing}/${six.window.audioStreams} audio`
        : '—',
      target: 'all',
      pass: six?.window
        ? six.window.videoDecoding === six.window.videoStreams &&
          six.window.videoStreams === 30 &&
          six.window.audioFlowing === six.window.audioStreams
        : undefined,
    });
    targets.push({
      name: `${churn?.stable ?? 6} members decoding while members join and leave`,
      value: churn
        ? `${churn.stalledStreamIntervals}/${churn.streamIntervals} stream-intervals stalled, ${churn.cycles - churn.churnerFailed}/${churn.cycles} newcomers decoded all`
        : '—',
      target: '0 stalled, all',
      pass: churn
        ? churn.stalledStreamIntervals === 0 && churn.churnerFailed === 0 && churn.cycles > 0
        : undefined,
    });
    const four = sized.find((s) => s.members === 4);
    targets.push({
      name: 'join-to-first-frame p50, 4 members',
      value: four ? `${ms(four.jtff.p50)} ms (p99 ${ms(four.jtff.p99)} ms)` : '—',
      target: '< 1,000 ms',
      pass:
        four && four.jtff.n > 0 ? four.jtff.p50 < 1000 && four.missingFirstFrames === 0 : undefined,
    });
    if (two) {
      const busy = two.workers.filter((w) => w.packetsOut > 0).length;
      const total = two.workers.reduce((a, w) => a + w.packetsOut, 0);
      const share = total ? Math.min(...two.workers.map((w) => w.packetsOut)) / total : 0;
      targets.push({
        name: 'two busy sessions use both cores (media workers)',
        value: `${busy}/${two.workers.length} workers forwarding, smaller share ${(share * 100).toFixed(0)} %`,
        target: 'both, ≥ 30 % each',
        pass: two.workers.length >= 2 ? busy >= 2 && share >= 0.3 : false,
      });
    } else {
      targets.push({
        name: 'two busy sessions use both cores',
        value: '—',
        target: 'both',
        pass: undefined,
      });
    }

    const out: string[] = ['', header, '', table(headers, rows)];
    out.push(
      '',
      'fwd pkt/s = RTP packets the forwarder sent per second (its own counter: Conclave /admin/v1/media packetsOut).',
      'µs CPU/pkt = CPU time of the forwarder process (all threads, /proc) ÷ packets forwarded — robust to a busy box.',
      '÷ bare = against the bare werift forwarder (mean of its runs). video dec = streams whose framesDecoded grew in',
      "the window / streams (lowest fps). loss = packetsLost ÷ (received + lost), the subscribers' getStats.",
      "first frame = from the later of the two members' joins to the viewer's first decoded frame of the other's camera",
      "(churn row: the newcomer's first frames of the stable members). RSS = server peak VmRSS in the window;",
      `server VmHWM at the end ${hwmMb.toFixed(0)} MB. box = whole machine busy, % of ${CPUS} cores (browsers included).`,
    );
    for (const s of sized)
      out.push(`${s.members} members, the last to join, ms from its join: ${fmtPhases(s.phases)}`);
    if (churn) {
      out.push(
        '',
        `Churn: ${churn.cycles} newcomers joined and left over ${opts.churnSeconds} s; the stable members saw each newcomer's camera ` +
          `after p50 ${ms(churn.seenJtff.p50)} ms / p99 ${ms(churn.seenJtff.p99)} ms; ${churn.stalledStreamIntervals} of ${churn.streamIntervals} ` +
          `stable-stream 2-s intervals without a new decoded frame.`,
      );
    }
    if (two) {
      out.push(
        '',
        `Two sessions: ${two.workers.map((w, i) => `worker ${i}: ${w.sessions} session(s), ${fmtInt(w.packetsOut / two.window.seconds)} packets/s`).join('; ')}.`,
        `Busiest server threads: ${two.threads.map((t) => `${t.name} ${fmtInt(t.cpuPercent)} %`).join(', ')}.`,
      );
    }
    if (outputs) out.push('', ...outputsLines(outputs));
    const notes = [
      ...sized.flatMap((s) => s.notes.map((n) => `${s.members} members: ${n}`)),
      ...(outputs?.notes.map((n) => `outputs: ${n}`) ?? []),
      ...(churn?.notes.map((n) => `churn: ${n}`) ?? []),
      ...(two?.notes.map((n) => `two sessions: ${n}`) ?? []),
      ...b.pageErrors.map((e) => `page: ${e}`),
    ];
    const serverLines = b.server.output().trim();
    if (serverLines) notes.push(`server logged:\n${serverLines}`);
    for (const n of [...new Set(notes)].slice(0, 30)) out.push(`  note: ${n}`);
    out.push('', 'Targets', targetTable(targets));
    process.stdout.write(out.join('\n') + '\n');
    if (opts.json) {
      writeFileSync(
        opts.json,
        JSON.stringify({ options: opts, bare, sized, churn, two, outputs, targets }, null, 2),
      );
      log(`results written to ${opts.json}`);
    }
    if (opts.strict && targets.some((t) => t.pass === false)) process.exitCode = 1;
  } finally {
    void pageServer;
    await cleanup();
  }
}
