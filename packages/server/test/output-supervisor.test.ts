import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import {
  NoMediaEngine,
  type MediaEngine,
  type OutputEvent,
  type OutputSpec,
} from '@conclave/media';
import { newOrderedId } from '../src/lib/ids.js';
import { LocalMediaStorage } from '../src/media/media-storage.js';
import { OutputSupervisor } from '../src/outputs/output-supervisor.js';
import type { Store } from '../src/store/store.js';
import { eventually } from './helpers/eventually.js';
import { createProject, createTestStore } from './helpers/test-server.js';

// The supervisor's decisions against the real store (both engines) and a media engine that
// records what it is asked and reports what the test tells it to: which outputs start and stop,
// whom they show, the rows' transitions, retries. ffmpeg itself: recordings-live.test.ts.

/** A media engine whose outputs are driven by the test (members' media: none). */
class ScriptedOutputs implements MediaEngine {
  readonly available = true;
  readonly iceServers = [];
  outputsUnavailable: string | null = null;
  readonly started: { session: string; spec: OutputSpec }[] = [];
  readonly stopped: string[] = [];
  readonly shown = new Map<string, string | null>();
  report: (session: string, id: string, event: OutputEvent) => void = () => undefined;
  readonly #none = new NoMediaEngine();
  join(): void {}
  update(): void {}
  leave(): void {}
  endSession(): void {}
  handle(): void {}
  call(): void {}
  show(): void {}
  stats() {
    return this.#none.stats();
  }
  restartWorker() {
    return this.#none.restartWorker();
  }
  async close(): Promise<void> {}
  startOutput(session: string, spec: OutputSpec): void {
    this.started.push({ session, spec });
  }
  showOutput(_session: string, id: string, featured: string | null): void {
    this.shown.set(id, featured);
  }
  stopOutput(_session: string, id: string): void {
    this.stopped.push(id);
  }
}

let store: Store;
let cleanup: () => Promise<void>;
let dir: string;
let projectId: string;
before(async () => {
  ({ store, cleanup } = await createTestStore());
  dir = await mkdtemp(join(tmpdir(), 'conclave-supervisor-'));
  projectId = (await createProject(store)).id;
});
after(async () => {
  await cleanup();
  await rm(dir, { recursive: true, force: true });
});

function setup() {
  const media = new ScriptedOutputs();
  const storage = new LocalMediaStorage(join(dir, 'media'));
  const outputs = new OutputSupervisor(
    store,
    storage,
    () => media,
    Date.now,
    pino({ level: 'silent' }),
    {
      workDir: join(dir, 'work'),
      retryBaseMs: 50,
      retryCapMs: 200,
      finishTimeoutMs: 2000,
    },
  );
  media.report = (session, id, event) => outputs.output(session, id, event);
  return { media, storage, outputs };
}

async function liveSession(): Promise<string> {
  const id = newOrderedId();
  const now = Date.now();
  await store.applySessionWrites([
    {
      kind: 'start',
      session: {
        id,
        projectId,
        conferenceId: null,
        roomId: null,
        name: `s-${id.slice(-6)}`,
        displayName: null,
        layout: 'grid-responsive',
        quality: '720p',
        fps: 20,
        maxMembers: 10,
        joinFrom: null,
        joinUntil: null,
        removeAt: null,
        removeAfterSecondsElapsed: null,
        recordOnStart: false,
        enableRoomPreviews: false,
        audioVideoSync: true,
        toneOnEntryAndExit: true,
        roomJoinVideoOff: false,
        userJoinVideoOff: false,
        prioritizeHandraise: false,
        startTime: now,
        nodeId: 'test-node',
        leaseUntil: now + 60_000,
        startedEventId: newOrderedId(),
      },
    },
  ]);
  return id;
}

describe('OutputSupervisor', () => {
  it('records: recording → processing → completed, the file moved into storage, the row timed by the file', async () => {
    const { media, storage, outputs } = setup();
    const session = await liveSession();
    outputs.sessionStarted({ id: session, projectId, ownerId: null, recordOnStart: false }, [
      { id: 'a', can_publish: true },
      { id: 'b', can_publish: true },
    ]);
    const { id } = await outputs.startRecording(projectId, session, 'a');
    const spec = media.started.at(-1)!.spec;
    assert.deepEqual([spec.id, spec.kind], [id, 'recording']);
    assert.equal(media.shown.get(id), 'a', 'the earliest publisher');
    outputs.talking(session, 'b', true);
    assert.equal(media.shown.get(id), 'b', 'then whoever spoke last');
    outputs.membersChanged(session, [{ id: 'a', can_publish: true }]);
    assert.equal(media.shown.get(id), 'a', 'a speaker who left is not shown');

    assert.equal((await store.getRecording(projectId, id))?.status, 'recording');
    assert.ok(outputs.stopRecording(projectId, session, id));
    assert.deepEqual(media.stopped, [id]);
    await eventually(async () =>
      assert.equal((await store.getRecording(projectId, id))?.status, 'processing'),
    );
    await writeFile(spec.target, Buffer.alloc(2048, 7));
    media.report(session, id, {
      state: 'ended',
      durationMs: 4200,
      sizeBytes: 2048,
      format: 'video/webm',
    });
    await outputs.idle();
    const row = (await store.getRecording(projectId, id))!;
    assert.equal(row.status, 'completed');
    assert.equal(row.finished_at! - row.started_at, 4200);
    assert.equal(row.size_in_bytes, 2048);
    assert.equal(row.storage_key, `recordings/${projectId}/${id}.webm`);
    assert.equal((await storage.open(row.storage_key))?.size, 2048);
    const events = await store.listRecordingEvents(projectId, id, { limit: 10 });
    const ended = events.items.find((e) => e.name === 'recording.ended')!;
    assert.deepEqual(ended.payload, {
      status: 'completed',
      duration: 4,
      size_in_bytes: 2048,
      format: 'video/webm',
    });
  });

  it('a failed encoder is an error row keeping what the file holds; nothing kept when it is empty', async () => {
    const { media, outputs } = setup();
    const session = await liveSession();
    outputs.sessionStarted({ id: session, projectId, ownerId: null, recordOnStart: false }, []);
    const kept = await outputs.startRecording(projectId, session, null);
    const empty = await outputs.startRecording(projectId, session, null);
    await writeFile(
      media.started.find((s) => s.spec.id === kept.id)!.spec.target,
      Buffer.alloc(100),
    );
    media.report(session, kept.id, {
      state: 'failed',
      reason: 'No space left on device',
      durationMs: 1500,
      sizeBytes: 100,
      format: 'video/webm',
    });
    media.report(session, empty.id, {
      state: 'failed',
      reason: 'ffmpeg exited with code 1',
      durationMs: 0,
      sizeBytes: 0,
      format: 'video/webm',
    });
    await outputs.idle();
    const a = (await store.getRecording(projectId, kept.id))!;
    assert.equal(a.status, 'error');
    assert.notEqual(a.storage_key, null);
    const b = (await store.getRecording(projectId, empty.id))!;
    assert.equal(b.status, 'error');
    assert.equal(b.storage_key, null);
    const events = await store.listRecordingEvents(projectId, kept.id, { limit: 10 });
    const ended = events.items.find((e) => e.name === 'recording.ended')!;
    const payload = ended.payload as { status?: unknown; reason?: unknown };
    assert.deepEqual([payload.status, payload.reason], ['error', 'No space left on device']);
  });

  it('refuses without an encoder, writing nothing', async () => {
    const { media, outputs } = setup();
    media.outputsUnavailable = 'ffmpeg not found on PATH';
    const session = await liveSession();
    outputs.sessionStarted({ id: session, projectId, ownerId: null, recordOnStart: false }, []);
    await assert.rejects(outputs.startRecording(projectId, session, null), /ffmpeg not found/);
    const page = await store.listRecordings(projectId, session, { limit: 10 });
    assert.equal(page.items.length, 0);
  });

  it('streams: running writes width/height/fps, a failure retries with backoff, the session’s end stops it for good', async () => {
    const { media, outputs } = setup();
    const session = await liveSession();
    outputs.sessionStarted({ id: session, projectId, ownerId: null, recordOnStart: false }, [
      { id: 'a', can_publish: true },
    ]);
    const { id: streamId } = outputs.startSessionStream(projectId, session, 'rtmp://127.0.0.1:1/x');
    const first = media.started.at(-1)!;
    assert.equal(first.spec.kind, 'stream');
    assert.equal(media.shown.get(first.spec.id), 'a');
    media.report(session, first.spec.id, {
      state: 'failed',
      reason: 'Connection refused',
      durationMs: 0,
      sizeBytes: 0,
      format: 'flv',
    });
    await eventually(async () => assert.equal(media.started.length, 2, 'retried'), 2000);
    const second = media.started.at(-1)!;
    assert.notEqual(second.spec.id, first.spec.id);
    media.report(session, second.spec.id, { state: 'running', width: 1280, height: 720, fps: 30 });
    outputs.sessionEnded(session);
    media.report(session, second.spec.id, {
      state: 'ended',
      durationMs: 900,
      sizeBytes: 0,
      format: 'flv',
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(media.started.length, 2, 'not retried after the end');
    assert.deepEqual(outputs.streamsOf(session), []);
    assert.ok(streamId);
  });
});
