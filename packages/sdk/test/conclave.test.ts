import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Schema from '@conclave/schema';
import {
  ApiTimeoutError,
  AuthenticationError,
  ConflictError,
  LIVE_FEED_EVENT_TYPES,
  LIVE_FEED_PATH,
  NotFoundError,
  RateLimitError,
  RestClient,
  UnprocessableEntityError,
  type FetchLike,
  type LiveFeedEvent,
} from '@conclave/sdk';
import { SseParser } from '../src/internal/sse.js';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

type Of<T extends LiveFeedEvent['type']> = Extract<LiveFeedEvent, { type: T }>;

/** Reads a feed in the background; `next` waits for an event not yet taken. */
function watch(feed: AsyncIterable<LiveFeedEvent>) {
  const unread: LiveFeedEvent[] = [];
  const all: LiveFeedEvent[] = [];
  let wake: (() => void) | undefined;
  const done = (async () => {
    for await (const event of feed) {
      all.push(event);
      unread.push(event);
      wake?.();
    }
  })();
  done.catch(() => {}).finally(() => wake?.());
  return {
    all,
    done,
    async next<T extends LiveFeedEvent['type']>(
      type: T,
      match: (e: Of<T>) => boolean = () => true,
      ms = 5000,
    ): Promise<Of<T>> {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = unread.findIndex((e) => e.type === type && match(e as Of<T>));
        if (i >= 0) return unread.splice(i, 1)[0] as Of<T>;
        if (Date.now() > deadline) throw new Error(`no ${type} event within ${ms} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

async function conference() {
  const created = await client.video.conferences.create({ display_name: 'Console' });
  const { data: tokens } = await client.video.conferences.listConferenceTokens(created.id);
  return {
    id: created.id,
    moderator: tokens.find((t) => t.name === 'Moderator')!.token,
    guest: tokens.find((t) => t.name === 'Guest')!.token,
  };
}

describe('client.conclave', () => {
  it('mirrors the schema’s feed path and event types', () => {
    assert.equal(LIVE_FEED_PATH, Schema.LIVE_FEED_PATH);
    assert.deepEqual(LIVE_FEED_EVENT_TYPES, Schema.LIVE_FEED_EVENT_TYPES);
  });

  it('live(): a snapshot, then the session’s changes as the SDK’s own calls make them', async () => {
    const controller = new AbortController();
    const feed = watch(client.conclave.live({ signal: controller.signal }));
    const snapshot = await feed.next('snapshot');
    assert.ok(Array.isArray(snapshot.sessions));

    const c = await conference();
    const host = await client.video.realtime.join({ token: c.moderator, name: 'Host' });
    const guest = await client.video.realtime.join({ token: c.guest, name: 'Guest' });
    const sessionId = host.session.id;
    const started = await feed.next('session.started', (e) => e.session_id === sessionId);
    assert.deepEqual(started.session, host.session);
    const joined = await feed.next('member.joined', (e) => e.member.id === guest.memberId);
    assert.equal(joined.member.name, 'Guest');

    // Mute through the API: the member as it is now, and everyone told.
    const muted = await client.conclave.updateMember(sessionId, guest.memberId, {
      audioMuted: true,
      videoMuted: true,
    });
    assert.equal(muted.id, guest.memberId);
    assert.deepEqual([muted.audio_muted, muted.video_muted], [true, true]);
    const updated = await feed.next('member.updated', (e) => e.member.id === guest.memberId);
    assert.deepEqual(updated.member, muted);

    // Remove the guest, then end the session.
    await client.conclave.removeMember(sessionId, guest.memberId);
    const left = await feed.next('member.left', (e) => e.member_id === guest.memberId);
    assert.equal(left.reason, 'removed');
    assert.deepEqual(await guest.closed, { code: 4420, reason: 'removed' });
    await client.conclave.endSession(sessionId);
    const ended = await feed.next('session.ended', (e) => e.session_id === sessionId);
    assert.equal(ended.reason, 'ended_by_api');
    assert.equal((await host.closed).code, 4422);

    // Aborting ends the iteration quietly.
    controller.abort();
    await feed.done;
    assert.equal(feed.all[0]!.type, 'snapshot');
  });

  it('startRecording() / stopRecording(): the recording as the Video API shows it, the feed’s `recording`, typed errors', async () => {
    const controller = new AbortController();
    const feed = watch(client.conclave.live({ signal: controller.signal }));
    await feed.next('snapshot');
    const c = await conference();
    const host = await client.video.realtime.join({ token: c.moderator, name: 'Host' });
    const sessionId = host.session.id;
    const started = await feed.next('session.started', (e) => e.session_id === sessionId);
    assert.equal(started.session.recording, false);

    const recording = await client.conclave.startRecording(sessionId);
    assert.equal(recording.room_session_id, sessionId);
    assert.equal(recording.status, 'recording');
    assert.deepEqual(await client.video.roomRecordings.get(recording.id), recording);
    const on = await feed.next('session.updated', (e) => e.session_id === sessionId);
    assert.equal(on.session.recording, true);

    // One by id; then nothing is in progress.
    await client.conclave.stopRecording(sessionId, { recordingId: recording.id });
    const off = await feed.next('session.updated', (e) => e.session_id === sessionId);
    assert.equal(off.session.recording, false);
    await assert.rejects(
      client.conclave.stopRecording(sessionId, { recordingId: recording.id }),
      NotFoundError,
    );
    await assert.rejects(client.conclave.stopRecording(sessionId), (error: unknown) => {
      assert.ok(error instanceof ConflictError);
      assert.equal(error.code, 'not_recording');
      return true;
    });
    // All of them.
    await client.conclave.startRecording(sessionId);
    await client.conclave.startRecording(sessionId);
    await client.conclave.stopRecording(sessionId);
    const stopped = await feed.next(
      'session.updated',
      (e) => e.session_id === sessionId && !e.session.recording,
    );
    assert.equal(stopped.session.recording, false);
    const unknown = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(client.conclave.startRecording(unknown), NotFoundError);
    await assert.rejects(client.conclave.stopRecording(unknown), NotFoundError);
    // The row is finished (without media published, the file holds nothing).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await client.video.roomRecordings.get(recording.id);
      if (row.status === 'completed') break;
      assert.ok(Date.now() < deadline, `still ${row.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await host.leave();
    controller.abort();
    await feed.done;
  });

  it('throws the typed errors a console acts on', async () => {
    // Bad credentials: AuthenticationError, so a page can sign out.
    const wrong = new RestClient({
      project: server.projectId,
      token: `PT${'0'.repeat(48)}`,
      host: server.url,
    });
    await assert.rejects(async () => {
      for await (const e of wrong.conclave.live()) assert.fail(`no ${e.type} for a wrong token`);
    }, AuthenticationError);

    const unknown = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(client.conclave.endSession(unknown), NotFoundError);
    await assert.rejects(client.conclave.removeMember(unknown, unknown), NotFoundError);
    await assert.rejects(
      client.conclave.updateMember(unknown, unknown, { audioMuted: true }),
      NotFoundError,
    );
    const c = await conference();
    const host = await client.video.realtime.join({ token: c.moderator, name: 'Host' });
    await assert.rejects(
      client.conclave.updateMember(host.session.id, host.memberId, {}),
      (error: unknown) =>
        error instanceof UnprocessableEntityError &&
        error.errors[0]?.code === 'missing_required_parameter',
    );

    // An audience member cannot be unmuted: ConflictError, code not_publisher.
    const room = await client.video.rooms.create({ name: `stage-${Date.now()}` });
    const { token } = await client.video.roomTokens.create({
      room_name: room.name,
      user_name: 'Viewer',
      join_as: 'audience',
    });
    const viewer = await client.video.realtime.join({ token });
    await assert.rejects(
      client.conclave.updateMember(viewer.session.id, viewer.memberId, { audioMuted: false }),
      (error: unknown) => {
        assert.ok(error instanceof ConflictError);
        assert.equal(error.status, 409);
        assert.equal(error.code, 'not_publisher');
        assert.match(error.message, /^409 Conflict: An audience member/);
        return true;
      },
    );
    await viewer.leave();
    await host.leave();

    // The eleventh open feed of a project.
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    const open = controllers.map((controller) =>
      watch(client.conclave.live({ signal: controller.signal })),
    );
    for (const f of open) await f.next('snapshot');
    await assert.rejects(async () => {
      for await (const e of client.conclave.live()) assert.fail(`an eleventh feed: ${e.type}`);
    }, RateLimitError);
    for (const controller of controllers) controller.abort();
    await Promise.all(open.map((f) => f.done));
  });

  it('ends when the server ends the stream; an abort before it starts ends it at once', async () => {
    const other = await startConclave();
    try {
      const c = new RestClient({
        project: other.projectId,
        token: other.apiToken,
        host: other.url,
      });
      const feed = watch(c.conclave.live());
      await feed.next('snapshot');
      await other.close();
      await feed.done; // no error: the server said goodbye
    } finally {
      await other.close();
    }
    const aborted = new AbortController();
    aborted.abort();
    for await (const e of client.conclave.live({ signal: aborted.signal })) {
      assert.fail(`an aborted feed yields nothing, not ${e.type}`);
    }
  });

  it('gives up on a silent connection after idleTimeout (ApiTimeoutError)', async () => {
    const silent: FetchLike = async (_url, init) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(': hello\n\n'));
            init.signal?.addEventListener('abort', () =>
              controller.error(new DOMException('aborted', 'AbortError')),
            );
          },
        }),
        { status: 200, headers: { 'content-type': 'text/event-stream' } },
      );
    const quiet = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
      fetch: silent,
    });
    const started = Date.now();
    await assert.rejects(async () => {
      for await (const e of quiet.conclave.live({ idleTimeout: 200 })) assert.fail(e.type);
    }, ApiTimeoutError);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('SseParser', () => {
  it('reads events split anywhere, with any line ending, comments and multi-line data', () => {
    const text =
      '\uFEFF: a comment\r\nevent: member.left\r\ndata: {"a":\r\ndata: 1}\r\n\r\n' +
      'id: 7\revent:x\rdata:plain\r\r' +
      'data: no event name\n\n' +
      'event: empty\n\n' +
      'retry: 10\nunknown: field\ndata\n\n' +
      'event: unfinished\ndata: lost';
    const whole = new SseParser().push(text);
    const expected = [
      { event: 'member.left', data: '{"a":\n1}', id: undefined },
      { event: 'x', data: 'plain', id: '7' },
      { event: 'message', data: 'no event name', id: '7' },
      { event: 'message', data: '', id: '7' },
    ];
    assert.deepEqual(whole, expected);
    // The same text one character at a time.
    const parser = new SseParser();
    const pieces = [...text].flatMap((ch) => parser.push(ch));
    assert.deepEqual(pieces, expected);
  });
});
