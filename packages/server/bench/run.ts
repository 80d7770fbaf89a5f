/**
 * `npm run bench`: seeds N conferences, drives the real server (built, as its own process) with
 * autocannon on loopback, measures two baselines in the same run and prints the ratios against the
 * targets of the foundation and PostgreSQL issues. See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  BENCH_DIR,
  CPUS,
  parseBenchArgs,
  type BenchOptions,
  type ScenarioName,
} from './lib/args.js';
import { inProcessLoop, type LoopResult } from './lib/baselines.js';
import { DataGenerator } from './lib/data.js';
import { driveTogether, type LoadResult, type LoadSpec } from './lib/load.js';
import {
  buildServer,
  cleanupOnExit,
  ProcSampler,
  readHwmKb,
  startBareServer,
  startConclave,
  type ChildServer,
} from './lib/processes.js';
import { summarizeProfile } from './lib/profile.js';
import {
  engineTable,
  fmtInt,
  pct,
  ratio,
  scenarioTitle,
  sideBySide,
  targetTable,
  type EngineResult,
  type Measured,
  type Target,
} from './lib/report.js';
import {
  createPostgresTarget,
  seedPostgres,
  seedSqlite,
  type PostgresTarget,
  type SeedInfo,
} from './lib/seed.js';

const log = (text: string) => process.stderr.write(`${text}\n`);

interface Run {
  opts: BenchOptions;
  projectId: string;
  apiToken: string;
  auth: string;
  now: number;
  window: { startsAfter: number; endsBefore: number };
  cleanups: (() => Promise<void> | void)[];
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';

/** The key of row `offset` (0-based) in list order, and the row after it. */
async function keysAt(
  engine: 'sqlite' | 'postgres',
  url: string,
  projectId: string,
  offset: number,
): Promise<{ createdAt: number; id: string }[]> {
  const sql = (p1: string, p2: string) =>
    `select created_at, id from conferences where project_id = ${p1} order by created_at desc, id desc limit 2 offset ${p2}`;
  if (engine === 'sqlite') {
    const db = new SQLite(url, { readonly: true });
    try {
      const rows = db.prepare(sql('?', '?')).all(projectId, offset) as {
        created_at: number;
        id: string;
      }[];
      return rows.map((r) => ({ createdAt: r.created_at, id: r.id }));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ created_at: string; id: string }>(sql('$1', '$2'), [
      projectId,
      offset,
    ]);
    return rows.map((r) => ({ createdAt: Number(r.created_at), id: r.id }));
  } finally {
    await client.end();
  }
}

/** Encodes a page token with the server's own encoder (from its dist). */
async function pageToken(
  serverDir: string,
  cursor: { createdAt: number; id: string },
): Promise<string> {
  const mod = (await import(
    new URL(`file://${join(serverDir, 'dist', 'pagination', 'page-token.js')}`).href
  )) as typeof import('../src/pagination/page-token.js');
  return mod.encodePageToken('after', cursor);
}

async function getJson(origin: string, path: string, auth: string, init: RequestInit = {}) {
  const res = await fetch(origin + path, {
    ...init,
    headers: { authorization: auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`scenario check failed: ${message}`);
}

interface Scenario {
  name: ScenarioName;
  describe: string;
  spec: LoadSpec;
}

/** Builds the scenarios against a running server and checks each answers as expected. */
async function prepareScenarios(
  run: Run,
  server: ChildServer,
  engine: 'sqlite' | 'postgres',
  dbUrl: string,
  seed: SeedInfo,
): Promise<Scenario[]> {
  const { opts, auth } = run;
  const headers = { authorization: auth };
  const base = '/api/video/conferences';
  const out: Scenario[] = [];
  const ps = opts.pageSize;
  for (const name of opts.scenarios) {
    if (name === 'first') {
      const path = `${base}?page_size=${ps}`;
      const r = await getJson(server.origin, path, auth);
      check(r.status === 200, `first page → ${r.status} ${r.text.slice(0, 200)}`);
      check((r.body.data as unknown[]).length === ps, 'first page is not full');
      out.push({
        name,
        describe: `page_size ${ps}`,
        spec: { origin: server.origin, requests: [{ method: 'GET', path, headers }] },
      });
    } else if (name === 'deep') {
      const [cursor, expected] = await keysAt(engine, dbUrl, run.projectId, opts.depth - 1);
      check(cursor && expected, 'no row at the requested depth');
      const token = await pageToken(opts.serverDir, cursor);
      const path = `${base}?page_number=${Math.floor(opts.depth / ps)}&page_size=${ps}&page_token=${token}`;
      const r = await getJson(server.origin, path, auth);
      check(r.status === 200, `deep page → ${r.status} ${r.text.slice(0, 200)}`);
      const data = r.body.data as { id: string }[];
      check(data.length === Math.min(ps, seed.rows - opts.depth), 'deep page has the wrong length');
      check(
        data[0]!.id === expected.id,
        `deep page starts at ${data[0]!.id}, expected ${expected.id}`,
      );
      out.push({
        name,
        describe: `${fmtInt(opts.depth)} rows in`,
        spec: { origin: server.origin, requests: [{ method: 'GET', path, headers }] },
      });
    } else if (name === 'filtered') {
      const { startsAfter, endsBefore } = run.window;
      const path = `${base}?ends_before=${iso(endsBefore)}&page_size=${ps}&starts_after=${iso(startsAfter)}`;
      const r = await getJson(server.origin, path, auth);
      check(r.status === 200, `filtered → ${r.status} ${r.text.slice(0, 200)}`);
      const data = r.body.data as { join_from: string; join_until: string }[];
      check(data.length === Math.min(ps, seed.filterMatches), 'filtered page has the wrong length');
      for (const c of data) {
        check(
          Date.parse(c.join_from) / 1000 >= startsAfter &&
            Date.parse(c.join_until) / 1000 <= endsBefore,
          'filtered page holds a row outside the window',
        );
      }
      out.push({
        name,
        describe: `starts_after+ends_before, ${pct(seed.filterMatches / seed.rows)} match`,
        spec: { origin: server.origin, requests: [{ method: 'GET', path, headers }] },
      });
    } else if (name === 'get') {
      const ids = [...seed.sampleIds];
      // Deterministic shuffle, so connections do not walk the table in order.
      let s = 7;
      for (let i = ids.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [ids[i], ids[j]] = [ids[j]!, ids[i]!];
      }
      const r = await getJson(server.origin, `${base}/${ids[0]}`, auth);
      check(r.status === 200 && r.body.id === ids[0], `get → ${r.status} ${r.text.slice(0, 200)}`);
      out.push({
        name,
        describe: `${ids.length} ids across the table`,
        spec: {
          origin: server.origin,
          requests: ids.map((id) => ({ method: 'GET', path: `${base}/${id}`, headers })),
        },
      });
    } else {
      // No `name`: the server draws one (D9), as most clients let it. (autocannon's
      // `idReplacement` cannot be used to make unique names: it miscounts Content-Length.)
      const joinFrom = Math.floor(run.now / 1000) + 7 * 86400;
      const body = JSON.stringify({
        display_name: 'Platform Weekly Sync',
        description: 'Weekly sync for the platform team.',
        join_from: iso(joinFrom),
        join_until: iso(joinFrom + 3600),
        quality: '1080p',
        layout: 'grid-responsive',
        size: 'medium',
        record_on_start: false,
        enable_chat: true,
        meta: { team: 'platform', cost_center: 4100 },
      });
      const r = await getJson(server.origin, base, auth, { method: 'POST', body });
      check(r.status === 200, `create → ${r.status} ${r.text.slice(0, 200)}`);
      out.push({
        name,
        describe: 'POST, server-drawn name',
        spec: {
          origin: server.origin,
          requests: [
            {
              method: 'POST',
              path: base,
              headers: { ...headers, 'content-type': 'application/json' },
              body,
            },
          ],
        },
      });
    }
  }
  return out;
}

/** PostgreSQL backends serving the run's database (when it has its own database). */
async function backendPids(target: PostgresTarget | undefined): Promise<number[]> {
  if (!target?.database) return [];
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [target.database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** Warm-up (unmeasured), then the measured window with RSS and CPU sampled. */
async function measure(
  run: Run,
  servers: ChildServer[],
  specs: LoadSpec[],
  target: PostgresTarget | undefined,
): Promise<{ m: Measured; each: LoadResult[] }> {
  const { opts } = run;
  const load = { connections: opts.connections, seconds: opts.warmup };
  if (opts.warmup > 0) await driveTogether(specs, load);
  const sampler = new ProcSampler(
    servers.map((s) => s.pid),
    await backendPids(target),
  ).start();
  const { combined, each } = await driveTogether(specs, { ...load, seconds: opts.duration });
  const sample = sampler.stop();
  const serverCpu = Object.values(sample.cpuPercent).reduce((a, b) => a + b, 0);
  return {
    each,
    m: {
      ...combined,
      rssMb: Math.max(...Object.values(sample.peakRssMb)),
      serverCpu,
      loadCpu: sample.selfCpuPercent,
      dbCpu: target?.database ? sample.extraCpuPercent : undefined,
      machineBusy: sample.machineBusyPercent,
      // With PostgreSQL, its backends' CPU is part of the cost of a request.
      perCpu:
        combined.ok /
        combined.seconds /
        (Math.max(1, serverCpu + (target?.database ? sample.extraCpuPercent : 0)) / 100),
    },
  };
}

interface EngineCtx {
  engine: 'sqlite' | 'postgres';
  label: string;
  target: PostgresTarget | undefined;
  dbUrl: string;
  seed: SeedInfo;
  seedNote: string;
  server: ChildServer;
  /** The second process of the two-process run (PostgreSQL), idle otherwise. */
  second: ChildServer | undefined;
  scenarios: Scenario[];
  firstPageBody: string | undefined;
  runs: {
    scenarios: Partial<Record<ScenarioName, Measured[]>>;
    bare: (Measured & { bytes: number })[];
    loop: LoopResult[];
    two: { combined: Measured; each: LoadResult[] }[];
  };
  hwmMb: number;
  profiles: string[];
  notes: string[];
}

/** Seeds a fresh database, starts its server(s) and checks every scenario once. */
async function setupEngine(run: Run, engine: 'sqlite' | 'postgres'): Promise<EngineCtx> {
  const { opts } = run;
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const gen = new DataGenerator(run.projectId, opts.n, opts.seed, run.now);
  let target: PostgresTarget | undefined;
  let dbUrl: string;
  let seed: SeedInfo;
  log(`\n== ${label}: seeding ==`);
  if (engine === 'sqlite') {
    const file = join(opts.dataDir, 'bench.sqlite');
    dbUrl = file;
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    if (!opts.keep) {
      run.cleanups.push(() => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      });
    }
    seed = await seedSqlite(dbUrl, opts.serverDir, {
      gen,
      tokens: opts.tokens,
      label,
      window: run.window,
    });
  } else {
    target = await createPostgresTarget(opts.postgresUrl!);
    const t = target;
    if (!opts.keep) run.cleanups.push(() => t.drop());
    dbUrl = target.url;
    seed = await seedPostgres(dbUrl, opts.serverDir, {
      gen,
      tokens: opts.tokens,
      label,
      window: run.window,
    });
  }
  const seedNote = `${fmtInt(seed.rows)} conferences + ${fmtInt(seed.tokens)} tokens in ${seed.seconds.toFixed(1)} s (${fmtInt(seed.rows / seed.seconds)} conferences/s)`;
  log(`  seeded ${seedNote}`);
  if (opts.keep) log(`  kept at ${dbUrl}`);

  const profDir = opts.cpuProf ? join(opts.dataDir, `prof-${engine}`) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const serverOptions = (n: number) => ({
    label: `${label} server ${n}`,
    serverDir: opts.serverDir,
    databaseUrl: dbUrl,
    projectId: run.projectId,
    apiToken: run.apiToken,
    env: opts.serverEnv,
    cpuProfDir: profDir,
  });
  const server = await startConclave(serverOptions(1));
  run.cleanups.push(() => server.stop().then(() => undefined));
  const scenarios = await prepareScenarios(run, server, engine, dbUrl, seed);
  const first = scenarios.find((s) => s.name === 'first');
  let second: ChildServer | undefined;
  if (engine === 'postgres' && opts.twoProcess && first) {
    second = await startConclave(serverOptions(2));
    const s2 = second;
    run.cleanups.push(() => s2.stop().then(() => undefined));
  }
  return {
    engine,
    label,
    target,
    dbUrl,
    seed,
    seedNote,
    server,
    second,
    scenarios,
    firstPageBody:
      first && (await getJson(server.origin, first.spec.requests[0]!.path!, run.auth)).text,
    runs: { scenarios: {}, bare: [], loop: [], two: [] },
    hwmMb: 0,
    profiles: [],
    notes: [],
  };
}

function logMeasured(title: string, m: Measured): void {
  const failed = m.failed ? `, ${fmtInt(m.failed)} FAILED ${JSON.stringify(m.statusCodes)}` : '';
  log(
    `  ${title}: ${fmtInt(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, RSS ${m.rssMb.toFixed(0)} MB, server CPU ${fmtInt(m.serverCpu)} %${failed}`,
  );
}

/** One round of the read scenarios and the baselines (creates run later: they change the data). */
async function readRound(run: Run, ctx: EngineCtx): Promise<void> {
  const { opts } = run;
  const first = ctx.scenarios.find((s) => s.name === 'first');
  // (b) right before the first page: the ceiling the first page is compared with.
  if (ctx.engine === 'sqlite' && first) {
    const loop = await inProcessLoop({
      file: ctx.dbUrl,
      serverDir: opts.serverDir,
      projectId: run.projectId,
      pageSize: opts.pageSize,
      seconds: opts.duration,
      warmup: opts.warmup,
    });
    ctx.runs.loop.push(loop);
    log(
      `  (b) in-process stored-wire read + JSON.stringify: ${fmtInt(loop.opsPerSec)} ops/s, ${fmtInt(loop.opsPerCpuSec)} per CPU-s`,
    );
  }
  for (const s of ctx.scenarios) {
    if (s.name === 'create') continue;
    const { m } = await measure(run, [ctx.server], [s.spec], ctx.target);
    (ctx.runs.scenarios[s.name] ??= []).push(m);
    logMeasured(`${scenarioTitle(s.name)} (${s.describe})`, m);
  }
  if (ctx.engine === 'sqlite' && first && ctx.firstPageBody !== undefined) {
    const bodyFile = join(opts.dataDir, 'first-page.json');
    writeFileSync(bodyFile, ctx.firstPageBody);
    const bare = await startBareServer(join(BENCH_DIR, 'bare-server.js'), bodyFile);
    try {
      const { m } = await measure(
        run,
        [bare],
        [{ origin: bare.origin, requests: [{ method: 'GET', path: '/' }] }],
        undefined,
      );
      ctx.runs.bare.push({ ...m, bytes: Buffer.byteLength(ctx.firstPageBody) });
      logMeasured('(a) bare node:http', m);
    } finally {
      await bare.stop();
      rmSync(bodyFile, { force: true });
    }
  }
  if (ctx.second && first) {
    const r = await measure(
      run,
      [ctx.server, ctx.second],
      [first.spec, { ...first.spec, origin: ctx.second.origin }],
      ctx.target,
    );
    ctx.runs.two.push({ combined: r.m, each: r.each });
    logMeasured(
      `list, first page, two processes (${r.each.map((e) => fmtInt(e.rps)).join(' + ')})`,
      r.m,
    );
  }
}

async function createRound(run: Run, ctx: EngineCtx): Promise<void> {
  const s = ctx.scenarios.find((x) => x.name === 'create');
  if (!s) return;
  const { m } = await measure(run, [ctx.server], [s.spec], ctx.target);
  (ctx.runs.scenarios.create ??= []).push(m);
  logMeasured(`create (${s.describe})`, m);
}

async function teardown(ctx: EngineCtx): Promise<void> {
  ctx.hwmMb = readHwmKb(ctx.server.pid) / 1024;
  for (const server of [ctx.server, ctx.second]) {
    if (!server) continue;
    const profile = await server.stop();
    if (profile) ctx.profiles.push(`${server.label}:\n${summarizeProfile(profile)}`);
  }
}

/** The round with the median rate stands for the scenario; RSS is the peak over all rounds. */
function medianRun<T extends Measured>(runs: T[]): T | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...mid, rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

function summarize(ctx: EngineCtx): EngineResult {
  const scenarios: EngineResult['scenarios'] = {};
  const describe: EngineResult['describe'] = {};
  for (const s of ctx.scenarios) {
    const m = medianRun(ctx.runs.scenarios[s.name] ?? []);
    if (m) scenarios[s.name] = m;
    describe[s.name] = s.describe;
  }
  const loops = [...ctx.runs.loop].sort((a, b) => a.opsPerSec - b.opsPerSec);
  const two = [...ctx.runs.two].sort((a, b) => a.combined.rps - b.combined.rps);
  const twoMid = two[Math.floor((two.length - 1) / 2)];
  return {
    engine: ctx.engine,
    label: ctx.label,
    seed: ctx.seed,
    seedNote: ctx.seedNote,
    scenarios,
    describe,
    hwmMb: ctx.hwmMb,
    bare: medianRun(ctx.runs.bare),
    loop: loops[Math.floor((loops.length - 1) / 2)],
    two: twoMid && {
      combined: { ...twoMid.combined, rssMb: Math.max(...two.map((t) => t.combined.rssMb)) },
      each: twoMid.each,
    },
    rounds: {
      scenarios: Object.fromEntries(
        Object.entries(ctx.runs.scenarios).map(([k, v]) => [k, v.map((m) => Math.round(m.rps))]),
      ),
      loop: ctx.runs.loop.map((l) => Math.round(l.opsPerSec)),
      bare: ctx.runs.bare.map((m) => Math.round(m.rps)),
      two: ctx.runs.two.map((t) => Math.round(t.combined.rps)),
    },
    profiles: ctx.profiles,
    notes: ctx.notes,
  };
}

function targets(engines: EngineResult[]): Target[] {
  const out: Target[] = [];
  const sqlite = engines.find((e) => e.engine === 'sqlite');
  const postgres = engines.find((e) => e.engine === 'postgres');
  const rps = (e: EngineResult | undefined, s: ScenarioName) => e?.scenarios[s]?.rps;
  const perCpu = (e: EngineResult | undefined, s: ScenarioName) => e?.scenarios[s]?.perCpu;
  const atLeast = (name: string, r: number | undefined, c: number | undefined, want: number) =>
    out.push({
      name,
      value: pct(r),
      perCpu: pct(c),
      target: `≥ ${(want * 100).toFixed(0)} %`,
      pass: r === undefined ? undefined : r >= want,
    });
  const info = (name: string, value: string, perCpuValue = '') =>
    out.push({ name: `(info) ${name}`, value, perCpu: perCpuValue, target: '', pass: undefined });
  const peakRss = (e: EngineResult) =>
    Math.max(...Object.values(e.scenarios).map((m) => m.rssMb), e.two?.combined.rssMb ?? 0);
  const perSecond = (n: number | undefined) => (n === undefined ? '—' : `${fmtInt(n)}/s`);
  if (sqlite) {
    const first = rps(sqlite, 'first');
    const firstCpu = perCpu(sqlite, 'first');
    atLeast(
      'SQLite first page / (b) in-process loop',
      ratio(first, sqlite.loop?.opsPerSec),
      ratio(firstCpu, sqlite.loop?.opsPerCpuSec),
      0.5,
    );
    atLeast(
      'SQLite deep page / first page',
      ratio(rps(sqlite, 'deep'), first),
      ratio(perCpu(sqlite, 'deep'), firstCpu),
      0.9,
    );
    atLeast(
      'SQLite filtered / first page',
      ratio(rps(sqlite, 'filtered'), first),
      ratio(perCpu(sqlite, 'filtered'), firstCpu),
      0.9,
    );
    const create = rps(sqlite, 'create');
    out.push({
      name: 'SQLite create',
      value: perSecond(create),
      perCpu: perSecond(perCpu(sqlite, 'create')),
      target: '≥ 2,000/s',
      pass: create === undefined ? undefined : create >= 2000,
    });
    const firstPage = sqlite.scenarios.first;
    out.push({
      name: 'SQLite first page p99 / p50 (--connections)',
      value: firstPage
        ? `${(firstPage.p99 / firstPage.p50).toFixed(1)}× (${firstPage.p50}/${firstPage.p99} ms)`
        : '—',
      target: '≤ 4×',
      pass: firstPage ? firstPage.p99 <= 4 * firstPage.p50 : undefined,
    });
    const peak = peakRss(sqlite);
    out.push({
      name: 'SQLite server peak RSS under load',
      value: `${peak.toFixed(0)} MB`,
      target: '≤ 200 MB',
      pass: Number.isFinite(peak) && peak > 0 ? peak <= 200 : undefined,
    });
    info('SQLite first page / (a) bare node:http', pct(ratio(first, sqlite.bare?.rps)));
  }
  if (postgres) {
    const first = rps(postgres, 'first');
    const firstCpu = perCpu(postgres, 'first');
    atLeast(
      'PostgreSQL first page / SQLite first page',
      ratio(first, rps(sqlite, 'first')),
      ratio(firstCpu, perCpu(sqlite, 'first')),
      0.5,
    );
    const two = ratio(postgres.two?.combined.rps, first);
    out.push({
      name: 'PostgreSQL two processes / one (first page)',
      value: two === undefined ? '—' : `${two.toFixed(2)}×`,
      target: '≥ 1.60×',
      pass: two === undefined ? undefined : two >= 1.6,
    });
    info(
      'PostgreSQL deep page / first page',
      pct(ratio(rps(postgres, 'deep'), first)),
      pct(ratio(perCpu(postgres, 'deep'), firstCpu)),
    );
    info(
      'PostgreSQL filtered / first page',
      pct(ratio(rps(postgres, 'filtered'), first)),
      pct(ratio(perCpu(postgres, 'filtered'), firstCpu)),
    );
    info(
      'PostgreSQL create',
      perSecond(rps(postgres, 'create')),
      perSecond(perCpu(postgres, 'create')),
    );
    info('PostgreSQL server peak RSS under load', `${peakRss(postgres).toFixed(0)} MB`);
  }
  return out;
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  const { cleanups, cleanup } = cleanupOnExit();

  try {
    buildServer(opts);
    const createdDir = !existsSync(opts.dataDir);
    mkdirSync(opts.dataDir, { recursive: true });
    if (createdDir && !opts.keep)
      cleanups.push(() => rmSync(opts.dataDir, { recursive: true, force: true }));
    const projectId = randomUUID();
    const apiToken = 'PT' + randomBytes(24).toString('hex');
    const now = Date.now();
    const run: Run = {
      opts,
      projectId,
      apiToken,
      auth: 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64'),
      now,
      window: new DataGenerator(projectId, opts.n, opts.seed, now).filterWindow(),
      cleanups,
    };
    const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const header =
      `Conclave benchmark — ${fmtInt(opts.n)} conferences, ${opts.duration} s per scenario (+${opts.warmup} s warm-up), ` +
      `${opts.connections} connections, page_size ${opts.pageSize}\n` +
      `Node ${process.version}, ${CPUS} CPUs (${cpuModel}), server ${join(opts.serverDir, 'dist', 'main.js')}` +
      (Object.keys(opts.serverEnv).length ? `, env ${JSON.stringify(opts.serverEnv)}` : '');
    log(header);

    const ctxs: EngineCtx[] = [];
    const failed: EngineResult[] = [];
    if (opts.sqlite) ctxs.push(await setupEngine(run, 'sqlite'));
    if (opts.postgresUrl) {
      try {
        ctxs.push(await setupEngine(run, 'postgres'));
      } catch (error) {
        log(`\nPostgreSQL setup failed: ${(error as Error).stack ?? String(error)}`);
        if (!ctxs.length) throw error;
        failed.push({
          engine: 'postgres',
          label: 'PostgreSQL',
          seed: { rows: 0, tokens: 0, seconds: 0, sampleIds: [], filterMatches: 0 },
          seedNote: 'failed',
          scenarios: {},
          describe: {},
          hwmMb: 0,
          profiles: [],
          notes: [`run failed: ${(error as Error).message.split('\n')[0]}`],
        });
      }
    }
    // A fresh process runs its first seconds on cold code (and the JIT's own threads count as
    // its CPU): warm every server on every read scenario before anything is measured.
    for (const ctx of ctxs) {
      log(`\n== ${ctx.label}: warming up ==`);
      for (const s of ctx.scenarios) {
        if (s.name === 'create') continue;
        const specs = [s.spec];
        if (ctx.second) specs.push({ ...s.spec, origin: ctx.second.origin });
        await driveTogether(specs, {
          connections: opts.connections,
          seconds: Math.max(2, opts.warmup),
        });
      }
    }
    // Rounds interleave the engines and the baselines, so that the noise of a shared machine
    // falls on both sides of every ratio; each figure is the median round.
    for (let round = 1; round <= opts.rounds; round++) {
      for (const ctx of ctxs) {
        log(`\n== round ${round}/${opts.rounds}: ${ctx.label}, reads ==`);
        await readRound(run, ctx);
      }
    }
    for (let round = 1; round <= opts.rounds; round++) {
      for (const ctx of ctxs) {
        if (!ctx.scenarios.some((s) => s.name === 'create')) continue;
        log(`\n== round ${round}/${opts.rounds}: ${ctx.label}, creates ==`);
        await createRound(run, ctx);
      }
    }
    for (const ctx of ctxs) await teardown(ctx);
    const engines: EngineResult[] = [...ctxs.map(summarize), ...failed];

    const order = opts.scenarios;
    const out: string[] = ['', header, ''];
    for (const e of engines) out.push(`Seeding ${e.label}: ${e.seedNote}`);
    if (engines.length > 1) out.push('', sideBySide(engines, order));
    for (const e of engines) {
      out.push(
        '',
        `${e.label} (server peak RSS high-water mark ${e.hwmMb.toFixed(0)} MB)`,
        engineTable(e, order),
      );
      for (const note of e.notes) out.push(`  note: ${note}`);
    }
    out.push('', 'Targets', targetTable(targets(engines)));
    out.push(
      '',
      'req/s and ops/s are the median of the rounds. per CPU-s = the same rate per second of CPU the server (PostgreSQL: server + its\n' +
        'backends) actually got — the figure to trust when the box is shared (box near 100 %). CPU % is of one core: srv = server\n' +
        'process(es), lg = load generator (this process), db = PostgreSQL backends of the run, box = whole machine (% of all cores).',
    );
    for (const e of engines) for (const p of e.profiles) out.push('', `CPU profile, ${p}`);
    process.stdout.write(out.join('\n') + '\n');

    if (opts.json) {
      writeFileSync(
        opts.json,
        JSON.stringify({ options: opts, engines, targets: targets(engines) }, null, 2),
      );
      log(`results written to ${opts.json}`);
    }
    if (opts.strict && targets(engines).some((t) => t.pass === false)) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/** The mixer benchmark is the media package's own (it drives the mixer's internals): run as is. */
function runMixerBench(args: string[]): Promise<void> {
  const script = fileURLToPath(new URL('../../media/bench/mixer.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, ...args],
    { stdio: 'inherit' },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`the mixer benchmark exited with ${code}`));
    });
  });
}

// `npm run bench -- sessions …`: the realtime sessions benchmark (bench/sessions.ts).
// `npm run bench -- media …`: the media benchmark (bench/media.ts).
// `npm run bench -- mixer …`: the call mixer's CPU per member (packages/media/bench/mixer.ts).
// `npm run bench -- webhooks …`: webhook delivery rate, latency and the outbox's cost (bench/webhooks.ts).
const sub = process.argv[2];
(sub === 'sessions'
  ? import('./sessions.js').then((m) => m.runSessions(process.argv.slice(3)))
  : sub === 'media'
    ? import('./media.js').then((m) => m.runMedia(process.argv.slice(3)))
    : sub === 'mixer'
      ? runMixerBench(process.argv.slice(3))
      : sub === 'webhooks'
        ? import('./webhooks.js').then((m) => m.runWebhooks(process.argv.slice(3)))
        : main()
).catch((error: unknown) => {
  log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
