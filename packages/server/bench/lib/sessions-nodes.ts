/**
 * `npm run bench -- sessions --nodes 1,2`: the same joins against clusters of 1, 2, … nodes on one
 * PostgreSQL each, members entering the nodes in turn (so with two nodes about half the joins are
 * forwarded to the hosting node). Joins per second, join latency and server CPU per join (summed
 * over the node processes) — the several-nodes issue's benchmark. See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  freePort,
  ProcSampler,
  startConclave,
  type ChildServer,
  type Cleanup,
} from './processes.js';
import { fmtInt, fmtMs } from './report.js';
import { createPostgresTarget } from './seed.js';
import type { SessionsOptions } from './sessions-args.js';
import {
  connectAndJoin,
  JoinRefused,
  leave,
  pool,
  summarizeMs,
  type Latencies,
} from './sessions-client.js';
import { createConferences } from './sessions-server.js';
import type WebSocket from 'ws';

const log = (text: string) => process.stderr.write(`${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Cluster {
  nodes: ChildServer[];
  auth: string;
}

export interface NodesRound {
  joins: number;
  seconds: number;
  joinsPerSecond: number;
  join: Latencies;
  /** Server CPU (every node process) per join, ms. */
  cpuPerJoinMs: number;
  /** Node CPU, load generator CPU (this process), whole box busy — %. */
  serverCpu: number;
  loadCpu: number;
  boxBusy: number;
  refused: Record<string, number>;
}

export interface NodesRun {
  nodes: number;
  rounds: NodesRound[];
  /** The round with the median joins per second. */
  median: NodesRound;
  notes: string[];
}

async function startCluster(
  opts: SessionsOptions,
  count: number,
  cleanups: Cleanup[],
): Promise<Cluster> {
  const target = await createPostgresTarget(opts.postgresUrl!);
  cleanups.push(() => target.drop());
  const projectId = randomUUID();
  const apiToken = 'PT' + randomBytes(24).toString('hex');
  const nodes: ChildServer[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // One after the other: the first node runs the migrations before the next one opens the store.
    const node = await startConclave({
      label: `conclave node ${i + 1}/${count}`,
      serverDir: opts.serverDir,
      databaseUrl: target.url,
      projectId,
      apiToken,
      port,
      env: {
        CONCLAVE_NODE_ID: `bench-${count}n-${i + 1}`,
        CONCLAVE_NODE_URL: `http://127.0.0.1:${port}`,
        CONCLAVE_REALTIME_FRAME_RATE: '100000',
        ...opts.serverEnv,
      },
      cpuProfDir: undefined,
    });
    nodes.push(node);
    cleanups.push(async () => void (await node.stop()));
  }
  const auth = 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64');
  return { nodes, auth };
}

/**
 * One ramp: `members` join fresh conferences (member k into conference k mod C), entering node
 * (k + ⌊k / C⌋) mod N — the nodes in turn, shifted by one on every pass over the conferences so that
 * each conference's members alternate between the nodes whatever C is.
 */
async function ramp(
  cluster: Cluster,
  opts: SessionsOptions,
  round: number,
): Promise<{ result: NodesRound; sockets: WebSocket[] }> {
  const { nodes } = cluster;
  const confs = await createConferences(
    nodes[0]!.origin,
    cluster.auth,
    opts.conferences,
    opts.size,
    `bench-nodes-${nodes.length}-${round}-${Date.now().toString(36)}`,
  );
  const urls = nodes.map((n) => n.origin.replace(/^http/, 'ws') + '/api/video/realtime');
  const join: number[] = [];
  const sockets: WebSocket[] = [];
  const refused: Record<string, number> = {};
  const sampler = new ProcSampler(nodes.map((n) => n.pid)).start();
  const t0 = performance.now();
  await pool(opts.members, opts.concurrency, async (k) => {
    const c = k % confs.length;
    const node = (k + Math.floor(k / confs.length)) % nodes.length;
    try {
      const j = await connectAndJoin(urls[node]!, confs[c]!.token, `Member ${k}`, () => {});
      join.push(j.joinMs);
      sockets.push(j.ws);
    } catch (error) {
      const key = error instanceof JoinRefused ? `${error.code} ${error.reason}` : String(error);
      refused[key] = (refused[key] ?? 0) + 1;
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const sample = sampler.stop();
  const serverCpu = nodes.reduce((sum, n) => sum + (sample.cpuPercent[n.pid] ?? 0), 0);
  return {
    sockets,
    result: {
      joins: join.length,
      seconds,
      joinsPerSecond: join.length / seconds,
      join: summarizeMs(join),
      cpuPerJoinMs: ((serverCpu / 100) * seconds * 1000) / Math.max(1, join.length),
      serverCpu,
      loadCpu: sample.selfCpuPercent,
      boxBusy: sample.machineBusyPercent,
      refused,
    },
  };
}

const describe = (r: NodesRound) =>
  `${fmtInt(r.joins)} joins in ${r.seconds.toFixed(1)} s = ${r.joinsPerSecond.toFixed(0)}/s; join p50 ${fmtMs(r.join.p50)} ms, p99 ${fmtMs(r.join.p99)} ms; server CPU ${r.cpuPerJoinMs.toFixed(2)} ms/join (${fmtInt(r.serverCpu)} %, bench ${fmtInt(r.loadCpu)} %, box ${fmtInt(r.boxBusy)} %)`;

/** Runs the ramps, node counts interleaved round by round so a busy machine weighs on each. */
export async function runNodes(opts: SessionsOptions, cleanups: Cleanup[]): Promise<NodesRun[]> {
  const clusters: Cluster[] = [];
  for (const count of opts.nodes) {
    log(`\n== starting ${count} node(s) on a fresh PostgreSQL database ==`);
    clusters.push(await startCluster(opts, count, cleanups));
  }
  // Warm-up: a small ramp on every cluster (JIT, connection pools, the registry's first reads).
  for (const cluster of clusters) {
    const warm = await ramp(cluster, { ...opts, members: 40, conferences: 4 }, 0);
    await Promise.all(warm.sockets.map((ws) => leave(ws)));
  }
  const runs: NodesRound[][] = clusters.map(() => []);
  for (let round = 1; round <= opts.rounds; round++) {
    for (const [i, cluster] of clusters.entries()) {
      await sleep(opts.settle * 1000);
      log(
        `\n== round ${round}/${opts.rounds}, ${cluster.nodes.length} node(s): ${fmtInt(opts.members)} members join ${fmtInt(opts.conferences)} conferences, ${opts.concurrency} at a time ==`,
      );
      const { result, sockets } = await ramp(cluster, opts, round);
      log(`  ${describe(result)}`);
      runs[i]!.push(result);
      await Promise.all(sockets.map((ws) => leave(ws)));
    }
  }
  return clusters.map((cluster, i) => {
    const rounds = runs[i]!;
    const sorted = [...rounds].sort((a, b) => a.joinsPerSecond - b.joinsPerSecond);
    const notes: string[] = [];
    for (const r of rounds) {
      if (Object.keys(r.refused).length) notes.push(`refused/failed: ${JSON.stringify(r.refused)}`);
    }
    const logged = cluster.nodes.flatMap((n) =>
      n
        .output()
        .split('\n')
        .filter(Boolean)
        .map((l) => `${n.label}: ${l.slice(0, 300)}`),
    );
    if (logged.length)
      notes.push(`the nodes logged ${logged.length} line(s), last: ${logged.at(-1)}`);
    return {
      nodes: cluster.nodes.length,
      rounds,
      median: sorted[Math.floor((sorted.length - 1) / 2)]!,
      notes,
    };
  });
}

/** The report: one row per node count (median round), then each count against the first. */
export function nodesReport(runs: NodesRun[], opts: SessionsOptions): string {
  const headers = [
    'nodes',
    'joins/s',
    'rounds',
    'p50 ms',
    'p99 ms',
    'CPU ms/join',
    'CPU srv/bench/box %',
  ];
  const rows = runs.map((r) => [
    String(r.nodes),
    r.median.joinsPerSecond.toFixed(0),
    r.rounds.map((x) => x.joinsPerSecond.toFixed(0)).join(' / '),
    fmtMs(r.median.join.p50),
    fmtMs(r.median.join.p99),
    r.median.cpuPerJoinMs.toFixed(2),
    `${fmtInt(r.median.serverCpu)} / ${fmtInt(r.median.loadCpu)} / ${fmtInt(r.median.boxBusy)}`,
  ]);
  const base = runs[0]!;
  for (const r of runs.slice(1)) {
    rows.push([
      `${r.nodes} / ${base.nodes}`,
      `${(r.median.joinsPerSecond / base.median.joinsPerSecond).toFixed(2)}×`,
      '',
      `${(r.median.join.p50 / base.median.join.p50).toFixed(2)}×`,
      `${(r.median.join.p99 / base.median.join.p99).toFixed(2)}×`,
      `${(r.median.cpuPerJoinMs / base.median.cpuPerJoinMs).toFixed(2)}×`,
      '',
    ]);
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((x) => (x[i] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `Nodes on one PostgreSQL — ${fmtInt(opts.members)} members join ${fmtInt(opts.conferences)} conferences, ${opts.concurrency} at a time, entering the nodes in turn; median of ${opts.rounds} round(s)`,
    line(headers),
    '  ' + widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ];
  for (const r of runs)
    for (const note of r.notes) out.push(`  note (${r.nodes} node(s)): ${note}`);
  out.push(
    '',
    'joins/s = members / ramp seconds. CPU ms/join = CPU of every node process during the ramp / joins: the figure\n' +
      'that shows scaling on a shared box (the load generator runs on the same cores). With N nodes, (N−1)/N of the\n' +
      "joins enter a node that does not host the session and are forwarded to the host's WebSocket.",
  );
  return out.join('\n');
}
