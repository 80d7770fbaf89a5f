/**
 * Time as one project sees it. Always the wall clock, except in emulator mode, where a project
 * may have a test clock (frozen, set, advanced): then its join windows, removals, grace periods
 * and the times written on its records follow that clock instead.
 */
export interface ProjectClock {
  /** Unix milliseconds now, for the project. */
  now(projectId: string): number;
  /**
   * Calls `fire` once the project's time reaches `at` (Unix ms). The wait follows the clock: a
   * test clock set or advanced past `at` fires it then; a frozen one never does by itself.
   */
  at(projectId: string, at: number, fire: () => void): Deadline;
}

/** A pending {@link ProjectClock.at}. */
export interface Deadline {
  /** It will not fire (harmless once fired or cancelled). */
  cancel(): void;
}

/** Node's longest timer (about 24.8 days); longer waits are made of several. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The wall clock for every project (`now`: Date.now, or a test's replacement). */
export function wallClock(now: () => number = Date.now): ProjectClock {
  return {
    now: () => now(),
    at(_projectId, at, fire) {
      let timer: NodeJS.Timeout;
      const wait = () => {
        const left = at - now();
        timer = left > MAX_TIMER_MS ? setTimeout(wait, MAX_TIMER_MS) : setTimeout(fire, left);
      };
      wait();
      return { cancel: () => clearTimeout(timer) };
    },
  };
}
