/**
 * What both live-session WebSocket endpoints — Conclave's own (`/api/video/realtime`) and the
 * SignalWire relay (`/api/video/relay`) — hold every connection to: frame nesting, a queue and a
 * send buffer of bounded size, and token buckets for frame and action rates; and the socket both
 * build on.
 */
import { CLOSE_CODES } from '@conclave/schema';
import type { WebSocket } from 'ws';

/** Deepest nesting of arrays and objects a frame may have (JSON.stringify recurses). */
export const MAX_DEPTH = 32;
/** Frames a connection may have waiting (handled one at a time, in order); more is a flood. */
export const MAX_QUEUED_FRAMES = 64;
/** A peer that does not read: more than this waiting in its send buffer closes it (1013). */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** State-changing actions per second per connection (bursts of twice that). */
export const ACTIONS_PER_SECOND = 20;

/** Whether the JSON text nests deeper than MAX_DEPTH (brackets inside strings do not count). */
export function tooDeep(buffer: Buffer): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** A token bucket: `rate` per second, bursts of twice that. */
export class Bucket {
  #tokens: number;
  #last = performance.now();
  constructor(private readonly rate: number) {
    this.#tokens = rate * 2;
  }
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.rate * 2, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** One live-session socket: its frames handled in order through a bounded queue, its rates, and
 *  sends that close a peer which stopped reading. */
export class LiveSocket {
  /** Frames are handled one at a time, in arrival order. */
  chain: Promise<void> = Promise.resolve();
  queued = 0;
  readonly frames: Bucket;
  readonly actions = new Bucket(ACTIONS_PER_SECOND);

  constructor(
    readonly socket: WebSocket,
    framesPerSecond: number,
  ) {
    this.frames = new Bucket(framesPerSecond);
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  send(text: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(1013, 'slow_consumer');
      return;
    }
    this.socket.send(text);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CONNECTING || this.open) {
      this.socket.close(code, reason);
    }
  }

  /** Cuts the connection without a close frame, as a network failure would (emulator mode). */
  terminate(): void {
    this.socket.terminate();
  }

  /** Runs `step` after every frame before it; more than MAX_QUEUED_FRAMES waiting is a flood
   *  (closed `rate_limited`). A step that throws goes to `failed`. */
  enqueue(step: () => Promise<void> | void, failed: (error: unknown) => void): void {
    if (++this.queued > MAX_QUEUED_FRAMES) {
      this.close(CLOSE_CODES.rate_limited, 'rate_limited');
      return;
    }
    this.chain = this.chain
      .then(step)
      .catch(failed)
      .finally(() => {
        this.queued--;
      });
  }
}
