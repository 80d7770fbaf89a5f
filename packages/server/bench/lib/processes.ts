import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './args.js';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  label: string;
  pid: number;
  port: number;
  origin: string;
  /** Last lines the process wrote, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the CPU profile file if one was written. */
  stop(): Promise<string | undefined>;
}

function track(child: ChildProcess): { output(): string; exited: Promise<number | null> } {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { output: () => lines.slice(-40).join('\n'), exited };
}

async function waitReady(
  url: string,
  exited: Promise<number | null>,
  output: () => string,
  label: string,
): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (gone !== undefined)
      throw new Error(`${label} exited (${gone}) before it was ready:\n${output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${label} was not ready within 120 s:\n${output()}`);
}

const live = new Set<ChildProcess>();
/** Kills every child still running (on SIGINT or a failure). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

function stopper(child: ChildProcess, exited: Promise<number | null>, profileDir?: string) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    if (!profileDir || !existsSync(profileDir)) return undefined;
    const profile = readdirSync(profileDir).find(
      (f) => f.endsWith('.cpuprofile') && f.includes(`.${child.pid}.`),
    );
    return profile && join(profileDir, profile);
  };
}

export interface ConclaveServerOptions {
  label: string;
  serverDir: string;
  databaseUrl: string;
  projectId: string;
  apiToken: string;
  env: Record<string, string>;
  cpuProfDir: string | undefined;
  /** The port to listen on (default: a free one), for a node that must know its own URL. */
  port?: number;
}

/** Starts `node <serverDir>/dist/main.js` as the product runs, and waits for `/readyz`. */
export async function startConclave(options: ConclaveServerOptions): Promise<ChildServer> {
  const port = options.port ?? (await freePort());
  const args = [];
  if (options.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  args.push(join(options.serverDir, 'dist', 'main.js'));
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      CONCLAVE_PROJECT_ID: options.projectId,
      CONCLAVE_API_TOKEN: options.apiToken,
      CONCLAVE_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const { output, exited } = track(child);
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(`${origin}/readyz`, exited, output, options.label);
  return {
    label: options.label,
    pid: child.pid!,
    port,
    origin,
    output,
    stop: stopper(child, exited, options.cpuProfDir),
  };
}

/** The bare `node:http` baseline: serves `bodyFile` to every request. */
export async function startBareServer(script: string, bodyFile: string): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), BODY_FILE: bodyFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const { output, exited } = track(child);
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(`${origin}/`, exited, output, 'bare node:http server');
  return { label: 'bare', pid: child.pid!, port, origin, output, stop: stopper(child, exited) };
}

// ---- sampling /proc ---------------------------------------------------------------------------

const CLK_TCK = 100;

function readRssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)/.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function readHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export interface Sample {
  /** Peak VmRSS per sampled pid during the window, MB. */
  peakRssMb: Record<number, number>;
  /** CPU used per pid during the window, in % of one core. */
  cpuPercent: Record<number, number>;
  /** CPU of the extra pids (e.g. PostgreSQL backends), summed, % of one core. */
  extraCpuPercent: number;
  /** This process (the load generator and its worker threads), % of one core. */
  selfCpuPercent: number;
  /** The whole machine, % of all cores busy. */
  machineBusyPercent: number;
}

/** Samples RSS every 100 ms and CPU time at both ends of a measured window. */
export class ProcSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak: Record<number, number> = {};
  private cpu0: Record<number, number> = {};
  private extra0 = new Map<number, number>();
  private self0 = process.cpuUsage();
  private machine0 = machineTicks();
  private t0 = performance.now();

  constructor(
    private readonly pids: number[],
    private readonly extraPids: number[] = [],
  ) {}

  start(): this {
    this.t0 = performance.now();
    this.self0 = process.cpuUsage();
    this.machine0 = machineTicks();
    for (const pid of this.pids) {
      this.cpu0[pid] = cpuSeconds(pid);
      this.peak[pid] = readRssKb(pid);
    }
    for (const pid of this.extraPids) this.extra0.set(pid, cpuSeconds(pid));
    this.timer = setInterval(() => {
      for (const pid of this.pids) this.peak[pid] = Math.max(this.peak[pid] ?? 0, readRssKb(pid));
    }, 100);
    return this;
  }

  stop(): Sample {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.t0) / 1000;
    const out: Sample = {
      peakRssMb: {},
      cpuPercent: {},
      extraCpuPercent: 0,
      selfCpuPercent: 0,
      machineBusyPercent: 0,
    };
    for (const pid of this.pids) {
      this.peak[pid] = Math.max(this.peak[pid] ?? 0, readRssKb(pid));
      out.peakRssMb[pid] = this.peak[pid]! / 1024;
      out.cpuPercent[pid] = ((cpuSeconds(pid) - this.cpu0[pid]!) / seconds) * 100;
    }
    let extra = 0;
    for (const [pid, t0] of this.extra0) extra += Math.max(0, cpuSeconds(pid) - t0);
    out.extraCpuPercent = (extra / seconds) * 100;
    const self = process.cpuUsage(this.self0);
    out.selfCpuPercent = ((self.user + self.system) / 1e6 / seconds) * 100;
    const m = machineTicks();
    out.machineBusyPercent =
      ((m.busy - this.machine0.busy) / (m.total - this.machine0.total)) * 100;
    return out;
  }
}

const log = (text: string) => process.stderr.write(`${text}\n`);

/** `tsc -b` of the server before a run (unless `build` is off); an old dist/ is used if it fails. */
export function buildServer(opts: { build: boolean; serverDir: string }): void {
  if (!opts.build) return;
  log(`building ${opts.serverDir} (tsc -b) …`);
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-b', opts.serverDir], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    const main = join(opts.serverDir, 'dist', 'main.js');
    const why = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 15).join('\n');
    if (!existsSync(main)) throw new Error(`tsc -b failed and there is no ${main}:\n${why}`);
    log(`  warning: tsc -b failed; benchmarking the existing dist/ build:\n${why}`);
  }
}

export type Cleanup = () => Promise<void> | void;

/**
 * What a run undoes on the way out: child servers killed, then `cleanups` in reverse order, once —
 * from the run's `finally` or on Ctrl-C (which then exits 130).
 */
export function cleanupOnExit(): { cleanups: Cleanup[]; cleanup: () => Promise<void> } {
  const cleanups: Cleanup[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    killAll();
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (error) {
        log(`  cleanup: ${(error as Error).message}`);
      }
    }
  };
  process.once('SIGINT', () => {
    log('\ninterrupted — cleaning up');
    void cleanup().then(() => process.exit(130));
  });
  return { cleanups, cleanup };
}
