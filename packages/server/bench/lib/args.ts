import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['first', 'deep', 'filtered', 'get', 'create'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  n: number;
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  pageSize: number;
  /** How many rows deep the deep page starts (default: 900,000, or 90 % of n when n is smaller). */
  depth: number;
  postgresUrl: string | undefined;
  sqlite: boolean;
  twoProcess: boolean;
  scenarios: ScenarioName[];
  tokens: boolean;
  seed: number;
  dataDir: string;
  keep: boolean;
  build: boolean;
  serverDir: string;
  serverEnv: Record<string, string>;
  cpuProf: boolean;
  json: string | undefined;
  strict: boolean;
}

const HELP = `npm run bench -- [flags]
npm run bench -- sessions [flags]   (the realtime sessions benchmark: \`npm run bench -- sessions --help\`)
npm run bench -- media [flags]      (the media benchmark, Chromium through the SFU: \`npm run bench -- media --help\`)

  --n <rows>             conferences to seed (default 1000000)
  --duration <s>         measured seconds per scenario (default 10)
  --warmup <s>           unmeasured warm-up per scenario (default: duration/5, 1..3 s)
  --rounds <k>           rounds of every scenario, engines and baselines interleaved;
                         each figure is the median round (default 3)
  --connections <c>      autocannon connections per server (default 32)
  --page-size <k>        page_size of the list scenarios (default 50)
  --depth <rows>         rows before the deep page (default min(900000, 90 % of n))
  --scenarios <list>     comma list of ${SCENARIOS.join(',')} (default all)
  --database <url>       also run everything on PostgreSQL (postgres://…), beside SQLite
  --no-sqlite            with --database: skip the SQLite engine (and the SQLite baselines)
  --no-two-process       skip the two-process PostgreSQL run
  --tokens               also seed the two conference_tokens of every conference (default off:
                         no scenario reads them; adds ~35 s and ~2 GB per million on SQLite)
  --seed <int>           PRNG seed of the generated data (default 1)
  --data-dir <dir>       where the SQLite file goes (default: a fresh dir under ${tmpdir()})
  --keep                 keep the seeded databases afterwards (default: delete them)
  --no-build             do not run \`tsc -b\` on the server first
  --server-dir <dir>     the server package to run (its dist/main.js), default packages/server
  --server-env K=V       extra environment for the server processes (repeatable)
  --cpu-prof             run the servers under --cpu-prof and print their top self-time functions
  --json <file>          also write the results as JSON
  --strict               exit 1 when a target is missed
  --help
`;

function int(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
}

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIR = resolve(BENCH_DIR, '..');
export const REPO_ROOT = resolve(SERVER_DIR, '..', '..');

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowNegative: true,
    options: {
      n: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'page-size': { type: 'string' },
      depth: { type: 'string' },
      scenarios: { type: 'string' },
      database: { type: 'string' },
      sqlite: { type: 'boolean', default: true },
      'two-process': { type: 'boolean', default: true },
      tokens: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      build: { type: 'boolean', default: true },
      'server-dir': { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      'cpu-prof': { type: 'boolean', default: false },
      json: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const n = int('n', values.n, 1_000_000, 100);
  const duration = int('duration', values.duration, 10);
  const pageSize = int('page-size', values['page-size'], 50);
  if (pageSize > 1000) throw new Error('--page-size must be at most 1000');
  const depth = int('depth', values.depth, Math.min(900_000, Math.floor(n * 0.9)));
  if (depth >= n) throw new Error('--depth must be below --n');
  const scenarios = values.scenarios
    ? values.scenarios.split(',').map((s) => {
        const name = s.trim() as ScenarioName;
        if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${s}`);
        return name;
      })
    : [...SCENARIOS];
  const postgresUrl = values.database;
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new Error('--database takes a postgres:// URL (SQLite always runs unless --no-sqlite)');
  }
  if (!values.sqlite && postgresUrl === undefined) {
    throw new Error('--no-sqlite needs --database');
  }
  const serverEnv: Record<string, string> = {};
  for (const kv of values['server-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--server-env takes KEY=VALUE, got ${kv}`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return {
    n,
    duration,
    warmup: int('warmup', values.warmup, Math.min(3, Math.max(1, Math.round(duration / 5))), 0),
    rounds: int('rounds', values.rounds, 3),
    connections: int('connections', values.connections, 32),
    pageSize,
    depth,
    postgresUrl,
    sqlite: values.sqlite,
    twoProcess: values['two-process'],
    scenarios,
    tokens: values.tokens,
    seed: int('seed', values.seed, 1, 0),
    dataDir: values['data-dir']
      ? resolve(values['data-dir'])
      : join(tmpdir(), `conclave-bench-${process.pid}`),
    keep: values.keep,
    build: values.build,
    serverDir: values['server-dir'] ? resolve(values['server-dir']) : SERVER_DIR,
    serverEnv,
    cpuProf: values['cpu-prof'],
    json: values.json,
    strict: values.strict,
  };
}

export const CPUS = availableParallelism();
