/**
 * The clients of `npm run bench -- sessions`: realtime members (the `ws` package, in the benchmark
 * process), joins with bounded concurrency, and the signal relay between them. The same code drives
 * Conclave and the bare `ws` baseline.
 */
import WebSocket from 'ws';

export const nowUs = () => Math.round(performance.now() * 1000);

export interface Joined {
  ws: WebSocket;
  memberId: string;
  /** TCP connect + WebSocket upgrade, ms. */
  connectMs: number;
  /** `join` sent → `joined` received, ms. */
  joinMs: number;
}

export class JoinRefused extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`join refused: ${code} ${reason}`);
  }
}

/**
 * Opens a connection and joins. `onFrame` receives every frame after `joined` (installed
 * synchronously, so none is missed).
 */
export function connectAndJoin(
  url: string,
  token: string,
  name: string,
  onFrame?: (data: Buffer) => void,
  timeoutMs = 30_000,
): Promise<Joined> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let tOpen = 0;
    let tJoin = 0;
    let joined = false;
    const ws = new WebSocket(url, 'conclave.v1', { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no joined within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => {
      tOpen = performance.now();
      tJoin = tOpen;
      ws.send(JSON.stringify({ type: 'join', token, name }));
    });
    ws.on('message', (data: Buffer) => {
      if (joined) {
        onFrame?.(data);
        return;
      }
      const t = performance.now();
      const msg = JSON.parse(data.toString('utf8')) as { type: string; member?: { id: string } };
      if (msg.type !== 'joined' || !msg.member) return;
      joined = true;
      clearTimeout(timer);
      resolve({ ws, memberId: msg.member.id, connectMs: tOpen - t0, joinMs: t - tJoin });
    });
    ws.on('close', (code, reason) => {
      if (joined) return;
      clearTimeout(timer);
      reject(new JoinRefused(code, reason.toString()));
    });
    ws.on('error', (error) => {
      if (joined) return;
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Runs `task(0..n-1)` with at most `concurrency` at once. */
export async function pool(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Latencies {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarizeMs(samples: number[]): Latencies {
  const s = Float64Array.from(samples).sort();
  return {
    n: s.length,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
  };
}

/** Leaves (`leave`, then waits for the server to close) — or gives up after 5 s. */
export function leave(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 5000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.send('{"type":"leave"}');
  });
}

// ---- the relay ---------------------------------------------------------------------------------

interface Member {
  index: number;
  ws: WebSocket;
  id: string;
  /** The frame to send, cut where the send timestamp goes. */
  prefix: string;
  suffix: string;
  inflight: number;
}

export interface RelayResult {
  mode: 'saturating' | 'paced';
  seconds: number;
  /** Signals delivered per second in the measured window. */
  rate: number;
  /** The offered rate (paced mode). */
  offered: number | undefined;
  p50: number;
  p99: number;
  max: number;
  sent: number;
  delivered: number;
  /** Sent but never delivered (after a drain of up to 3 s). */
  lost: number;
  /** Paced mode: sends skipped because the member had too many signals in flight. */
  skipped: number;
  errors: Record<string, number>;
}

const byte = (c: string) => c.charCodeAt(0);
const S = byte('s');
const I = byte('i');
const DIGIT0 = byte('0');

/** The non-negative integer that starts at `at` in `buf`. */
function intAt(buf: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < buf.length; i++) {
    const d = buf[i]! - DIGIT0;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Members of many groups (conferences) connected to one server; each sends signals to the next
 * member of its group (a ring), so every member sends to one and receives from one.
 */
export class Swarm {
  readonly members: Member[] = [];
  #running = false;
  #measuring = false;
  #closedLoop = false;
  #samples: number[] = [];
  #sent = 0;
  #delivered = 0;
  #deliveredInWindow = 0;
  #errors: Record<string, number> = {};
  readonly unexpectedCloses: Record<string, number> = {};
  readonly #blob: string;

  constructor(payloadBytes: number) {
    // An SDP-looking blob; JSON-safe characters only, so the size is exact.
    const line = 'a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0 ';
    this.#blob = line.repeat(Math.ceil(payloadBytes / line.length)).slice(0, payloadBytes);
  }

  /** The frame handler of member `index` (pass to connectAndJoin). */
  handler(index: number): (data: Buffer) => void {
    return (data) => this.#onFrame(index, data);
  }

  add(index: number, ws: WebSocket, id: string): void {
    this.members[index] = { index, ws, id, prefix: '', suffix: '', inflight: 0 };
    ws.on('close', (code, reason) => {
      if (this.#closing) return;
      const key = `${code} ${reason.toString()}`.trim();
      this.unexpectedCloses[key] = (this.unexpectedCloses[key] ?? 0) + 1;
    });
  }

  #closing = false;

  /** Every member sends to the next of its group (groups[g] = member indexes). */
  ring(groups: number[][]): void {
    for (const group of groups) {
      group.forEach((from, j) => {
        const m = this.members[from]!;
        const to = this.members[group[(j + 1) % group.length]!]!;
        m.prefix = `{"type":"signal","to":"${to.id}","data":{"t":`;
        m.suffix = `,"s":${from},"sdp":"${this.#blob}"}}`;
      });
    }
  }

  #send(m: Member): void {
    m.inflight++;
    this.#sent++;
    m.ws.send(m.prefix + nowUs() + m.suffix);
  }

  #onFrame(_index: number, data: Buffer): void {
    // `{"type":"signal",…`: the relayed signal, read without JSON.parse.
    if (data[9] === S && data[10] === I) {
      const t = data.indexOf('"t":', 40);
      const s = data.indexOf('"s":', t);
      if (t < 0 || s < 0) return;
      const sentAt = intAt(data, t + 4);
      const from = this.members[intAt(data, s + 4)];
      this.#delivered++;
      if (this.#measuring) {
        this.#deliveredInWindow++;
        this.#samples.push((nowUs() - sentAt) / 1000);
      }
      if (!from) return;
      from.inflight--;
      if (this.#running && this.#closedLoop) this.#send(from);
      return;
    }
    const msg = JSON.parse(data.toString('utf8')) as { type: string; code?: string };
    if (msg.type === 'error') {
      const key = msg.code ?? 'error';
      this.#errors[key] = (this.#errors[key] ?? 0) + 1;
    }
  }

  #reset(): void {
    this.#samples = [];
    this.#sent = 0;
    this.#delivered = 0;
    this.#deliveredInWindow = 0;
    this.#errors = {};
  }

  async #drain(): Promise<number> {
    const until = performance.now() + 3000;
    const inflight = () => this.members.reduce((a, m) => a + Math.max(0, m.inflight), 0);
    while (inflight() > 0 && performance.now() < until) await sleep(20);
    const lost = inflight();
    for (const m of this.members) m.inflight = 0;
    return lost;
  }

  #result(
    mode: RelayResult['mode'],
    seconds: number,
    offered: number | undefined,
    lost: number,
    skipped: number,
  ): RelayResult {
    const lat = summarizeMs(this.#samples);
    return {
      mode,
      seconds,
      rate: this.#deliveredInWindow / seconds,
      offered,
      p50: lat.p50,
      p99: lat.p99,
      max: lat.max,
      sent: this.#sent,
      delivered: this.#delivered,
      lost,
      skipped,
      errors: { ...this.#errors },
    };
  }

  /**
   * Closed loop: every member keeps `window` signals in flight (a delivery triggers the next send)
   * for `warmup` + `seconds`; only the last `seconds` are measured. `during` brackets the
   * measured window (e.g. a CPU sampler).
   */
  async saturate(
    window: number,
    warmup: number,
    seconds: number,
    during?: { start(): void; stop(): void },
  ): Promise<RelayResult> {
    this.#reset();
    this.#running = true;
    this.#closedLoop = true;
    for (let k = 0; k < window; k++) for (const m of this.members) this.#send(m);
    if (warmup > 0) await sleep(warmup * 1000);
    during?.start();
    this.#measuring = true;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    this.#measuring = false;
    const measured = (performance.now() - t0) / 1000;
    during?.stop();
    this.#running = false;
    const lost = await this.#drain();
    return this.#result('saturating', measured, undefined, lost, 0);
  }

  /**
   * Open loop: `rate` signals per second in all, spread round-robin over the members, whatever
   * the replies do (a member with 50 in flight is skipped). Measures latency at a set load.
   */
  async paced(rate: number, seconds: number): Promise<RelayResult> {
    this.#reset();
    this.#running = true;
    this.#closedLoop = false;
    this.#measuring = true;
    let due = 0;
    let next = 0;
    let skipped = 0;
    const t0 = performance.now();
    const n = this.members.length;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = (performance.now() - t0) / 1000;
        if (elapsed >= seconds) {
          clearInterval(timer);
          resolve();
          return;
        }
        const target = Math.floor(elapsed * rate);
        for (; due < target; due++) {
          const m = this.members[next]!;
          next = (next + 1) % n;
          if (m.inflight >= 50) skipped++;
          else this.#send(m);
        }
      }, 2);
    });
    const measured = (performance.now() - t0) / 1000;
    this.#running = false;
    const lost = await this.#drain();
    // Deliveries after the window still count for latency; the rate is over the window.
    this.#measuring = false;
    return this.#result('paced', measured, rate, lost, skipped);
  }

  /** Closes every connection (no `leave`: the server sees drops). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.ws.readyState === m.ws.CLOSED) return resolve();
            m.ws.once('close', () => resolve());
            m.ws.terminate();
          }),
      ),
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
