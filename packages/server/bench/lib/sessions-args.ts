import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_DIR } from './args.js';

export interface SessionsOptions {
  members: number;
  conferences: number;
  size: 'medium' | 'large';
  /** Joins in flight at once while the members connect (phase 1). */
  concurrency: number;
  /** Probe joins (join, then leave) with every member connected (phase 2). */
  probes: number;
  probeConcurrency: number;
  /** Measured seconds of every relay run. */
  duration: number;
  /** Unmeasured seconds of relay before the first measured run of each server. */
  warmup: number;
  rounds: number;
  /** Signals in flight per member in the saturating (closed-loop) relay run. */
  window: number;
  /** Offered signals per second (whole process) of the paced (open-loop) latency run; 0 skips it. */
  rate: number;
  /** Bytes of the signal's `data` (an SDP-sized blob). */
  payload: number;
  /** Seconds the server is left alone before its memory is read. */
  settle: number;
  postgresUrl: string | undefined;
  sqlite: boolean;
  bare: boolean;
  /** Collect garbage in the server (through its inspector) before each memory reading. */
  gc: boolean;
  build: boolean;
  serverDir: string;
  serverEnv: Record<string, string>;
  cpuProf: boolean;
  json: string | undefined;
  strict: boolean;
  /** Node counts to compare (`--nodes 1,2`); empty: the single-server run. */
  nodes: number[];
}

export const SESSIONS_HELP = `npm run bench -- sessions [flags]

  --members <n>          members kept connected (default 1000)
  --conferences <n>      conferences they are spread over (default 100)
  --size <s>             conference size, medium (50) or large (300) (default large)
  --concurrency <c>      joins in flight while the members connect (default 20)
  --probes <n>           join+leave probes with every member connected (default 300)
  --probe-concurrency <c>  probes in flight at once (default 10)
  --duration <s>         measured seconds of every relay run (default 10)
  --warmup <s>           unmeasured relay seconds before the first run on each server
                         (default: duration/5, 1..3 s)
  --rounds <k>           relay rounds, Conclave and bare ws interleaved; figures are the
                         median round (default 3)
  --window <k>           signals in flight per member, saturating run (default 1)
  --rate <msgs/s>        offered rate of the paced latency run, whole process
                         (default 5000; 0 skips the paced run)
  --payload <bytes>      size of the signal's data (default 500)
  --settle <s>           idle seconds before a memory reading (default 3)
  --database <url>       also run Conclave on PostgreSQL (postgres://…), after SQLite
  --nodes <n,m,…>        instead: the joins against n, then m, … nodes on one PostgreSQL each
                         (needs --database), members entering the nodes in turn; joins/s,
                         join p50/p99, server CPU per join and the ratios to the first count
  --no-sqlite            with --database: skip SQLite
  --no-bare              skip the bare ws baseline
  --no-gc                do not collect garbage in the server before the memory readings
  --no-build             do not run \`tsc -b\` on the server first
  --server-dir <dir>     the server package to run (its dist/main.js), default packages/server
  --server-env K=V       extra environment for the server (repeatable)
  --cpu-prof             run the server under --cpu-prof; print its busiest functions
  --json <file>          also write the results as JSON
  --strict               exit 1 when a target is missed
  --help

  Smoke run: npm run bench -- sessions --members 100 --conferences 10 --probes 30 --duration 2 --rounds 1
  Nodes:     npm run bench -- sessions --database postgres://… --nodes 1,2
`;

function int(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
}

export function parseSessionsArgs(argv: string[]): SessionsOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowNegative: true,
    options: {
      members: { type: 'string' },
      conferences: { type: 'string' },
      size: { type: 'string' },
      concurrency: { type: 'string' },
      probes: { type: 'string' },
      'probe-concurrency': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      window: { type: 'string' },
      rate: { type: 'string' },
      payload: { type: 'string' },
      settle: { type: 'string' },
      database: { type: 'string' },
      nodes: { type: 'string' },
      sqlite: { type: 'boolean', default: true },
      bare: { type: 'boolean', default: true },
      gc: { type: 'boolean', default: true },
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
    process.stdout.write(SESSIONS_HELP);
    process.exit(0);
  }
  const members = int('members', values.members, 1000, 2);
  const conferences = int('conferences', values.conferences, 100);
  if (members < conferences * 2) throw new Error('--members must be at least 2 × --conferences');
  const size = values.size ?? 'large';
  if (size !== 'medium' && size !== 'large') throw new Error('--size is medium or large');
  const cap = size === 'large' ? 300 : 50;
  const perConference = Math.ceil(members / conferences);
  const probeConcurrency = int('probe-concurrency', values['probe-concurrency'], 10);
  if (perConference + probeConcurrency > cap) {
    throw new Error(
      `${perConference} members per conference + ${probeConcurrency} probes exceed a ${size} conference (${cap})`,
    );
  }
  const postgresUrl = values.database;
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new Error('--database takes a postgres:// URL');
  }
  if (!values.sqlite && postgresUrl === undefined) throw new Error('--no-sqlite needs --database');
  const nodes =
    values.nodes === undefined ? [] : values.nodes.split(',').map((n) => int('nodes', n.trim(), 1));
  if (nodes.length && postgresUrl === undefined)
    throw new Error('--nodes needs --database (one PostgreSQL the nodes share)');
  const serverEnv: Record<string, string> = {};
  for (const kv of values['server-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--server-env takes KEY=VALUE, got ${kv}`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const duration = int('duration', values.duration, 10);
  return {
    members,
    conferences,
    size,
    concurrency: int('concurrency', values.concurrency, 20),
    probes: int('probes', values.probes, 300, 0),
    probeConcurrency,
    duration,
    warmup: int('warmup', values.warmup, Math.min(3, Math.max(1, Math.round(duration / 5))), 0),
    rounds: int('rounds', values.rounds, 3),
    window: int('window', values.window, 1),
    rate: int('rate', values.rate, 5000, 0),
    payload: int('payload', values.payload, 500, 16),
    settle: int('settle', values.settle, 3, 0),
    postgresUrl,
    sqlite: values.sqlite,
    bare: values.bare,
    gc: values.gc,
    build: values.build,
    serverDir: values['server-dir'] ? resolve(values['server-dir']) : SERVER_DIR,
    serverEnv,
    cpuProf: values['cpu-prof'],
    json: values.json,
    strict: values.strict,
    nodes,
  };
}
