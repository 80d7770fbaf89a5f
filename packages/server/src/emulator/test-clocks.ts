import { AsyncLocalStorage } from 'node:async_hooks';
import type { EmulatorClock } from '@conclave/schema';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { MAX_TIMER_MS, type Deadline, type ProjectClock } from '../lib/project-clock.js';

/** A project's test clock: `time` at wall-clock `anchor`, standing still when frozen. */
interface Clock {
  time: number;
  anchor: number;
  frozen: boolean;
}

class Timer implements Deadline {
  handle: NodeJS.Timeout | undefined;
  constructor(
    readonly owner: TestClocks,
    readonly projectId: string,
    readonly at: number,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    this.owner.forget(this);
  }
}

/**
 * Emulator mode's test clocks, one per project that has one (the others read the wall clock).
 * The live engine's deadlines (join windows are read, removals, grace periods) are set here, so
 * that setting or advancing a clock moves them: an advance steps through the deadlines it passes,
 * in order, each firing with the clock at its own time, as if the time had gone by.
 */
export class TestClocks implements ProjectClock {
  readonly #clocks = new Map<string, Clock>();
  /** Pending deadlines by project (every project's, so a clock set later still moves them). */
  readonly #timers = new Map<string, Set<Timer>>();
  /** The project of the API request being handled (entered after authentication). */
  readonly #request = new AsyncLocalStorage<string>();

  constructor(private readonly wall: () => number = Date.now) {}

  now(projectId: string): number {
    const clock = this.#clocks.get(projectId);
    return clock === undefined ? this.wall() : read(clock, this.wall());
  }

  /**
   * The time for the request being handled: its project's, inside the API's scopes (see
   * {@link enterProject}); the wall clock elsewhere. Emulator mode's `ctx.now`.
   */
  readonly requestNow = (): number => {
    const projectId = this.#request.getStore();
    return projectId === undefined ? this.wall() : this.now(projectId);
  };

  /**
   * A `preHandler` hook for the API's scopes: the rest of the request runs with its project's
   * clock as `requestNow`. A callback hook, so the handler runs inside the scope; `preHandler`,
   * because a request body is read outside any scope entered before it.
   */
  readonly enterProject = (
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    this.#request.run(request.projectId, done);
  };

  at(projectId: string, at: number, fire: () => void): Deadline {
    const timer = new Timer(this, projectId, at, fire);
    let timers = this.#timers.get(projectId);
    if (!timers) this.#timers.set(projectId, (timers = new Set()));
    timers.add(timer);
    this.#arm(timer);
    return timer;
  }

  /** @internal A timer that fired or was cancelled. */
  forget(timer: Timer): void {
    clearTimeout(timer.handle);
    const timers = this.#timers.get(timer.projectId);
    if (!timers?.delete(timer)) return;
    if (timers.size === 0) this.#timers.delete(timer.projectId);
  }

  /** The project's clock as the API shows it. */
  view(projectId: string): EmulatorClock {
    const wall = this.wall();
    const clock = this.#clocks.get(projectId);
    if (!clock) return { time: new Date(wall).toISOString(), frozen: false };
    const time = read(clock, wall);
    return { time: new Date(time).toISOString(), frozen: clock.frozen, offset_ms: time - wall };
  }

  /**
   * Sets the project's clock to `time` (default: where it is now), frozen or running (default:
   * as it is; running for a project on the wall clock). Deadlines passed going forward fire in
   * order; going back, they wait again.
   */
  set(projectId: string, change: { time?: number; frozen?: boolean }): void {
    const wall = this.wall();
    const current = this.#clocks.get(projectId);
    const from = current === undefined ? wall : read(current, wall);
    const frozen = change.frozen ?? current?.frozen ?? false;
    this.#moveTo(projectId, change.time ?? from, frozen);
  }

  /** Moves the project's clock `ms` forward (keeping it frozen or running). */
  advance(projectId: string, ms: number): void {
    const current = this.#clocks.get(projectId);
    const wall = this.wall();
    const from = current === undefined ? wall : read(current, wall);
    this.#moveTo(projectId, from + ms, current?.frozen ?? false);
  }

  /** Back to the wall clock; its pending deadlines are set against it again. */
  reset(projectId: string): void {
    if (!this.#clocks.delete(projectId)) return;
    this.#rearm(projectId);
    this.#fireDue(projectId);
  }

  #moveTo(projectId: string, target: number, frozen: boolean): void {
    // Each deadline passed fires with the clock at its own time: what it does next (a grace
    // period starting, a session ending) is timed from there, as it would have been.
    for (;;) {
      const next = this.#earliest(projectId);
      if (next === undefined || next.at > target) break;
      this.#clocks.set(projectId, {
        time: Math.max(next.at, this.now(projectId)),
        anchor: this.wall(),
        frozen,
      });
      this.forget(next);
      next.fire();
    }
    this.#clocks.set(projectId, { time: target, anchor: this.wall(), frozen });
    this.#rearm(projectId);
  }

  #earliest(projectId: string): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers.get(projectId) ?? []) {
      if (!earliest || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }

  #rearm(projectId: string): void {
    for (const timer of this.#timers.get(projectId) ?? []) this.#arm(timer);
  }

  /** Fires at once what is due now (after a move back to the wall clock). */
  #fireDue(projectId: string): void {
    const now = this.now(projectId);
    for (;;) {
      const next = this.#earliest(projectId);
      if (next === undefined || next.at > now) return;
      this.forget(next);
      next.fire();
    }
  }

  #arm(timer: Timer): void {
    clearTimeout(timer.handle);
    timer.handle = undefined;
    const clock = this.#clocks.get(timer.projectId);
    const now = clock === undefined ? this.wall() : read(clock, this.wall());
    if (clock?.frozen && timer.at > now) return;
    const wait = Math.min(Math.max(0, timer.at - now), MAX_TIMER_MS);
    timer.handle = setTimeout(() => {
      // A long wait is made of several; a clock that moved since re-armed this one.
      if (this.now(timer.projectId) < timer.at) return this.#arm(timer);
      this.forget(timer);
      timer.fire();
    }, wait);
  }
}

function read(clock: Clock, wall: number): number {
  return clock.frozen ? clock.time : clock.time + (wall - clock.anchor);
}
