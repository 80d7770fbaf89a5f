/**
 * The media engine the server uses: a pool of worker threads, each running the routers of some
 * sessions. A session lives on one worker (the least busy when it first needs one). A worker that
 * dies ends its sessions' media cleanly — each of their members is sent `media.closed`
 * (`worker_failed`) and may publish and subscribe again — and is replaced at once.
 */
import { Worker } from 'node:worker_threads';
import type { MediaClientMessage } from '@conclave/schema';
import {
  emptyCounts,
  type IceServer,
  type MediaEngine,
  type MediaEngineEvents,
  type MediaEngineOptions,
  type MediaStats,
  type MemberMediaState,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerCounts,
  type WorkerEvent,
} from './media-types.js';

const STATS_TIMEOUT_MS = 2_000;

/** Built, the worker is a .js file. In source form (tests and benchmarks under tsx) it is a .ts
 *  file, which a worker thread can load only once tsx is registered in it. */
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(`./worker/media-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);

function startWorker(workerData: WorkerConfig): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData });
  const bootstrap =
    `import('tsx/esm/api').then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Slot {
  index: number;
  worker: Worker;
  sessions: Set<string>;
  restarts: number;
  /** Stats replies awaited from this worker. */
  asks: Map<number, (counts: WorkerCounts) => void>;
}

interface SessionPlace {
  slot: Slot;
  members: Map<string, MemberMediaState>;
}

export class WorkerMediaEngine implements MediaEngine {
  readonly available = true;
  readonly iceServers: IceServer[];
  readonly #slots: Slot[] = [];
  readonly #sessions = new Map<string, SessionPlace>();
  readonly #config: WorkerConfig;
  #asks = 0;
  #closing = false;

  constructor(
    options: MediaEngineOptions,
    private readonly events: MediaEngineEvents,
    private readonly log: (message: string, detail?: Record<string, unknown>) => void = () => {},
  ) {
    this.iceServers = options.iceServers;
    this.#config = {
      addresses: options.addresses,
      portRange: options.portRange,
      keyframeIntervalMs: options.keyframeIntervalMs,
    };
    const count = Math.max(1, options.workers);
    for (let index = 0; index < count; index++) this.#slots.push(this.#spawn(index, 0));
  }

  #spawn(index: number, restarts: number): Slot {
    const worker = startWorker(this.#config);
    const slot: Slot = { index, worker, sessions: new Set(), restarts, asks: new Map() };
    worker.on('message', (event: WorkerEvent) => this.#onEvent(slot, event));
    worker.on('error', (error) => this.log('media worker failed', { index, err: error }));
    worker.on('exit', (code) => this.#onExit(slot, code));
    worker.unref();
    return slot;
  }

  #onEvent(slot: Slot, event: WorkerEvent): void {
    switch (event.ev) {
      case 'send':
        if (this.#sessions.get(event.session)?.slot === slot) {
          this.events.send(event.session, event.member, event.text);
        }
        return;
      case 'talking':
        if (this.#sessions.get(event.session)?.slot === slot) {
          this.events.talking(event.session, event.member, event.talking);
        }
        return;
      case 'stats':
        slot.asks.get(event.ask)?.(event.counts);
        slot.asks.delete(event.ask);
        return;
      case 'ready':
        return;
    }
  }

  /** A worker is gone: its sessions' members are told, and it is replaced. */
  #onExit(slot: Slot, code: number): void {
    if (this.#closing || this.#slots[slot.index] !== slot) return;
    this.log('media worker exited; replacing it', { index: slot.index, code });
    for (const resolve of slot.asks.values()) resolve(emptyCounts());
    const replacement = this.#spawn(slot.index, slot.restarts + 1);
    this.#slots[slot.index] = replacement;
    const closed = JSON.stringify({ type: 'media.closed', reason: 'worker_failed' });
    for (const sessionId of slot.sessions) {
      const place = this.#sessions.get(sessionId);
      if (!place) continue;
      // The session continues on the replacement, its members known there; their media starts
      // again when they publish and subscribe.
      place.slot = replacement;
      replacement.sessions.add(sessionId);
      for (const [memberId, state] of place.members) {
        this.#post(replacement, { op: 'join', session: sessionId, member: memberId, state });
        this.events.send(sessionId, memberId, closed);
      }
    }
  }

  #post(slot: Slot, command: WorkerCommand): void {
    slot.worker.postMessage(command);
  }

  #place(sessionId: string): SessionPlace {
    let place = this.#sessions.get(sessionId);
    if (!place) {
      // The least busy worker: fewest members, then fewest sessions.
      let best = this.#slots[0]!;
      let bestLoad = Infinity;
      for (const slot of this.#slots) {
        let members = 0;
        for (const id of slot.sessions) members += this.#sessions.get(id)?.members.size ?? 0;
        const load = members * 1000 + slot.sessions.size;
        if (load < bestLoad) {
          best = slot;
          bestLoad = load;
        }
      }
      place = { slot: best, members: new Map() };
      best.sessions.add(sessionId);
      this.#sessions.set(sessionId, place);
    }
    return place;
  }

  join(sessionId: string, memberId: string, state: MemberMediaState): void {
    if (this.#closing) return;
    const place = this.#place(sessionId);
    place.members.set(memberId, { ...state });
    this.#post(place.slot, { op: 'join', session: sessionId, member: memberId, state });
  }

  update(sessionId: string, memberId: string, state: MemberMediaState): void {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.has(memberId)) return;
    place.members.set(memberId, { ...state });
    this.#post(place.slot, { op: 'update', session: sessionId, member: memberId, state });
  }

  leave(sessionId: string, memberId: string): void {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.delete(memberId)) return;
    this.#post(place.slot, { op: 'leave', session: sessionId, member: memberId });
  }

  endSession(sessionId: string): void {
    const place = this.#sessions.get(sessionId);
    if (!place) return;
    this.#sessions.delete(sessionId);
    place.slot.sessions.delete(sessionId);
    this.#post(place.slot, { op: 'end', session: sessionId });
  }

  handle(sessionId: string, memberId: string, message: MediaClientMessage): void {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.has(memberId)) return;
    this.#post(place.slot, { op: 'handle', session: sessionId, member: memberId, message });
  }

  async stats(): Promise<MediaStats> {
    const workers = await Promise.all(
      this.#slots.map(async (slot) => {
        const ask = ++this.#asks;
        const counts = await new Promise<WorkerCounts>((resolve) => {
          const timer = setTimeout(() => {
            slot.asks.delete(ask);
            resolve(emptyCounts());
          }, STATS_TIMEOUT_MS);
          slot.asks.set(ask, (c) => {
            clearTimeout(timer);
            resolve(c);
          });
          this.#post(slot, { op: 'stats', ask });
        });
        return {
          ...counts,
          index: slot.index,
          threadId: slot.worker.threadId,
          restarts: slot.restarts,
        };
      }),
    );
    const total = emptyCounts();
    for (const w of workers) {
      for (const key of Object.keys(total) as (keyof WorkerCounts)[]) total[key] += w[key];
    }
    return { workers, total };
  }

  /** Ends a worker as a crash would (operators' drills and tests): it is replaced. */
  async killWorker(index: number): Promise<void> {
    const slot = this.#slots[index];
    if (!slot) throw new RangeError(`no media worker ${index}`);
    await slot.worker.terminate();
  }

  /** Which worker a session's media is on (undefined: none yet). */
  workerOf(sessionId: string): number | undefined {
    return this.#sessions.get(sessionId)?.slot.index;
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#sessions.clear();
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }
}

/** A server without media: members meet, signal and chat; media frames are refused. */
export class NoMediaEngine implements MediaEngine {
  readonly available = false;
  readonly iceServers: IceServer[] = [];
  join(): void {}
  update(): void {}
  leave(): void {}
  endSession(): void {}
  handle(): void {}
  async stats(): Promise<MediaStats> {
    return { workers: [], total: emptyCounts() };
  }
  async close(): Promise<void> {}
}
