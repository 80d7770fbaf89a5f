/**
 * The media engine the server uses: a pool of worker threads, each running the routers of some
 * sessions. A session lives on one worker (the least busy when it first needs one). A worker that
 * dies ends its sessions' media cleanly — each of their members is sent `media.closed`
 * (`worker_failed`) and may publish and subscribe again — and is replaced at once.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { MediaClientMessage } from '@conclave/schema';
import { endProcess, ffmpegUnavailable, ffprobeFor, probeFile } from './ffmpeg.js';
import {
  emptyCounts,
  type IceServer,
  type MediaEngine,
  type MediaEngineEvents,
  type MediaEngineOptions,
  type MediaStats,
  type MemberMediaState,
  type OutputOptions,
  type OutputSpec,
  type SyntheticSpec,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerCounts,
  type WorkerEvent,
} from './media-types.js';
import { SYNTHETIC_FONT } from './worker/synthetic-source.js';

/** A worker that does not answer in time is reported with its last counts. */
const STATS_TIMEOUT_MS = 5_000;
/** A worker asked to exit that has not within this time is ended outright (more when it has
 *  outputs to finish: see `#end`). */
const EXIT_TIMEOUT_MS = 3_000;

/** How outputs run unless told otherwise: a stream is 1280×720 at 30 fps, 2.5 Mbit/s (H.264
 *  veryfast/zerolatency: about a third of a core here; see docs/decisions.md); an output that
 *  has written nothing 20 s after its start fails; a recording has a keyframe at least every
 *  10 s (asked of the featured camera). */
export function outputDefaults(): OutputOptions {
  return {
    ffmpeg: 'ffmpeg',
    streamWidth: 1280,
    streamHeight: 720,
    streamFps: 30,
    streamVideoKbps: 2500,
    stopTimeoutMs: 5_000,
    startTimeoutMs: 20_000,
    recordingKeyframeIntervalMs: 10_000,
  };
}

/** An output the server started: where it runs, and its ffmpeg (ended from here if its worker
 *  dies without finishing it). */
interface OpenOutput {
  session: string;
  id: string;
  spec: OutputSpec;
  slot: Slot;
  pid: number | undefined;
}

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
  /** Members whose media is synthetic, started again on a replacement worker. */
  synthetic: Map<string, SyntheticSpec>;
}

export class WorkerMediaEngine implements MediaEngine {
  readonly available = true;
  readonly iceServers: IceServer[];
  readonly outputsUnavailable: string | null;
  readonly #slots: Slot[] = [];
  /** Outputs started and not yet ended or failed, by `session \0 id`. */
  readonly #outputs = new Map<string, OpenOutput>();
  readonly #sessions = new Map<string, SessionPlace>();
  /** Synthetic sources' ffmpeg processes, by `session \0 member`: ended here if their worker
   *  dies. */
  readonly #syntheticPids = new Map<string, { slot: Slot; pid: number }>();
  readonly #config: WorkerConfig;
  #asks = 0;
  /** Fonts of synthetic sources looked for (a missing one is logged once). */
  readonly #fontsChecked = new Set<string>();
  #closing = false;

  constructor(
    options: MediaEngineOptions,
    private readonly events: MediaEngineEvents,
    private readonly log: (message: string, detail?: Record<string, unknown>) => void = () => {},
  ) {
    this.iceServers = options.iceServers;
    const outputs = { ...outputDefaults(), ...options.outputs };
    this.#config = {
      addresses: options.addresses,
      portRange: options.portRange,
      keyframeIntervalMs: options.keyframeIntervalMs,
      outputs,
    };
    this.outputsUnavailable = ffmpegUnavailable(outputs.ffmpeg);
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
      case 'output': {
        const key = outputKey(event.session, event.output);
        const open = this.#outputs.get(key);
        if (open?.slot !== slot) return;
        if (event.event.state !== 'running') this.#outputs.delete(key);
        this.events.output(event.session, event.output, event.event);
        return;
      }
      case 'output.pid': {
        const open = this.#outputs.get(outputKey(event.session, event.output));
        if (open?.slot === slot) open.pid = event.pid;
        return;
      }
      case 'synthetic.pid': {
        const key = outputKey(event.session, event.member);
        if (event.pid === null) {
          if (this.#syntheticPids.get(key)?.slot === slot) this.#syntheticPids.delete(key);
        } else {
          this.#syntheticPids.set(key, { slot, pid: event.pid });
        }
        return;
      }
      case 'ready':
        slot.started = true;
        return;
    }
  }

  /** The outputs of a worker that ended without finishing them: their ffmpeg is asked to finish
   *  (then killed), and they are reported failed. */
  #failOutputs(slot: Slot, reason: string): Promise<void>[] {
    const ending: Promise<void>[] = [];
    for (const [key, open] of this.#outputs) {
      if (open.slot !== slot) continue;
      this.#outputs.delete(key);
      ending.push(
        (async () => {
          if (open.pid !== undefined) {
            await endProcess(open.pid, this.#config.outputs.stopTimeoutMs);
          }
          const facts =
            open.spec.kind === 'recording' && open.pid !== undefined
              ? await probeFile(ffprobeFor(this.#config.outputs.ffmpeg), open.spec.target)
              : { durationMs: 0, sizeBytes: 0 };
          this.events.output(open.session, open.id, {
            state: 'failed',
            reason,
            ...facts,
            format: open.spec.kind === 'recording' ? 'webm' : 'flv',
          });
        })().catch(() => undefined),
      );
    }
    return ending;
  }

  /** A worker is gone: its sessions' members are told, and it is replaced. */
  #onExit(slot: Slot, code: number): void {
    if (this.#closing || this.#slots[slot.index] !== slot) return;
    void Promise.all(this.#failOutputs(slot, `the media worker failed (exit code ${code})`));
    for (const [key, open] of this.#syntheticPids) {
      if (open.slot !== slot) continue;
      this.#syntheticPids.delete(key);
      void endProcess(open.pid, 500);
    }
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
          const spec = place.synthetic.get(memberId);
          if (spec) {
            this.#post(replacement, {
              op: 'synthetic',
              session: sessionId,
              member: memberId,
              spec,
            });
          }
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
      place = { slot: best, members: new Map(), synthetic: new Map() };
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
    place.synthetic.delete(memberId);
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

  synthetic(sessionId: string, memberId: string, spec: SyntheticSpec): void {
    const place = this.#sessions.get(sessionId);
    if (!place || !place.members.has(memberId) || this.outputsUnavailable !== null) return;
    const font = spec.font ?? SYNTHETIC_FONT;
    if (!this.#fontsChecked.has(font)) {
      this.#fontsChecked.add(font);
      if (!existsSync(font)) {
        this.log('synthetic media: font not found, names are not drawn on the picture', { font });
      }
    }
    place.synthetic.set(memberId, { ...spec });
    this.#post(place.slot, { op: 'synthetic', session: sessionId, member: memberId, spec });
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

  startOutput(sessionId: string, spec: OutputSpec): void {
    const refuse = (reason: string): void => {
      setImmediate(() =>
        this.events.output(sessionId, spec.id, {
          state: 'failed',
          reason,
          durationMs: 0,
          sizeBytes: 0,
          format: spec.kind === 'recording' ? 'webm' : 'flv',
        }),
      );
    };
    if (this.outputsUnavailable !== null) return refuse(this.outputsUnavailable);
    if (this.#closing) return refuse('the media engine is closing');
    const key = outputKey(sessionId, spec.id);
    if (this.#outputs.has(key)) {
      return refuse(`an output with id "${spec.id}" is already running in this session`);
    }
    const place = this.#place(sessionId);
    if (place.slot.dead) return refuse('the media worker of this session could not start');
    this.#outputs.set(key, {
      session: sessionId,
      id: spec.id,
      spec,
      slot: place.slot,
      pid: undefined,
    });
    this.#post(place.slot, { op: 'output.start', session: sessionId, spec: { ...spec } });
  }

  showOutput(sessionId: string, outputId: string, featuredId: string | null): void {
    const open = this.#outputs.get(outputKey(sessionId, outputId));
    if (!open) return;
    this.#post(open.slot, {
      op: 'output.show',
      session: sessionId,
      output: outputId,
      featured: featuredId,
    });
  }

  stopOutput(sessionId: string, outputId: string): void {
    const open = this.#outputs.get(outputKey(sessionId, outputId));
    if (!open) return;
    this.#post(open.slot, { op: 'output.stop', session: sessionId, output: outputId });
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

  /** Asks a worker to close its sockets (and finish its outputs) and exit; ends it outright if
   *  it does not. */
  async #end(slot: Slot, code: number): Promise<void> {
    const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
    slot.worker.postMessage({ op: 'exit', code } satisfies WorkerCommand);
    const outputs = [...this.#outputs.values()].some((o) => o.slot === slot);
    const wait = EXIT_TIMEOUT_MS + (outputs ? this.#config.outputs.stopTimeoutMs + 3_000 : 0);
    const timer = setTimeout(() => void slot.worker.terminate(), wait);
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
    // Outputs a worker did not report finished (it was ended outright) fail here.
    await Promise.all(
      this.#slots.flatMap((slot) =>
        this.#failOutputs(slot, 'the media engine closed before the output finished'),
      ),
    );
  }
}

function outputKey(sessionId: string, outputId: string): string {
  return `${sessionId}\u0000${outputId}`;
}

/** A server without media: members meet, signal and chat; media frames are refused. */
export class NoMediaEngine implements MediaEngine {
  readonly available = false;
  readonly iceServers: IceServer[] = [];
  readonly outputsUnavailable = 'no media engine';

  constructor(private readonly events?: Pick<MediaEngineEvents, 'output'>) {}

  startOutput(sessionId: string, spec: OutputSpec): void {
    setImmediate(() =>
      this.events?.output(sessionId, spec.id, {
        state: 'failed',
        reason: this.outputsUnavailable,
        durationMs: 0,
        sizeBytes: 0,
        format: spec.kind === 'recording' ? 'webm' : 'flv',
      }),
    );
  }
  showOutput(): void {}
  stopOutput(): void {}
  join(): void {}
  update(): void {}
  leave(): void {}
  endSession(): void {}
  handle(): void {}
  synthetic(): void {}
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
