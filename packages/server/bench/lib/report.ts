import type { ScenarioName } from './args.js';
import type { LoopResult } from './baselines.js';
import type { LoadResult } from './load.js';
import type { SeedInfo } from './seed.js';

export interface Measured extends LoadResult {
  /** Peak VmRSS of the server process(es) during the window, MB (the largest one). */
  rssMb: number;
  /** Server CPU, % of one core (summed over servers). */
  serverCpu: number;
  /** The load generator (this process), % of one core. */
  loadCpu: number;
  /** PostgreSQL backends of the run's database, % of one core (when identifiable). */
  dbCpu: number | undefined;
  /** Whole machine, % of all cores. */
  machineBusy: number;
  /** 2xx responses per CPU-second of the server process(es): the rate with other load factored out. */
  perCpu: number;
}

export interface EngineResult {
  engine: 'sqlite' | 'postgres';
  label: string;
  seed: SeedInfo;
  seedNote: string;
  scenarios: Partial<Record<ScenarioName, Measured>>;
  describe: Partial<Record<ScenarioName, string>>;
  /** VmHWM of the server at the end (includes start-up and seeding-free boot). */
  hwmMb: number;
  bare?: (Measured & { bytes: number }) | undefined;
  loop?: LoopResult | undefined;
  two?: { combined: Measured; each: LoadResult[] } | undefined;
  /** req/s (ops/s) of every round, for judging the noise. */
  rounds?: {
    scenarios: Record<string, number[]>;
    loop: number[];
    bare: number[];
    two: number[];
  };
  profiles: string[];
  notes: string[];
}

export interface Target {
  name: string;
  value: string;
  /** The same ratio on rates per CPU-second (noise of other processes factored out). */
  perCpu?: string;
  target: string;
  pass: boolean | undefined;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const pad = (s: string, w: number) => s.padStart(w);
const padEnd = (s: string, w: number) => s.padEnd(w);

export function table(headers: string[], rows: string[][], leftCols = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells.map((c, i) => (i < leftCols ? padEnd(c, widths[i]!) : pad(c, widths[i]!))).join('  ');
  return [
    line(headers),
    '  ' + widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

const SCENARIO_TITLES: Record<ScenarioName, string> = {
  first: 'list, first page',
  deep: 'list, deep page',
  filtered: 'list, filtered',
  get: 'get by id',
  create: 'create',
};

export function scenarioTitle(name: ScenarioName): string {
  return SCENARIO_TITLES[name];
}

function cpu(m: Measured): string {
  const db = m.dbCpu === undefined ? '' : ` db ${fmtInt(m.dbCpu)}`;
  return `srv ${fmtInt(m.serverCpu)} lg ${fmtInt(m.loadCpu)}${db} box ${fmtInt(m.machineBusy)}`;
}

function row(title: string, m: Measured, rounds: number[] | undefined): string[] {
  return [
    title,
    fmtInt(m.rps),
    rounds && rounds.length > 1 ? rounds.map(fmtInt).join(' / ') : '',
    fmtInt(m.perCpu),
    fmtMs(m.p50),
    fmtMs(m.p99),
    m.rssMb.toFixed(0),
    cpu(m),
    m.failed ? fmtInt(m.failed) : '0',
  ];
}

/** Per-engine detail: every scenario, the baselines and the two-process run. */
export function engineTable(e: EngineResult, order: ScenarioName[]): string {
  const rows: string[][] = [];
  for (const name of order) {
    const m = e.scenarios[name];
    if (m) {
      const title = `${SCENARIO_TITLES[name]}${e.describe[name] ? ` (${e.describe[name]})` : ''}`;
      rows.push(row(title, m, e.rounds?.scenarios[name]));
    }
  }
  if (e.two) {
    rows.push(row('list, first page, two processes (sum)', e.two.combined, e.rounds?.two));
  }
  if (e.bare) {
    rows.push(row(`(a) bare node:http, ${fmtInt(e.bare.bytes)}-byte body`, e.bare, e.rounds?.bare));
  }
  if (e.loop) {
    const rounds = e.rounds?.loop ?? [];
    rows.push([
      `(b) in-process stored-wire read + JSON.stringify (${fmtInt(e.loop.bytes)} B)`,
      fmtInt(e.loop.opsPerSec),
      rounds.length > 1 ? rounds.map(fmtInt).join(' / ') : '',
      fmtInt(e.loop.opsPerCpuSec),
      '',
      '',
      '',
      'ops/s, one core',
      '',
    ]);
  }
  return table(
    [
      'scenario',
      'req/s',
      'rounds',
      'per CPU-s',
      'p50 ms',
      'p99 ms',
      'RSS MB',
      'CPU % (of one core)',
      'failed',
    ],
    rows,
  );
}

/** SQLite and PostgreSQL side by side. */
export function sideBySide(engines: EngineResult[], order: ScenarioName[]): string {
  const headers = ['scenario'];
  for (const e of engines) headers.push(`${e.label} req/s`, 'p50', 'p99');
  if (engines.length === 2) headers.push(`${engines[1]!.label}/${engines[0]!.label}`);
  const rows: string[][] = [];
  const add = (title: string, ms: (Measured | undefined)[]) => {
    const r = [title];
    for (const m of ms)
      r.push(m ? fmtInt(m.rps) : '—', m ? fmtMs(m.p50) : '', m ? fmtMs(m.p99) : '');
    if (ms.length === 2) {
      r.push(ms[0] && ms[1] ? `${((ms[1].rps / ms[0].rps) * 100).toFixed(0)} %` : '');
    }
    rows.push(r);
  };
  for (const name of order)
    add(
      SCENARIO_TITLES[name],
      engines.map((e) => e.scenarios[name]),
    );
  if (engines.some((e) => e.two))
    add(
      'list, two processes',
      engines.map((e) => e.two?.combined),
    );
  return table(headers, rows);
}

export function targetTable(targets: Target[]): string {
  return table(
    ['target', 'measured', 'per CPU-s', 'wanted', ''],
    targets.map((t) => [
      t.name,
      t.value,
      t.perCpu ?? '',
      t.target,
      t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'FAIL',
    ]),
  );
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export const pct = (r: number | undefined) => (r === undefined ? '—' : `${(r * 100).toFixed(1)} %`);
export { fmtInt, fmtMs };
