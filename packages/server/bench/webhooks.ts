/**
 * `npm run bench -- webhooks`: the webhooks issue's figures against the real server (built, as its
 * own process) and a `node:http` receiver on loopback in this process — events delivered per
 * second in a burst, delivery latency from change to receipt at a steady rate, and the cost the
 * outbox adds to a create (creates/s with no endpoint and with one subscribed). See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CPUS, SERVER_DIR } from './lib/args.js';
import {
  buildServer,
  cleanupOnExit,
  ProcSampler,
  startConclave,
  type Cleanup,
} from './lib/processes.js';
import { fmtInt, fmtMs, ratio, table } from './lib/report.js';
import { createPostgresTarget } from './lib/seed.js';
import { percentile } from './lib/sessions-client.js';

export interface WebhooksOptions {
  burst: number;
  rate: number;
  duration: number;
  createSeconds: number;
  rounds: number;
  connections: number;
  sqlite: boolean;
  postgresUrl: string | undefined;
  build: boolean;
  serverDir: string;
  serverEnv: Record<string, string>;
  json: string | undefined;
}

export const WEBHOOKS_HELP = `npm run bench -- webhooks [flags]
  --burst <n>           conferences created at once for the delivery rate (default 3000)
  --rate <n>            paced creates per second for the latency (default 100)
  --duration <s>        seconds of paced creates (default 10)
  --create-seconds <s>  measured seconds per create round (default 5)
  --rounds <k>          create rounds, no endpoint and one endpoint interleaved (default 3)
  --connections <c>     creates in flight in the create rounds and the burst (default 16)
  --database <url>      also run on PostgreSQL (a fresh database, dropped afterwards)
  --no-sqlite           with --database: PostgreSQL only
  --no-build            do not run tsc -b first
  --server-dir <dir>    benchmark another build of the server (its dist/)
  --server-env K=V      extra environment for the server (repeatable)
  --json <file>         also write the results as JSON`;

export function parseWebhooksArgs(argv: string[]): WebhooksOptions {
  const o: WebhooksOptions = {
    burst: 3000,
    rate: 100,
    duration: 10,
    createSeconds: 5,
    rounds: 3,
    connections: 16,
    sqlite: true,
    postgresUrl: undefined,
    build: true,
    serverDir: SERVER_DIR,
    serverEnv: {},
    json: undefined,
  };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!v || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} wants a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(WEBHOOKS_HELP + '\n');
      process.exit(0);
    } else if (a === '--burst') o.burst = Math.round(num(a, v()));
    else if (a === '--rate') o.rate = num(a, v());
    else if (a === '--duration') o.duration = num(a, v());
    else if (a === '--create-seconds') o.createSeconds = num(a, v());
    else if (a === '--rounds') o.rounds = Math.round(num(a, v()));
    else if (a === '--connections') o.connections = Math.round(num(a, v()));
    else if (a === '--database') o.postgresUrl = v();
    else if (a === '--no-sqlite') o.sqlite = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--server-dir') o.serverDir = v() ?? SERVER_DIR;
    else if (a === '--server-env') {
      const [k, ...rest] = (v() ?? '').split('=');
      if (!k) throw new Error('--server-env wants K=V');
      o.serverEnv[k] = rest.join('=');
    } else if (a === '--json') o.json = v();
    else throw new Error(`unknown flag ${a} (npm run bench -- webhooks --help)`);
  }
  if (!o.sqlite && !o.postgresUrl) throw new Error('--no-sqlite needs --database');
  return o;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

/** Receipt times (performance.now(), ms) of `conference.created` by conference id. */
class Receiver {
  readonly received = new Map<string, number>();
  duplicates = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          type: string;
          object: { id: string };
        };
        if (event.type === 'conference.created') {
          if (this.received.has(event.object.id)) this.duplicates++;
          else this.received.set(event.object.id, at);
        }
        res.writeHead(204).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Resolves when every id has arrived (or after `timeoutMs`); answers how many are missing. */
  async waitFor(ids: Iterable<string>, timeoutMs: number): Promise<number> {
    const want = [...ids];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = want.filter((id) => !this.received.has(id)).length;
      if (missing === 0 || Date.now() > deadline) return missing;
      await sleep(20);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface CreateRound {
  withEndpoint: boolean;
  rate: number;
  perCpuS: number;
  serverCpu: number;
  failed: number;
}

interface EngineRun {
  label: string;
  creates: CreateRound[];
  noEndpoint: { rate: number; perCpuS: number };
  oneEndpoint: { rate: number; perCpuS: number };
  burst: { events: number; seconds: number; rate: number; perCpuS: number; missing: number };
  latency: { events: number; p50: number; p99: number; max: number; missing: number };
  duplicates: number;
  notes: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

async function runEngine(
  opts: WebhooksOptions,
  engine: 'sqlite' | 'postgres',
  cleanups: Cleanup[],
): Promise<EngineRun> {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const workDir = mkdtempSync(join(tmpdir(), 'conclave-bench-webhooks-'));
  cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  let databaseUrl = join(workDir, 'bench.sqlite');
  if (engine === 'postgres') {
    const target = await createPostgresTarget(opts.postgresUrl!);
    cleanups.push(() => target.drop());
    databaseUrl = target.url;
  }
  const projectId = randomUUID();
  const apiToken = 'PT' + randomBytes(24).toString('hex');
  const auth = 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64');
  const receiver = new Receiver();
  await receiver.start();
  cleanups.push(() => receiver.close());
  log(`\n== ${label}: starting the server ==`);
  const server = await startConclave({
    label: `conclave (${label})`,
    serverDir: opts.serverDir,
    databaseUrl,
    projectId,
    apiToken,
    env: { CONCLAVE_WEBHOOKS_ALLOW_PRIVATE: '1', ...opts.serverEnv },
    cpuProfDir: undefined,
  });
  cleanups.push(async () => void (await server.stop()));
  const notes: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.origin + path, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  /** One create; answers the conference id and when its response arrived. */
  const create = async (): Promise<{ id: string; at: number }> => {
    const c = await api('POST', '/api/video/conferences', {
      display_name: 'Webhook bench',
      quality: '720p',
      meta: { team: 'bench' },
    });
    return { id: String(c.id), at: performance.now() };
  };
  const addEndpoint = async () =>
    String(
      (
        await api('POST', '/conclave/v1/webhooks', {
          url: `http://127.0.0.1:${receiver.port}/hook`,
          event_types: ['conference.created'],
        })
      ).id,
    );

  // Closed loop: `connections` creates in flight for `seconds`.
  const closedLoop = async (seconds: number) => {
    const ids: string[] = [];
    let failed = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (performance.now() < end) {
          try {
            ids.push((await create()).id);
          } catch {
            failed++;
          }
        }
      }),
    );
    return { ids, failed };
  };

  // Warm-up (JIT, pools, the worker's connection to the receiver).
  log('  warm-up …');
  const warmEndpoint = await addEndpoint();
  const warm = await closedLoop(1);
  await receiver.waitFor(warm.ids, 60_000);
  await api('DELETE', `/conclave/v1/webhooks/${warmEndpoint}`);

  // Creates/s, no endpoint vs one endpoint, interleaved rounds.
  const creates: CreateRound[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    for (const withEndpoint of [false, true]) {
      const endpoint = withEndpoint ? await addEndpoint() : undefined;
      const sampler = new ProcSampler([server.pid]).start();
      const t0 = performance.now();
      const { ids, failed } = await closedLoop(opts.createSeconds);
      const seconds = (performance.now() - t0) / 1000;
      const s = sampler.stop();
      const cpu = ((s.cpuPercent[server.pid] ?? 0) / 100) * seconds;
      creates.push({
        withEndpoint,
        rate: ids.length / seconds,
        perCpuS: cpu > 0 ? ids.length / cpu : 0,
        serverCpu: s.cpuPercent[server.pid] ?? 0,
        failed,
      });
      log(
        `  round ${r + 1} ${withEndpoint ? 'one endpoint' : 'no endpoint '}: ${fmtInt(ids.length / seconds)} creates/s, ` +
          `${fmtInt(cpu > 0 ? ids.length / cpu : 0)} per CPU-s`,
      );
      if (endpoint) {
        const missing = await receiver.waitFor(ids, 120_000);
        if (missing) notes.push(`${missing} events of a create round never arrived`);
        await api('DELETE', `/conclave/v1/webhooks/${endpoint}`);
      }
    }
  }
  const pick = (w: boolean) => {
    const rs = creates.filter((c) => c.withEndpoint === w);
    return { rate: median(rs.map((c) => c.rate)), perCpuS: median(rs.map((c) => c.perCpuS)) };
  };

  // Burst: `burst` creates as fast as they go; events/s = burst / (last receipt − first create).
  log(`  burst of ${fmtInt(opts.burst)} …`);
  const endpoint = await addEndpoint();
  const sampler = new ProcSampler([server.pid]).start();
  const t0 = performance.now();
  const burstIds: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (next < opts.burst) {
        next++;
        burstIds.push((await create()).id);
      }
    }),
  );
  const burstMissing = await receiver.waitFor(burstIds, 300_000);
  const last = Math.max(...burstIds.map((id) => receiver.received.get(id) ?? 0));
  const burstSeconds = (last - t0) / 1000;
  const bs = sampler.stop();
  const burstCpu = ((bs.cpuPercent[server.pid] ?? 0) / 100) * ((performance.now() - t0) / 1000);
  const delivered = burstIds.length - burstMissing;

  // Latency: paced creates; change = the create's response, receipt = the receiver's clock (same
  // process, one clock). A receipt before the response counts as 0.
  log(`  ${opts.rate} creates/s for ${opts.duration} s …`);
  const sent: { id: string; at: number }[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(opts.rate * opts.duration);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(create().then((c) => void sent.push(c)));
  }
  await Promise.all(pending);
  const latMissing = await receiver.waitFor(
    sent.map((s) => s.id),
    120_000,
  );
  const lat = sent
    .filter((s) => receiver.received.has(s.id))
    .map((s) => Math.max(0, receiver.received.get(s.id)! - s.at))
    .sort((a, b) => a - b);
  await api('DELETE', `/conclave/v1/webhooks/${endpoint}`);
  await server.stop();
  if (receiver.duplicates) notes.push(`${receiver.duplicates} events arrived twice`);

  return {
    label,
    creates,
    noEndpoint: pick(false),
    oneEndpoint: pick(true),
    burst: {
      events: delivered,
      seconds: burstSeconds,
      rate: delivered / burstSeconds,
      perCpuS: burstCpu > 0 ? delivered / burstCpu : 0,
      missing: burstMissing,
    },
    latency: {
      events: lat.length,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat.at(-1) ?? 0,
      missing: latMissing,
    },
    duplicates: receiver.duplicates,
    notes,
  };
}

export async function runWebhooks(argv: string[]): Promise<void> {
  const opts = parseWebhooksArgs(argv);
  const { cleanups, cleanup } = cleanupOnExit();
  try {
    buildServer(opts);
    const header =
      `Conclave webhooks benchmark — burst of ${fmtInt(opts.burst)}, ${opts.rate} creates/s for ${opts.duration} s, ` +
      `create rounds ${opts.rounds} × 2 × ${opts.createSeconds} s at ${opts.connections} in flight\n` +
      `Node ${process.version}, ${CPUS} CPUs (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), receiver node:http on loopback`;
    log(header);
    const engines: EngineRun[] = [];
    if (opts.sqlite) engines.push(await runEngine(opts, 'sqlite', cleanups));
    if (opts.postgresUrl) engines.push(await runEngine(opts, 'postgres', cleanups));
    const f = (n: number) => fmtInt(n);
    const rows = engines.map((e) => [
      e.label,
      `${f(e.burst.rate)}/s (${f(e.burst.perCpuS)} per CPU-s)`,
      `${fmtMs(e.latency.p50)} / ${fmtMs(e.latency.p99)}`,
      `${f(e.noEndpoint.rate)}/s (${f(e.noEndpoint.perCpuS)} per CPU-s)`,
      `${f(e.oneEndpoint.rate)}/s (${f(e.oneEndpoint.perCpuS)} per CPU-s)`,
      `${(ratio(e.oneEndpoint.rate, e.noEndpoint.rate)! * 100).toFixed(0)} % (${(ratio(e.oneEndpoint.perCpuS, e.noEndpoint.perCpuS)! * 100).toFixed(0)} % per CPU-s)`,
    ]);
    const out = [
      '',
      header,
      '',
      table(
        [
          'engine',
          'events delivered (burst)',
          'latency p50 / p99 ms',
          'creates, no endpoint',
          'creates, one endpoint',
          'one / none',
        ],
        rows,
      ),
    ];
    for (const e of engines) {
      out.push(
        '',
        `${e.label}: create rounds (none / one): ${e.creates.map((c) => f(c.rate)).join(', ')}; ` +
          `latency over ${f(e.latency.events)} events, max ${fmtMs(e.latency.max)} ms; ` +
          `burst ${f(e.burst.events)} events in ${e.burst.seconds.toFixed(2)} s`,
      );
      if (e.burst.missing) e.notes.push(`${e.burst.missing} burst events never arrived`);
      if (e.latency.missing) e.notes.push(`${e.latency.missing} paced events never arrived`);
      const failed = e.creates.reduce((n, c) => n + c.failed, 0);
      if (failed) e.notes.push(`${failed} creates failed`);
      for (const note of e.notes) out.push(`  note: ${note}`);
    }
    out.push(
      '',
      'Burst: events/s = events / (last receipt − first create); per CPU-s = per second of server CPU over the burst\n' +
        '(creates and deliveries both). Latency = the create’s response → the receiver got the event (one clock).\n' +
        'Creates: the median round; "one endpoint" includes delivering during the round. per CPU-s = per second of\n' +
        'server CPU (PostgreSQL’s own backends not counted): the figure to trust on a shared machine.',
    );
    process.stdout.write(out.join('\n') + '\n');
    if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, engines }, null, 2));
  } finally {
    await cleanup();
  }
}
