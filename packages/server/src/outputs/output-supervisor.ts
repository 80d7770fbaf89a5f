/**
 * Recordings and streams of live sessions: which outputs the media engine runs for each session
 * this process hosts, the rows they write, and their files. The media engine encodes (ffmpeg fed
 * by its workers); this supervisor decides when an output starts and stops, whom it shows, and
 * what becomes of it:
 *
 * - a recording is a row (`recording` → `processing` after a stop → `completed`, or `error` with
 *   a reason in its `recording.ended` event) and a WebM file written to `workDir`, moved into
 *   MediaStorage once the encoder has finished it;
 * - a stream is a configured address (a room's or conference's `streams` row) pushed to while the
 *   session is live; a failing destination is retried with exponential backoff, and the row shows
 *   `width`, `height` and `fps` while it runs.
 *
 * Every output shows the session's featured member (the same rule as SignalWire SDK calls) and
 * carries everyone's audio.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { MediaEngine, OutputEvent } from '@conclave/media';
import { MAX_STREAMS_PER_ROOM } from '@conclave/schema';
import { newId, newOrderedId } from '../lib/ids.js';
import type { MediaStorage } from '../media/media-storage.js';
import { featuredMember, type FeatureCandidate } from '../realtime/featured-member.js';
import type { Store } from '../store/store.js';

export interface OutputSupervisorOptions {
  /** Where the encoder writes recordings in progress (created when needed). On the same file
   *  system as a local MediaStorage, so finishing one is a rename. */
  workDir: string;
  /** A failing stream is retried after `retryBaseMs`, doubled each time up to `retryCapMs`. */
  retryBaseMs: number;
  retryCapMs: number;
  /** How long a stop waits for the encoder to finish its files. */
  finishTimeoutMs: number;
}

export const OUTPUT_DEFAULTS: OutputSupervisorOptions = {
  workDir: '',
  retryBaseMs: 1000,
  retryCapMs: 30_000,
  finishTimeoutMs: 30_000,
};

/** The MIME type of the files recordings are (WebM: VP8 or VP9 video, Opus audio). */
export const RECORDING_FORMAT = 'video/webm';

/** A session, as its outputs need to know it. */
export interface OutputSession {
  id: string;
  projectId: string;
  /** Whose streams it pushes: its room's id, or its conference's (null: an auto-created session). */
  ownerId: string | null;
  recordOnStart: boolean;
}

/** Why an output could not start: `unavailable` (no encoder), `ended` (no such live session). */
export class OutputRefused extends Error {
  constructor(
    readonly reason: 'unavailable' | 'ended' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

interface RecordingOutput {
  kind: 'recording';
  id: string;
  session: SessionOutputs;
  path: string;
  /** Unix ms when it was asked to stop (undefined: still recording). */
  stoppedAt: number | undefined;
  /** The row was deleted: the file is thrown away when the encoder is done. */
  deleted: boolean;
}

interface StreamOutput {
  kind: 'stream';
  /** This attempt's id (a retry is a new output). */
  id: string;
  streamId: string;
  url: string;
  session: SessionOutputs;
  running: boolean;
  /** Failures in a row (the next retry waits `base × 2^failures`, capped). */
  failures: number;
}

interface StreamPlan {
  streamId: string;
  url: string;
  /** The output pushing it now (undefined: waiting to retry, or not started). */
  current: StreamOutput | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  failures: number;
  removed: boolean;
  /** Started for the session alone (SignalWire's `startStream`): no `streams` row. */
  adhoc: boolean;
  startedAt: number;
}

interface SessionOutputs {
  info: OutputSession;
  ended: boolean;
  members: FeatureCandidate[];
  lastTalker: string | undefined;
  featured: string | null;
  recordings: Map<string, RecordingOutput>;
  streams: Map<string, StreamPlan>;
}

export class OutputSupervisor {
  readonly #sessions = new Map<string, SessionOutputs>();
  /** Every output the media engine runs now, by output id. */
  readonly #outputs = new Map<string, RecordingOutput | StreamOutput>();
  /**
   * Finishing work (files moved, rows written) still in flight, with the recording it finishes if
   * any (the sweep leaves those alone).
   */
  readonly #finishing = new Map<Promise<void>, string | undefined>();
  #waiters: (() => void)[] = [];
  #pinned: (sessionId: string) => string | undefined = () => undefined;
  #recordingsChanged: (sessionId: string) => void = () => undefined;
  /** A project's now: the times written on its recordings and streams (`useClock`). */
  #clock: (projectId: string) => number = () => this.now();

  constructor(
    private readonly store: Store,
    private readonly storage: MediaStorage,
    private readonly media: () => MediaEngine,
    private readonly now: () => number,
    private readonly log: FastifyBaseLogger,
    private readonly options: OutputSupervisorOptions,
  ) {}

  /**
   * Emulator mode: the times written on a project's recording and stream rows follow its test
   * clock. (Files, ffmpeg and the leases by which stranded recordings are found keep the wall
   * clock.)
   */
  useClock(clock: (projectId: string) => number): void {
    this.#clock = clock;
  }

  /** Outputs the media engine runs now, by kind (metrics). */
  running(): { recordings: number; streams: number } {
    let recordings = 0;
    let streams = 0;
    for (const output of this.#outputs.values()) {
      if (output.kind === 'recording') recordings++;
      else streams++;
    }
    return { recordings, streams };
  }

  /** Where pins come from (the relay's moderators pin members for everyone). */
  usePins(pinned: (sessionId: string) => string | undefined): void {
    this.#pinned = pinned;
  }

  /** Told when a session's recordings in progress change (one started, stopped or ended), so
   *  whether it is recording can be shown (the live engine's `session.updated`). */
  onRecordingsChanged(listener: (sessionId: string) => void): void {
    this.#recordingsChanged = listener;
  }

  /** Why outputs cannot run on this server now (null: they can). */
  get unavailable(): string | null {
    const media = this.media();
    if (!media.available) return 'this server carries no media (CONCLAVE_MEDIA is off)';
    return media.outputsUnavailable;
  }

  // ---- the session's life ---------------------------------------------------------------------

  /** The session's row is written: its streams start, and a recording if its settings say so. */
  sessionStarted(info: OutputSession, members: FeatureCandidate[]): void {
    if (this.#sessions.has(info.id)) return;
    const state: SessionOutputs = {
      info,
      ended: false,
      members,
      lastTalker: undefined,
      featured: null,
      recordings: new Map(),
      streams: new Map(),
    };
    state.featured = this.#feature(state);
    this.#sessions.set(info.id, state);
    if (info.recordOnStart) {
      void this.startRecording(info.projectId, info.id, null).catch((error: unknown) => {
        this.log.warn(
          { session: info.id, reason: (error as Error).message },
          'record_on_start: the recording did not start',
        );
      });
    }
    if (info.ownerId !== null) void this.#startConfiguredStreams(state, info.ownerId);
  }

  /** Who is in the session changed (earliest-joined first). */
  membersChanged(sessionId: string, members: FeatureCandidate[]): void {
    const state = this.#sessions.get(sessionId);
    if (!state || state.ended) return;
    state.members = members;
    this.#refresh(state);
  }

  talking(sessionId: string, memberId: string, talking: boolean): void {
    const state = this.#sessions.get(sessionId);
    if (!state || state.ended || !talking) return;
    state.lastTalker = memberId;
    this.#refresh(state);
  }

  /** A moderator pinned or unpinned someone in the session. */
  pinChanged(sessionId: string): void {
    const state = this.#sessions.get(sessionId);
    if (state && !state.ended) this.#refresh(state);
  }

  /**
   * The session ends (just before the media engine ends it, which finishes its outputs): its
   * recordings turn `processing` until their files are done; its streams stop and are not retried.
   */
  sessionEnded(sessionId: string): void {
    const state = this.#sessions.get(sessionId);
    if (!state || state.ended) return;
    state.ended = true;
    this.#sessions.delete(sessionId);
    const at = this.#clock(state.info.projectId);
    for (const recording of state.recordings.values()) this.#markStopping(recording, at);
    for (const plan of state.streams.values()) {
      plan.removed = true;
      clearTimeout(plan.retryTimer);
    }
  }

  /** What the media engine reports of an output. */
  output(sessionId: string, outputId: string, event: OutputEvent): void {
    const output = this.#outputs.get(outputId);
    if (!output || output.session.info.id !== sessionId) return;
    if (output.kind === 'recording') {
      if (event.state === 'running') return;
      this.#outputs.delete(outputId);
      output.session.recordings.delete(output.id);
      this.#recordingsChanged(sessionId);
      this.#track(this.#finishRecording(output, event), output.id);
      return;
    }
    this.#streamEvent(output, event);
  }

  /** Resolves once every output has finished and its row is written (or `timeoutMs` passed). */
  async idle(timeoutMs = this.options.finishTimeoutMs): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (this.#settled()) resolve();
      else this.#waiters.push(resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!this.#settled()) {
          this.log.warn(
            { outputs: [...this.#outputs.keys()] },
            'outputs: the encoder did not finish in time; their rows are settled at next start',
          );
        }
        resolve();
      }, timeoutMs);
    });
    await Promise.race([done, timeout]);
    clearTimeout(timer);
  }

  /**
   * Recordings left `recording` or `processing` by a process that is gone (killed, crashed):
   * their session has ended and is this node's (`own`, at start) or its host's lease ran out.
   * Each becomes `error` with a `recording.ended` event; a partial file left in `workDir` is
   * kept when it holds anything (its duration: from the start to the file's last write).
   */
  async sweepStranded(nodeId: string, own: boolean): Promise<number> {
    const now = this.now();
    const rows = await this.store.strandedRecordings(nodeId, now, own);
    let swept = 0;
    for (const row of rows) {
      if (this.#outputs.has(row.id) || this.#finishingRecording(row.id)) continue;
      const path = join(this.options.workDir, `${row.id}.webm`);
      const info = await stat(path).catch(() => undefined);
      const key = `recordings/${row.project_id}/${row.id}.webm`;
      let stored: { size: number } | undefined;
      if (info && info.size > 0) {
        stored = await this.storage.putFile(key, path).catch((error: unknown) => {
          this.log.warn({ err: error, recording: row.id }, 'partial recording not stored');
          return undefined;
        });
      }
      await rm(path, { force: true }).catch(() => undefined);
      const finishedAt = stored && info ? Math.max(row.started_at, info.mtimeMs) : now;
      const written = await this.store.finishRecording(row.project_id, row.id, {
        status: 'error',
        reason: 'the server stopped before the recording finished',
        startedAt: row.started_at,
        finishedAt: Math.round(finishedAt),
        sizeInBytes: stored?.size ?? 0,
        format: RECORDING_FORMAT,
        storageKey: stored ? key : null,
      });
      if (written) swept++;
      else if (stored) await this.storage.delete(key);
    }
    if (swept > 0) this.log.warn({ recordings: swept }, 'recordings left unfinished marked error');
    // Streams such a process pushed show a running state no more.
    await this.store.clearStaleStreamStates().catch((error: unknown) => {
      this.log.warn({ err: error }, 'streams: stale running states not cleared');
    });
    return swept;
  }

  // ---- recordings -----------------------------------------------------------------------------

  /**
   * Starts recording the session live here; resolves with the recording's id once its row is
   * written. Throws OutputRefused: `unavailable` without an encoder (the reason is logged), `ended`
   * when the session is not live here, `failed` when the row could not be written.
   */
  async startRecording(
    projectId: string,
    sessionId: string,
    by: string | null,
  ): Promise<{ id: string; startedAt: number }> {
    const state = this.#sessions.get(sessionId);
    if (!state || state.ended || state.info.projectId !== projectId) {
      throw new OutputRefused('ended', 'the session is not live here');
    }
    const unavailable = this.unavailable;
    if (unavailable !== null) {
      this.log.warn({ session: sessionId, reason: unavailable }, 'recording not started');
      throw new OutputRefused('unavailable', `recording is unavailable: ${unavailable}`);
    }
    const id = newOrderedId();
    const startedAt = this.#clock(projectId);
    await mkdir(this.options.workDir, { recursive: true });
    const written = await this.store
      .startRecording({ id, projectId, roomSessionId: sessionId, startedAt, by })
      .catch((error: unknown) => {
        this.log.error({ err: error, session: sessionId }, 'recording row not written');
        return false;
      });
    if (!written) throw new OutputRefused('failed', 'the recording could not be recorded');
    const recording: RecordingOutput = {
      kind: 'recording',
      id,
      session: state,
      path: join(this.options.workDir, `${id}.webm`),
      stoppedAt: undefined,
      deleted: false,
    };
    if (state.ended) {
      // The session ended while its row was written: nothing was recorded.
      this.#track(
        this.#finishRecording(recording, {
          state: 'failed',
          reason: 'the session ended before the recording started',
          durationMs: 0,
          sizeBytes: 0,
          format: RECORDING_FORMAT,
        }),
      );
      throw new OutputRefused('ended', 'the session ended');
    }
    state.recordings.set(id, recording);
    this.#outputs.set(id, recording);
    const media = this.media();
    media.startOutput(sessionId, { id, kind: 'recording', target: recording.path });
    media.showOutput(sessionId, id, state.featured);
    this.#recordingsChanged(sessionId);
    return { id, startedAt };
  }

  /**
   * Stops the session's recording `recordingId` (undefined: all of them). False when there is
   * none in progress. The row turns `processing`, then `completed` once the file is done.
   */
  stopRecording(projectId: string, sessionId: string, recordingId?: string): boolean {
    const state = this.#sessions.get(sessionId);
    if (!state || state.info.projectId !== projectId) return false;
    const targets = [...state.recordings.values()].filter(
      (r) => r.stoppedAt === undefined && (recordingId === undefined || r.id === recordingId),
    );
    const at = this.#clock(projectId);
    for (const recording of targets) {
      this.#markStopping(recording, at);
      this.media().stopOutput(sessionId, recording.id);
    }
    if (targets.length > 0) this.#recordingsChanged(sessionId);
    return targets.length > 0;
  }

  /** The session's recordings in progress here (ids, oldest first). */
  recordingsOf(sessionId: string): { id: string; stopping: boolean }[] {
    const state = this.#sessions.get(sessionId);
    if (!state) return [];
    return [...state.recordings.values()].map((r) => ({
      id: r.id,
      stopping: r.stoppedAt !== undefined,
    }));
  }

  /** The recording's row was deleted: if it is in progress here, it stops and its file goes. */
  recordingDeleted(recordingId: string): void {
    const output = this.#outputs.get(recordingId);
    if (output?.kind !== 'recording') return;
    output.deleted = true;
    if (output.stoppedAt === undefined) {
      output.stoppedAt = this.#clock(output.session.info.projectId);
      this.media().stopOutput(output.session.info.id, output.id);
      this.#recordingsChanged(output.session.info.id);
    }
  }

  #markStopping(recording: RecordingOutput, at: number): void {
    if (recording.stoppedAt !== undefined) return;
    recording.stoppedAt = at;
    if (recording.deleted) return;
    const { projectId } = recording.session.info;
    void this.store
      .setRecordingStatus(projectId, recording.id, 'processing', at)
      .catch((error: unknown) => {
        this.log.warn({ err: error, recording: recording.id }, 'recording: processing not written');
      });
  }

  /**
   * The encoder is done with the file (`ended`) or gave up (`failed`): the file moves into
   * storage when it holds anything, and the row is completed or errored. Its times are those of
   * the file: `finished_at` the stop (or now), `started_at` that minus the file's duration, so
   * the API's `duration` is the file's.
   */
  async #finishRecording(
    recording: RecordingOutput,
    event: Exclude<OutputEvent, { state: 'running' }>,
  ): Promise<void> {
    const { projectId, id: sessionId } = recording.session.info;
    const finishedAt = recording.stoppedAt ?? this.#clock(projectId);
    const failed = event.state === 'failed' ? event.reason : undefined;
    if (failed !== undefined) {
      this.log.warn(
        { session: sessionId, recording: recording.id, reason: failed },
        'recording failed',
      );
    }
    const key = `recordings/${projectId}/${recording.id}.webm`;
    let stored: { size: number } | undefined;
    let reason = failed;
    if (!recording.deleted && event.sizeBytes > 0 && (await fileSize(recording.path)) > 0) {
      try {
        stored = await this.storage.putFile(key, recording.path);
      } catch (error) {
        this.log.error({ err: error, recording: recording.id }, 'recording file not stored');
        reason ??= `the file could not be stored: ${(error as Error).message}`;
      }
    }
    await rm(recording.path, { force: true }).catch(() => undefined);
    const durationMs = stored ? Math.max(0, Math.round(event.durationMs)) : 0;
    const written = await this.store
      .finishRecording(projectId, recording.id, {
        status: reason === undefined ? 'completed' : 'error',
        ...(reason === undefined ? {} : { reason }),
        startedAt: finishedAt - durationMs,
        finishedAt,
        sizeInBytes: stored?.size ?? 0,
        // The media engine names the container (`webm`); the API's format is its MIME type.
        format: RECORDING_FORMAT,
        storageKey: stored ? key : null,
      })
      .catch((error: unknown) => {
        this.log.error({ err: error, recording: recording.id }, 'recording row not completed');
        return true;
      });
    // The row is gone (deleted while it recorded): so is its file.
    if (!written && stored) await this.storage.delete(key);
  }

  // ---- streams --------------------------------------------------------------------------------

  async #startConfiguredStreams(state: SessionOutputs, ownerId: string): Promise<void> {
    let streams;
    try {
      const page = await this.store.listStreams(state.info.projectId, ownerId, {
        limit: MAX_STREAMS_PER_ROOM,
      });
      streams = page.items;
    } catch (error) {
      this.log.error({ err: error, session: state.info.id }, 'streams: could not be read');
      return;
    }
    for (const stream of streams) this.#addStream(state, stream.id, stream.url ?? '');
  }

  /** A stream was configured on a room or conference: it starts if its session is live here. */
  streamAdded(projectId: string, ownerId: string, stream: { id: string; url: string }): void {
    const state = this.#sessionOf(projectId, ownerId);
    if (state) this.#addStream(state, stream.id, stream.url);
  }

  /** A stream's address changed: if it is pushed now, it restarts towards the new one. */
  streamChanged(projectId: string, stream: { id: string; url: string }): void {
    for (const state of this.#sessions.values()) {
      if (state.info.projectId !== projectId || !state.streams.has(stream.id)) continue;
      this.streamRemoved(projectId, stream.id);
      this.#addStream(state, stream.id, stream.url);
    }
  }

  /** A stream was deleted: it stops. */
  streamRemoved(projectId: string, streamId: string): void {
    for (const state of this.#sessions.values()) {
      if (state.info.projectId !== projectId) continue;
      const plan = state.streams.get(streamId);
      if (!plan) continue;
      plan.removed = true;
      clearTimeout(plan.retryTimer);
      state.streams.delete(streamId);
      if (plan.current) this.media().stopOutput(state.info.id, plan.current.id);
    }
  }

  #sessionOf(projectId: string, ownerId: string): SessionOutputs | undefined {
    for (const state of this.#sessions.values()) {
      if (state.info.projectId === projectId && state.info.ownerId === ownerId && !state.ended) {
        return state;
      }
    }
    return undefined;
  }

  /**
   * Streams the session live here to `url` until it ends or the stream is stopped, with no
   * `streams` row (SignalWire's `startStream`). Throws OutputRefused as startRecording does.
   */
  startSessionStream(
    projectId: string,
    sessionId: string,
    url: string,
  ): { id: string; startedAt: number } {
    const state = this.#sessions.get(sessionId);
    if (!state || state.ended || state.info.projectId !== projectId) {
      throw new OutputRefused('ended', 'the session is not live here');
    }
    const unavailable = this.unavailable;
    if (unavailable !== null) {
      this.log.warn({ session: sessionId, reason: unavailable }, 'stream not started');
      throw new OutputRefused('unavailable', `streaming is unavailable: ${unavailable}`);
    }
    const id = newId();
    this.#addStream(state, id, url, true);
    return { id, startedAt: state.streams.get(id)!.startedAt };
  }

  /** The session's streams (configured and its own), oldest first. */
  streamsOf(sessionId: string): { id: string; url: string; startedAt: number }[] {
    const state = this.#sessions.get(sessionId);
    if (!state) return [];
    return [...state.streams.values()].map((p) => ({
      id: p.streamId,
      url: p.url,
      startedAt: p.startedAt,
    }));
  }

  #addStream(state: SessionOutputs, streamId: string, url: string, adhoc = false): void {
    if (state.streams.has(streamId) || state.ended) return;
    const plan: StreamPlan = {
      streamId,
      url,
      current: undefined,
      retryTimer: undefined,
      failures: 0,
      removed: false,
      adhoc,
      startedAt: this.#clock(state.info.projectId),
    };
    state.streams.set(streamId, plan);
    this.#pushStream(state, plan);
  }

  #pushStream(state: SessionOutputs, plan: StreamPlan): void {
    plan.retryTimer = undefined;
    if (plan.removed || state.ended) return;
    const unavailable = this.unavailable;
    if (unavailable !== null) {
      this.log.warn(
        { session: state.info.id, stream: plan.streamId, reason: unavailable },
        'stream not started',
      );
      return;
    }
    const output: StreamOutput = {
      kind: 'stream',
      id: newId(),
      streamId: plan.streamId,
      url: plan.url,
      session: state,
      running: false,
      failures: plan.failures,
    };
    plan.current = output;
    this.#outputs.set(output.id, output);
    const media = this.media();
    media.startOutput(state.info.id, { id: output.id, kind: 'stream', target: plan.url });
    media.showOutput(state.info.id, output.id, state.featured);
  }

  #streamEvent(output: StreamOutput, event: OutputEvent): void {
    const state = output.session;
    const plan = state.streams.get(output.streamId);
    const { projectId } = state.info;
    if (event.state === 'running') {
      output.running = true;
      if (plan) plan.failures = 0;
      if (plan?.adhoc) return;
      this.#track(
        this.store
          .setStreamRunning(
            projectId,
            output.streamId,
            { width: event.width, height: event.height, fps: Math.round(event.fps) },
            undefined,
            this.#clock(projectId),
          )
          .catch((error: unknown) => {
            this.log.warn({ err: error, stream: output.streamId }, 'stream state not written');
          }),
      );
      return;
    }
    this.#outputs.delete(output.id);
    if (plan?.current === output) plan.current = undefined;
    // Not running any more (null while another attempt has not started yet).
    if (!plan?.adhoc && (output.running || event.state === 'failed')) {
      this.#track(
        this.store
          .setStreamRunning(
            projectId,
            output.streamId,
            null,
            event.state === 'failed' ? event.reason : undefined,
            this.#clock(projectId),
          )
          .catch((error: unknown) => {
            this.log.warn({ err: error, stream: output.streamId }, 'stream state not written');
          }),
      );
    }
    if (!plan || plan.removed || state.ended) {
      this.#notify();
      return;
    }
    // The destination failed or hung up while the session goes on: try again, later each time.
    const delay = Math.min(
      this.options.retryCapMs,
      this.options.retryBaseMs * 2 ** Math.min(plan.failures, 20),
    );
    plan.failures++;
    this.log.warn(
      {
        session: state.info.id,
        stream: plan.streamId,
        reason: event.state === 'failed' ? event.reason : 'the destination ended the stream',
        retryInMs: delay,
      },
      'stream interrupted; retrying',
    );
    plan.retryTimer = setTimeout(() => this.#pushStream(state, plan), delay);
    plan.retryTimer.unref();
    this.#notify();
  }

  // ---- whom the outputs show ------------------------------------------------------------------

  #feature(state: SessionOutputs): string | null {
    return featuredMember({
      pinned: this.#pinned(state.info.id),
      lastTalker: state.lastTalker,
      members: state.members,
    });
  }

  #refresh(state: SessionOutputs): void {
    const featured = this.#feature(state);
    if (featured === state.featured) return;
    state.featured = featured;
    const media = this.media();
    for (const output of this.#outputs.values()) {
      if (output.session === state) media.showOutput(state.info.id, output.id, featured);
    }
  }

  // ---- bookkeeping ----------------------------------------------------------------------------

  #track(work: Promise<void>, recordingId?: string): void {
    this.#finishing.set(work, recordingId);
    void work.finally(() => {
      this.#finishing.delete(work);
      this.#notify();
    });
  }

  #finishingRecording(id: string): boolean {
    for (const recordingId of this.#finishing.values()) if (recordingId === id) return true;
    return false;
  }

  #settled(): boolean {
    if (this.#finishing.size > 0) return false;
    for (const output of this.#outputs.values()) {
      // A stream of a live session runs until it ends; only what is stopping counts.
      if (output.kind === 'recording' || output.session.ended) return false;
    }
    return true;
  }

  #notify(): void {
    if (!this.#settled()) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
