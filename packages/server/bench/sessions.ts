/**
 * `npm run bench -- sessions`: 1,000 realtime members across 100 conferences, connected to the real
 * server (built, as its own process): join latency while they connect and once they are all
 * connected, signal relay rate and latency, server memory per connected member — with a bare `ws`
 * relay measured in the same run as the baseline of the relay figures. See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CPUS, BENCH_DIR } from './lib/args.js';
import {
  freePort,
  buildServer,
  cleanupOnExit,
  ProcSampler,
  startBareServer,
  startConclave,
  type ChildServer,
} from './lib/processes.js';
import { summarizeProfile } from './lib/profile.js';
import { fmtInt, fmtMs, pct, ratio, targetTable, type Target } from './lib/report.js';
import { createPostgresTarget } from './lib/seed.js';
import { nodesReport, runNodes } from './lib/sessions-nodes.js';
import { parseSessionsArgs, type SessionsOptions } from './lib/sessions-args.js';
import {
  connectAndJoin,
  JoinRefused,
  leave,
  pool,
  summarizeMs,
  Swarm,
  type Latencies,
  type RelayResult,
} from './lib/sessions-client.js';
import {
  createConferences,
  inspectorGc,
  steadyRssKb,
  type ConferenceTokens,
} from './lib/sessions-server.js';

const log = (text: string) => process.stderr.write(`${text}\n`);
const wsUrl = (origin: string) => origin.replace(/^http/, 'ws') + '/api/video/realtime';

interface Memory {
  /** Server VmRSS with nobody connected (after start-up, the REST setup and a warm-up), KB. */
  idleRssKb: number;
  /** …and with every member connected, KB. */
  loadedRssKb: number;
  perMemberKb: number;
  /** V8 heap used after a full GC (through the inspector), bytes; undefined without --gc. */
  idleHeap: number | undefined;
  loadedHeap: number | undefined;
  heapPerMemberKb: number | undefined;
}

interface RelayRound {
  saturating: RelayResult & { serverCpu: number; loadCpu: number; boxBusy: number; perCpu: number };
  paced: RelayResult | undefined;
}

interface EngineRun {
  label: string;
  ramp: Latencies & { connect: Latencies; seconds: number };
  probes: (Latencies & { connect: Latencies; refused: Record<string, number> }) | undefined;
  memory: Memory;
  conclave: RelayRound[];
  bare: RelayRound[];
  /** The bare server's own ramp (same clients, same concurrency), when this run connected them. */
  bareRamp: (Latencies & { connect: Latencies }) | undefined;
  /** Peak server RSS during the relay runs, MB. */
  relayRssMb: number;
  closes: Record<string, number>;
  notes: string[];
  /** With --cpu-prof: the server's busiest functions over its whole life. */
  profile: string | undefined;
}

/** Connects and joins `count` members (member k into conference k mod C). */
async function joinAll(
  origin: string,
  confs: ConferenceTokens[],
  count: number,
  concurrency: number,
  swarm: Swarm,
  label: string,
): Promise<{ join: number[]; connect: number[]; groups: number[][]; seconds: number }> {
  const join: number[] = [];
  const connect: number[] = [];
  const groups: number[][] = confs.map(() => []);
  const url = wsUrl(origin);
  const t0 = performance.now();
  let done = 0;
  await pool(count, concurrency, async (k) => {
    const c = k % confs.length;
    const j = await connectAndJoin(url, confs[c]!.token, `${label} ${k}`, swarm.handler(k));
    join.push(j.joinMs);
    connect.push(j.connectMs);
    swarm.add(k, j.ws, j.memberId);
    groups[c]!.push(k);
    if (++done % 250 === 0) log(`  ${fmtInt(done)} joined`);
  });
  return { join, connect, groups, seconds: (performance.now() - t0) / 1000 };
}

/** Join-then-leave probes (join latency with everyone else connected). */
async function probe(
  origin: string,
  confs: ConferenceTokens[],
  count: number,
  concurrency: number,
): Promise<{ join: number[]; connect: number[]; refused: Record<string, number> }> {
  const join: number[] = [];
  const connect: number[] = [];
  const refused: Record<string, number> = {};
  const url = wsUrl(origin);
  await pool(count, concurrency, async (k) => {
    try {
      const j = await connectAndJoin(url, confs[k % confs.length]!.token, `Probe ${k}`);
      join.push(j.joinMs);
      connect.push(j.connectMs);
      await leave(j.ws);
    } catch (error) {
      const key = error instanceof JoinRefused ? `${error.code} ${error.reason}` : String(error);
      refused[key] = (refused[key] ?? 0) + 1;
    }
  });
  return { join, connect, refused };
}

async function readMemory(
  pid: number,
  inspectPort: number | undefined,
): Promise<{ rss: number; heap: number | undefined }> {
  const heap = inspectPort === undefined ? undefined : await inspectorGc(inspectPort);
  return { rss: await steadyRssKb(pid), heap };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One relay round on one server: the saturating run, then the paced run. */
async function relayRound(
  swarm: Swarm,
  pid: number,
  opts: SessionsOptions,
  warmup: number,
): Promise<RelayRound> {
  let sampler: ProcSampler | undefined;
  let sample: ReturnType<ProcSampler['stop']> | undefined;
  const sat = await swarm.saturate(opts.window, warmup, opts.duration, {
    start: () => (sampler = new ProcSampler([pid]).start()),
    stop: () => (sample = sampler!.stop()),
  });
  const serverCpu = sample?.cpuPercent[pid] ?? 0;
  const saturating = {
    ...sat,
    serverCpu,
    loadCpu: sample?.selfCpuPercent ?? 0,
    boxBusy: sample?.machineBusyPercent ?? 0,
    perCpu: sat.rate / (Math.max(1, serverCpu) / 100),
  };
  await sleep(300);
  const paced =
    opts.rate > 0 ? await swarm.paced(opts.rate, Math.max(1, opts.duration / 2)) : undefined;
  await sleep(300);
  return { saturating, paced };
}

async function runEngine(
  opts: SessionsOptions,
  engine: 'sqlite' | 'postgres',
  bare: { server: ChildServer; swarm: Swarm | undefined } | undefined,
  cleanups: (() => Promise<void> | void)[],
): Promise<EngineRun> {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const notes: string[] = [];
  let databaseUrl: string;
  const workDir = mkdtempSync(join(tmpdir(), 'conclave-bench-sessions-'));
  cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  if (engine === 'sqlite') {
    databaseUrl = join(workDir, 'bench.sqlite');
  } else {
    const target = await createPostgresTarget(opts.postgresUrl!);
    cleanups.push(() => target.drop());
    databaseUrl = target.url;
  }
  const projectId = randomUUID();
  const apiToken = 'PT' + randomBytes(24).toString('hex');
  const auth = 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64');
  const inspectPort = opts.gc ? await freePort() : undefined;
  log(`\n== ${label}: starting the server ==`);
  const server = await startConclave({
    label: `conclave (${label})`,
    serverDir: opts.serverDir,
    databaseUrl,
    projectId,
    apiToken,
    env: {
      CONCLAVE_REALTIME_FRAME_RATE: '100000',
      ...(inspectPort === undefined ? {} : { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` }),
      ...opts.serverEnv,
    },
    cpuProfDir: opts.cpuProf ? join(workDir, 'profiles') : undefined,
  });
  let stopped = false;
  let profileFile: string | undefined;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    profileFile = await server.stop();
  };
  cleanups.push(stop);
  try {
    log(`  creating ${fmtInt(opts.conferences + 1)} conferences (size ${opts.size}) …`);
    const all = await createConferences(
      server.origin,
      auth,
      opts.conferences + 1,
      opts.size,
      `bench-${Date.now().toString(36)}`,
    );
    const confs = all.slice(0, opts.conferences);
    const warmConf = all.slice(opts.conferences);

    // Warm-up: joins, leaves and a few signals in a conference of its own, then idle memory.
    log('  warming up (joins and signals in a separate conference) …');
    {
      const warm = new Swarm(opts.payload);
      const w = await joinAll(server.origin, warmConf, 20, 5, warm, 'Warm');
      warm.ring(w.groups);
      await warm.saturate(1, 0, 1);
      await Promise.all(warm.members.map((m) => leave(m.ws)));
      await probe(server.origin, warmConf, 40, 5);
    }
    await sleep(opts.settle * 1000);
    const idle = await readMemory(server.pid, inspectPort);
    log(`  idle: RSS ${(idle.rss / 1024).toFixed(1)} MB`);

    // Phase 1: the ramp.
    log(
      `\n== ${label}: phase 1 — ${fmtInt(opts.members)} members join ${fmtInt(opts.conferences)} conferences, ${opts.concurrency} at a time ==`,
    );
    const swarm = new Swarm(opts.payload);
    const ramp = await joinAll(
      server.origin,
      confs,
      opts.members,
      opts.concurrency,
      swarm,
      'Member',
    );
    swarm.ring(ramp.groups);
    const rampJoin = summarizeMs(ramp.join);
    log(
      `  ${fmtInt(opts.members)} joined in ${ramp.seconds.toFixed(1)} s: join p50 ${fmtMs(rampJoin.p50)} ms, p99 ${fmtMs(rampJoin.p99)} ms`,
    );

    // Phase 2: probes with everyone connected.
    let probes: EngineRun['probes'];
    if (opts.probes > 0) {
      log(
        `\n== ${label}: phase 2 — ${fmtInt(opts.probes)} join+leave probes with ${fmtInt(opts.members)} connected, ${opts.probeConcurrency} at a time ==`,
      );
      const p = await probe(server.origin, confs, opts.probes, opts.probeConcurrency);
      probes = { ...summarizeMs(p.join), connect: summarizeMs(p.connect), refused: p.refused };
      log(`  join p50 ${fmtMs(probes.p50)} ms, p99 ${fmtMs(probes.p99)} ms`);
      if (Object.keys(p.refused).length) {
        notes.push(`probes refused/failed: ${JSON.stringify(p.refused)}`);
      }
    }

    // Memory with everyone connected.
    await sleep(opts.settle * 1000);
    const loaded = await readMemory(server.pid, inspectPort);
    const memory: Memory = {
      idleRssKb: idle.rss,
      loadedRssKb: loaded.rss,
      perMemberKb: (loaded.rss - idle.rss) / opts.members,
      idleHeap: idle.heap,
      loadedHeap: loaded.heap,
      heapPerMemberKb:
        idle.heap !== undefined && loaded.heap !== undefined
          ? (loaded.heap - idle.heap) / 1024 / opts.members
          : undefined,
    };
    log(
      `  memory: RSS ${(idle.rss / 1024).toFixed(1)} → ${(loaded.rss / 1024).toFixed(1)} MB, ${memory.perMemberKb.toFixed(1)} KB per member`,
    );

    // Phase 3: the relay, Conclave and the bare baseline interleaved.
    let bareRamp: EngineRun['bareRamp'];
    if (bare && !bare.swarm) {
      log(`\n== bare ws baseline: ${fmtInt(opts.members)} members join ==`);
      const b = new Swarm(opts.payload);
      const r = await joinAll(
        bare.server.origin,
        confs,
        opts.members,
        opts.concurrency,
        b,
        'Member',
      );
      b.ring(r.groups);
      bareRamp = { ...summarizeMs(r.join), connect: summarizeMs(r.connect) };
      bare.swarm = b;
    }
    const conclave: RelayRound[] = [];
    const bareRounds: RelayRound[] = [];
    let relayRssMb = 0;
    for (let round = 1; round <= opts.rounds; round++) {
      log(
        `\n== ${label}: phase 3, relay round ${round}/${opts.rounds} (window ${opts.window} per member, ${opts.duration} s; paced ${fmtInt(opts.rate)}/s) ==`,
      );
      const peak = new ProcSampler([server.pid]).start();
      const c = await relayRound(swarm, server.pid, opts, round === 1 ? opts.warmup : 0);
      relayRssMb = Math.max(relayRssMb, peak.stop().peakRssMb[server.pid] ?? 0);
      conclave.push(c);
      log(`  conclave: ${describeRound(c)}`);
      if (bare?.swarm) {
        const b = await relayRound(
          bare.swarm,
          bare.server.pid,
          opts,
          round === 1 ? opts.warmup : 0,
        );
        bareRounds.push(b);
        log(`  bare ws:  ${describeRound(b)}`);
      }
    }
    // What the server logged at warn and above (its inspector's own lines aside).
    const logged = server
      .output()
      .split('\n')
      .filter((l) => l && !/^(Debugger|For help|Waiting for the debugger)/.test(l));
    if (logged.length) {
      notes.push(
        `the server logged ${logged.length} line(s), last: ${logged.at(-1)!.slice(0, 300)}`,
      );
    }
    const closes = { ...swarm.unexpectedCloses };
    await swarm.close();
    if (Object.keys(closes).length)
      notes.push(`connections closed by the server: ${JSON.stringify(closes)}`);
    for (const r of conclave) {
      for (const x of [r.saturating, r.paced]) {
        if (!x) continue;
        if (x.lost) notes.push(`${x.mode} relay: ${fmtInt(x.lost)} signals never delivered`);
        if (Object.keys(x.errors).length) {
          notes.push(`${x.mode} relay: error frames ${JSON.stringify(x.errors)}`);
        }
        if (x.skipped) notes.push(`paced relay: ${fmtInt(x.skipped)} sends skipped (backlog)`);
      }
    }
    await stop();
    return {
      profile: profileFile ? summarizeProfile(profileFile) : undefined,
      label,
      ramp: { ...rampJoin, connect: summarizeMs(ramp.connect), seconds: ramp.seconds },
      probes,
      memory,
      conclave,
      bare: bareRounds,
      bareRamp,
      relayRssMb,
      closes,
      notes,
    };
  } finally {
    await stop();
  }
}

function describeRound(r: RelayRound): string {
  const s = r.saturating;
  let text = `${fmtInt(s.rate)} msgs/s (p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms; server CPU ${fmtInt(s.serverCpu)} %, bench CPU ${fmtInt(s.loadCpu)} %)`;
  if (r.paced) {
    text += `; paced ${fmtInt(r.paced.rate)}/s: p50 ${fmtMs(r.paced.p50)} ms, p99 ${fmtMs(r.paced.p99)} ms`;
  }
  return text;
}

/** The round with the median saturating rate. */
function median(rounds: RelayRound[]): RelayRound | undefined {
  if (!rounds.length) return undefined;
  const sorted = [...rounds].sort((a, b) => a.saturating.rate - b.saturating.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const medianOf = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/** Median over the rounds of the saturating rate per server CPU-second. */
const perCpuMedian = (rounds: RelayRound[]) =>
  rounds.length ? medianOf(rounds.map((r) => r.saturating.perCpu)) : undefined;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    line(headers),
    '  ' + widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

function engineTable(e: EngineRun, opts: SessionsOptions): string {
  const rows: string[][] = [];
  const lat = (title: string, l: Latencies, extra = '') =>
    rows.push([title, '', '', fmtMs(l.p50), fmtMs(l.p99), fmtMs(l.max), extra]);
  lat(
    `join, ramp 0 → ${fmtInt(opts.members)} (${opts.concurrency} at a time)`,
    e.ramp,
    `${fmtInt(e.ramp.n)} joins in ${e.ramp.seconds.toFixed(1)} s`,
  );
  lat('  connect (TCP + upgrade), ramp', e.ramp.connect);
  if (e.probes) {
    lat(
      `join, ${fmtInt(opts.members)} connected (probes, ${opts.probeConcurrency} at a time)`,
      e.probes,
      `${fmtInt(e.probes.n)} probes`,
    );
    lat('  connect (TCP + upgrade), probes', e.probes.connect);
  }
  if (e.bareRamp) {
    lat(`(baseline) bare ws join, ramp (${opts.concurrency} at a time)`, e.bareRamp);
    lat('  connect (TCP + upgrade), bare ws ramp', e.bareRamp.connect);
  }
  const relayRows = (who: string, rounds: RelayRound[]) => {
    const m = median(rounds);
    if (!m) return;
    const s = m.saturating;
    rows.push([
      `${who} relay, saturating (window ${opts.window}/member)`,
      `${fmtInt(s.rate)}/s`,
      rounds.length > 1 ? rounds.map((r) => fmtInt(r.saturating.rate)).join(' / ') : '',
      fmtMs(s.p50),
      fmtMs(s.p99),
      fmtMs(s.max),
      `${fmtInt(perCpuMedian(rounds)!)}/CPU-s; CPU srv ${fmtInt(s.serverCpu)} % bench ${fmtInt(s.loadCpu)} % box ${fmtInt(s.boxBusy)} %`,
    ]);
    const paced = rounds.map((r) => r.paced).filter((p): p is RelayResult => p !== undefined);
    if (paced.length) {
      rows.push([
        `${who} relay, paced ${fmtInt(opts.rate)}/s offered`,
        `${fmtInt(medianOf(paced.map((p) => p.rate)))}/s`,
        '',
        fmtMs(medianOf(paced.map((p) => p.p50))),
        fmtMs(medianOf(paced.map((p) => p.p99))),
        fmtMs(Math.max(...paced.map((p) => p.max))),
        'median of the rounds',
      ]);
    }
  };
  relayRows('Conclave', e.conclave);
  relayRows('(baseline) bare ws', e.bare);
  const m = e.memory;
  rows.push([
    'server RSS, idle → members connected',
    `${(m.idleRssKb / 1024).toFixed(1)} → ${(m.loadedRssKb / 1024).toFixed(1)} MB`,
    '',
    '',
    '',
    '',
    `${m.perMemberKb.toFixed(1)} KB/member; relay peak ${e.relayRssMb.toFixed(0)} MB`,
  ]);
  if (m.idleHeap !== undefined && m.loadedHeap !== undefined) {
    rows.push([
      'V8 heap used after full GC',
      `${(m.idleHeap / 1048576).toFixed(1)} → ${(m.loadedHeap / 1048576).toFixed(1)} MB`,
      '',
      '',
      '',
      '',
      `${m.heapPerMemberKb!.toFixed(1)} KB/member`,
    ]);
  }
  return table(['', 'rate / value', 'rounds', 'p50 ms', 'p99 ms', 'max ms', ''], rows);
}

function targets(engines: EngineRun[], opts: SessionsOptions): Target[] {
  const out: Target[] = [];
  const n = fmtInt(opts.members);
  for (const e of engines) {
    const joinP99 = e.probes?.p99;
    out.push({
      name: `${e.label}: join p99 with ${n} connected`,
      value: joinP99 === undefined ? '—' : `${fmtMs(joinP99)} ms`,
      target: '< 50 ms',
      pass: joinP99 === undefined ? undefined : joinP99 < 50,
    });
    const c = median(e.conclave)?.saturating;
    out.push({
      name: `${e.label}: signal relay, one process`,
      value: c ? `${fmtInt(c.rate)}/s` : '—',
      perCpu: c ? `${fmtInt(perCpuMedian(e.conclave)!)}/s` : '',
      target: '≥ 20,000/s',
      pass: c ? c.rate >= 20_000 : undefined,
    });
    out.push({
      name: `${e.label}: server memory per member`,
      value: `${e.memory.perMemberKb.toFixed(1)} KB`,
      target: '≤ 50 KB',
      pass: e.memory.perMemberKb <= 50,
    });
    const b = median(e.bare)?.saturating;
    out.push({
      name: `(info) ${e.label}: relay / bare ws relay`,
      value: pct(ratio(c?.rate, b?.rate)),
      perCpu: pct(ratio(perCpuMedian(e.conclave), perCpuMedian(e.bare))),
      target: '',
      pass: undefined,
    });
    out.push({
      name: `(info) ${e.label}: join p99 during the ramp`,
      value: `${fmtMs(e.ramp.p99)} ms`,
      target: '',
      pass: undefined,
    });
  }
  return out;
}

export async function runSessions(argv: string[]): Promise<void> {
  const opts = parseSessionsArgs(argv);
  const { cleanups, cleanup } = cleanupOnExit();
  try {
    buildServer(opts);
    if (opts.nodes.length) {
      const runs = await runNodes(opts, cleanups);
      const header = `Conclave sessions benchmark, nodes ${opts.nodes.join(', ')} — Node ${process.version}, ${CPUS} CPUs (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;
      process.stdout.write(`\n${header}\n${nodesReport(runs, opts)}\n`);
      if (opts.json)
        writeFileSync(opts.json, JSON.stringify({ options: opts, nodes: runs }, null, 2));
      return;
    }
    const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const header =
      `Conclave sessions benchmark — ${fmtInt(opts.members)} members in ${fmtInt(opts.conferences)} ${opts.size} conferences, ` +
      `${opts.payload}-byte signals, ${opts.duration} s per relay run × ${opts.rounds} rounds\n` +
      `Node ${process.version}, ${CPUS} CPUs (${cpuModel}), server ${join(opts.serverDir, 'dist', 'main.js')}, ` +
      `env CONCLAVE_REALTIME_FRAME_RATE=100000${Object.keys(opts.serverEnv).length ? ` ${JSON.stringify(opts.serverEnv)}` : ''}`;
    log(header);
    let bare: { server: ChildServer; swarm: Swarm | undefined } | undefined;
    if (opts.bare) {
      const server = await startBareServer(join(BENCH_DIR, 'bare-ws-server.js'), '');
      bare = { server, swarm: undefined };
      cleanups.push(async () => {
        await bare?.swarm?.close();
        await server.stop();
      });
    }
    const engines: EngineRun[] = [];
    if (opts.sqlite) engines.push(await runEngine(opts, 'sqlite', bare, cleanups));
    if (opts.postgresUrl) engines.push(await runEngine(opts, 'postgres', bare, cleanups));

    const out: string[] = ['', header];
    for (const e of engines) {
      out.push('', e.label, engineTable(e, opts));
      for (const note of e.notes) out.push(`  note: ${note}`);
    }
    for (const e of engines) {
      if (e.profile) out.push('', `CPU profile, Conclave (${e.label}):`, e.profile);
    }
    const t = targets(engines, opts);
    out.push('', 'Targets', targetTable(t));
    out.push(
      '',
      'join = `join` sent → `joined` received. Relay latency = send → delivery, both in this process (one clock).\n' +
        'Saturating: every member keeps --window signals in flight to the next member of its conference; rate = deliveries/s\n' +
        'of the median round, and its latency is mostly queueing (≈ signals in flight / rate). Paced: a set offered rate, the\n' +
        'latency figure to read. per CPU-s = deliveries per second of CPU the server got, median of the rounds: the figure to\n' +
        'trust on a shared box (the clients run in this process on the same cores; box = whole machine busy, % of all cores).\n' +
        'Memory = server VmRSS delta / members, each reading after a full GC through the inspector. The bare ws baseline\n' +
        'relays the same frames between the same pairs with no auth, database, validation or rate limit.',
    );
    process.stdout.write(out.join('\n') + '\n');
    if (opts.json) {
      writeFileSync(opts.json, JSON.stringify({ options: opts, engines, targets: t }, null, 2));
      log(`results written to ${opts.json}`);
    }
    if (opts.strict && t.some((x) => x.pass === false)) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
