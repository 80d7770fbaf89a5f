import { performance } from 'node:perf_hooks';
import type { FixtureLoaded, ProjectReset } from '@conclave/schema';
import type { AppContext } from '../context.js';
import { emulatorStore, type EmulatorStore } from './emulator-store.js';
import { FaultRules } from './fault-rules.js';
import { loadFixtureRows, readFixture } from './fixture-loader.js';

/**
 * Emulator mode (`CONCLAVE_EMULATOR=1`): what a test suite uses Conclave for in place of
 * SignalWire — scripted faults, and emptying and seeding a project between tests.
 */
export class Emulator {
  readonly faults: FaultRules;
  readonly #db: EmulatorStore;

  constructor(private readonly ctx: AppContext) {
    this.faults = new FaultRules(ctx.now);
    this.#db = emulatorStore(ctx.store);
  }

  /**
   * Empties a project, keeping it and its credentials (API tokens, room-token and media signing
   * keys): its live sessions end as on a project delete (members disconnected, `session.ended`),
   * then its rows, recording files and scripted faults go.
   */
  async resetProject(projectId: string): Promise<ProjectReset> {
    const started = performance.now();
    const recording = await this.#db.hasUnfinishedRecordings(projectId);
    await this.ctx.live.endProjectSessions(projectId);
    // Recordings the ended sessions were making finish (their rows and files written) before the
    // delete. Only then: idle() waits for every project's outputs.
    if (recording) await this.ctx.outputs.idle();
    const removed = await this.#db.clearProject(projectId);
    await this.ctx.media.deleteAll(`recordings/${projectId}`);
    const faultsCleared = this.faults.clear(projectId);
    return {
      project_id: projectId,
      removed,
      faults_cleared: faultsCleared,
      took_ms: round(performance.now() - started),
    };
  }

  /** Loads a fixture (a `conclave export` file) into a project, after a reset if asked. */
  async loadFixture(projectId: string, text: string, reset: boolean): Promise<FixtureLoaded> {
    const started = performance.now();
    // Read before the reset: a bad file changes nothing.
    const fixture = readFixture(text, projectId);
    const resetResult = reset ? await this.resetProject(projectId) : null;
    await loadFixtureRows(this.ctx.store, fixture.batch);
    return {
      project_id: projectId,
      loaded: fixture.loaded,
      skipped: fixture.skipped,
      reset: resetResult,
      took_ms: round(performance.now() - started),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
