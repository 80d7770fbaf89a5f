import { performance } from 'node:perf_hooks';
import type { EmulatorClock, FixtureLoaded, ProjectReset } from '@conclave/schema';
import type { ProjectOwnedTable } from '../admin/projects-store.js';
import type { AppContext } from '../context.js';
import { FaultRules } from './fault-rules.js';
import { loadFixtureRows, readFixture } from './fixture-loader.js';
import { SimulatedMembers } from './simulated-members.js';
import type { TestClocks } from './test-clocks.js';

/**
 * What a reset keeps of a project besides the project itself: its credentials — API tokens,
 * room-token and media signing keys. Everything else goes, the event outbox and webhook
 * endpoints included.
 */
export const KEPT_TABLES: readonly ProjectOwnedTable[] = [
  'api_tokens',
  'room_token_keys',
  'media_keys',
];
/**
 * Emulator mode (`CONCLAVE_EMULATOR=1`): what a test suite uses Conclave for in place of
 * SignalWire — scripted faults, emptying and seeding a project between tests, and a test clock
 * per project.
 */
export class Emulator {
  readonly faults: FaultRules;
  /** Members without media, joined through the live engine's own admission. */
  readonly simulated: SimulatedMembers;

  /**
   * `clocks` must be the live engine's clock (`LiveEngine.useClock`) and, through `requestNow`,
   * the routes' `ctx.now`: otherwise a clock moved here moves nothing there.
   */
  constructor(
    private readonly ctx: AppContext,
    readonly clocks: TestClocks,
  ) {
    this.faults = new FaultRules(ctx.now);
    this.simulated = new SimulatedMembers(ctx, clocks);
    // Recordings' and streams' rows are stamped on the project's clock, as every record is.
    ctx.outputs.useClock((projectId) => clocks.now(projectId));
    // Scripted `frames` faults delay what live members are sent.
    ctx.live.useFrameDelay((projectId, sessionId, memberId) =>
      this.faults.frameDelay(projectId, sessionId, memberId),
    );
  }

  /**
   * Empties a project, keeping it and its credentials (API tokens, room-token and media signing
   * keys): its live sessions end as on a project delete (members disconnected, `session.ended`),
   * then its rows, recording files and scripted faults go.
   */
  async resetProject(projectId: string): Promise<ProjectReset> {
    const started = performance.now();
    const recording = await this.ctx.store.hasUnfinishedRecordings(projectId);
    await this.ctx.live.endProjectSessions(projectId);
    this.simulated.clear(projectId);
    // Recordings the ended sessions were making finish (their rows and files written) before the
    // delete. Only then: idle() waits for every project's outputs.
    if (recording) await this.ctx.outputs.idle();
    const removed = await this.ctx.store.emptyProject(projectId, KEPT_TABLES);
    await this.ctx.media.deleteAll(`recordings/${projectId}`);
    const faultsCleared = this.faults.clear(projectId);
    this.clocks.reset(projectId);
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

  /** The project's clock. */
  clock(projectId: string): EmulatorClock {
    return this.clocks.view(projectId);
  }

  /**
   * Sets the project's test clock; resolves once what the deadlines it passed did (members
   * removed, sessions ended) is written.
   */
  async setClock(projectId: string, change: { time?: number; frozen?: boolean }) {
    this.clocks.set(projectId, change);
    await this.ctx.live.settled();
    return this.clocks.view(projectId);
  }

  /** Advances the project's test clock (see {@link setClock}). */
  async advanceClock(projectId: string, ms: number): Promise<EmulatorClock> {
    this.clocks.advance(projectId, ms);
    await this.ctx.live.settled();
    return this.clocks.view(projectId);
  }

  /** The project reads the wall clock again. */
  async resetClock(projectId: string): Promise<EmulatorClock> {
    this.clocks.reset(projectId);
    await this.ctx.live.settled();
    return this.clocks.view(projectId);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
