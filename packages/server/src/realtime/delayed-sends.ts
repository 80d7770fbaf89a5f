/**
 * Frames held back before they are sent to a peer (emulator mode's `frames` faults), as a slow
 * network would: each delayed frame waits its delay, and every frame sent to that peer after one
 * waits for it, so a peer receives its frames in the order they were sent.
 */

/** Where frames go (a live member's connection). */
export interface FrameSink {
  send(text: string): void;
}

interface Pending {
  text: string;
  /** `performance.now()` at which it is sent. */
  due: number;
}

export class DelayedSends {
  readonly #queues = new Map<FrameSink, { frames: Pending[]; timer: NodeJS.Timeout }>();

  /** Sends `text` to `sink` after `delayMs` (0: at once, unless earlier frames still wait). */
  send(sink: FrameSink, text: string, delayMs: number): void {
    const queue = this.#queues.get(sink);
    if (!queue && delayMs <= 0) {
      sink.send(text);
      return;
    }
    const now = performance.now();
    const last = queue?.frames[queue.frames.length - 1];
    const due = Math.max(now + delayMs, last?.due ?? 0);
    if (queue) {
      queue.frames.push({ text, due });
      return;
    }
    const frames = [{ text, due }];
    this.#queues.set(sink, { frames, timer: this.#schedule(sink, due - now) });
  }

  /** Frames waiting, across peers. */
  get pending(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.frames.length;
    return count;
  }

  #schedule(sink: FrameSink, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#flush(sink), Math.max(0, ms));
    timer.unref();
    return timer;
  }

  #flush(sink: FrameSink): void {
    const queue = this.#queues.get(sink);
    if (!queue) return;
    const now = performance.now();
    while (queue.frames.length > 0 && queue.frames[0]!.due <= now) {
      sink.send(queue.frames.shift()!.text);
    }
    if (queue.frames.length === 0) {
      this.#queues.delete(sink);
      return;
    }
    queue.timer = this.#schedule(sink, queue.frames[0]!.due - now);
  }
}
