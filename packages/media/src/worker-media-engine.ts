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

/** A worker that does not answer in time is reported with its last counts. */
const STATS_TIMEOUT_MS = 5_000;
/** A worker asked to exit that has not within this time is ended outright. */
const EXIT_TIMEOUT_MS = 3_000;

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
  /** It said it was ready. */
  started: boolean;
  /** Its latest counts (reported again when it is too busy to answer in time). */
  last: WorkerCounts;
  /** Its predecessors that died before they were ready, in a row. */
  failedStarts: number;
  /** Given up on (it could not start): its sessions' media frames are refused. */
  dead: boolean;
}

/** Workers of one slot that may die before they are ready, in a row, before it is given up. */
const MAX_FAILED_STARTS = 3;

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
    this.#size = Math.max(1, options.workers);
  }
  readonly #size: number;

  #spawn(index: number, restarts: number, failedStarts = 0): Slot {
    const worker = startWorker(this.#config);
    const slot: Slot = {
      index,
      worker,
      sessions: new Set(),
      restarts,
      asks: new Map(),
      started: false,
      last: emptyCounts(),
      failedStarts,
      dead: false,
    };
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
        slot.started = true;
        return;
    }
  }

  /** A worker is gone: its sessions' members are told, and it is replaced. */
  #onExit(slot: Slot, code: number): void {
    if (this.#closing || this.#slots[slot.index] !== slot) return;
    // A worker that cannot even start (a broken install) is not restarted in a loop.
    for (const resolve of slot.asks.values()) resolve(slot.last);
    const failedStarts = slot.started ? 0 : slot.failedStarts + 1;
    if (failedStarts >= MAX_FAILED_STARTS) {
      // A worker that cannot even start (a broken install) is not restarted in a loop: its
      // sessions' media frames are refused from now on.
      this.log('media worker could not start; giving up on it', { index: slot.index, code });
      slot.dead = true;
    } else {
      this.log('media worker exited; replacing it', { index: slot.index, code });
    }
    const replacement = slot.dead ? slot : this.#spawn(slot.index, slot.restarts + 1, failedStarts);
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
        if (!replacement.dead) {
          this.#post(replacement, { op: 'join', session: sessionId, member: memberId, state });
        }
        this.events.send(sessionId, memberId, closed);
      }
    }
  }

  #post(slot: Slot, command: WorkerCommand): void {
    if (!slot.dead) slot.worker.postMessage(command);
  }

  #place(sessionId: string): SessionPlace {
    let place = this.#sessions.get(sessionId);
    if (!place) {
      // Workers start when first needed; then the least busy one: fewest members, then sessions.
      if (this.#slots.length < this.#size && this.#slots.every((s) => s.sessions.size > 0)) {
        this.#slots.push(this.#spawn(this.#slots.length, 0));
      }
      let best = this.#slots[0]!;
      let bestLoad = Infinity;
      for (const slot of this.#slots) {
        if (slot.dead) continue;
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
    const slot = this.#slotFor(sessionId, memberId, message.id, 'media_unavailable');
    if (slot) this.#post(slot, { op: 'handle', session: sessionId, member: memberId, message });
  }

  call(sessionId: string, memberId: string, ref: string, sdp: string): void {
    const slot = this.#slotFor(sessionId, memberId, ref, 'media_failed');
    if (slot) this.#post(slot, { op: 'call', session: sessionId, member: memberId, ref, sdp });
  }

  /** The worker carrying the member's session; undefined when there is none, or when it could
   *  not start (the member is then refused `code`, answering `ref`). */
  #slotFor(
    sessionId: string,
    memberId: string,
    ref: string | undefined,
    code: 'media_unavailable' | 'media_failed',
  ): Slot | undefined {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.has(memberId)) return undefined;
    if (!place.slot.dead) return place.slot;
    const refusal = {
      type: 'error',
      ...(ref !== undefined ? { ref } : {}),
      code,
      message: 'the media worker of this session could not start',
    };
    this.events.send(sessionId, memberId, JSON.stringify(refusal));
    return undefined;
  }

  show(sessionId: string, memberId: string, featuredId: string | null): void {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.has(memberId)) return;
    this.#post(place.slot, {
      op: 'show',
      session: sessionId,
      member: memberId,
      featured: featuredId,
    });
  }

  async stats(): Promise<MediaStats> {
    const workers = await Promise.all(
      this.#slots.map(async (slot) => {
        const ask = ++this.#asks;
        if (slot.dead) {
          return { ...emptyCounts(), index: slot.index, threadId: -1, restarts: slot.restarts };
        }
        const counts = await new Promise<WorkerCounts>((resolve) => {
          const timer = setTimeout(() => {
            slot.asks.delete(ask);
            resolve(slot.last);
          }, STATS_TIMEOUT_MS);
          slot.asks.set(ask, (c) => {
            clearTimeout(timer);
            slot.last = c;
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

  async restartWorker(index: number): Promise<boolean> {
    const slot = this.#slots[index];
    if (!slot || slot.dead) return false;
    await this.#end(slot, 1);
    return true;
  }

  /** Asks a worker to close its sockets and exit; ends it outright if it does not. */
  async #end(slot: Slot, code: number): Promise<void> {
    const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
    slot.worker.postMessage({ op: 'exit', code } satisfies WorkerCommand);
    const timer = setTimeout(() => void slot.worker.terminate(), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Which worker a session's media is on (undefined: none yet). */
  workerOf(sessionId: string): number | undefined {
    return this.#sessions.get(sessionId)?.slot.index;
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#sessions.clear();
    await Promise.all(this.#slots.filter((slot) => !slot.dead).map((slot) => this.#end(slot, 0)));
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
  call(): void {}
  show(): void {}
  async stats(): Promise<MediaStats> {
    return { workers: [], total: emptyCounts() };
  }
  async restartWorker(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}
