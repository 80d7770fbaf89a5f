import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EventRow } from '../src/events/events-store.js';
import { LiveSessionConflictError } from '../src/store/store.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

/** The project's events written since `since` (a seq), oldest first. */
async function eventsAfter(since: number, projectId = server.project.id) {
  return server.store.listEvents(projectId, since, 1000);
}

/** The last event id of the whole database so far (a mark to read from). */
async function mark(projectId = server.project.id): Promise<number> {
  const all = await server.store.listEvents(projectId, 0, 100_000);
  return all.at(-1)?.seq ?? 0;
}

const types = (rows: EventRow[]) => rows.map((row) => row.type);
const objectOf = (row: EventRow) => JSON.parse(row.data) as Record<string, unknown>;

describe('event outbox', () => {
  it('writes one event per change of a room, its object as the REST API shows it', async () => {
    const from = await mark();
    const name = `outbox-${randomUUID().slice(0, 8)}`;
    const created = await server.api('/api/video/rooms', { method: 'POST', body: { name } });
    assert.equal(created.status, 200);
    const id = created.body.id as string;
    const updated = await server.api(`/api/video/rooms/${id}`, {
      method: 'PUT',
      body: { display_name: 'Changed' },
    });
    assert.equal(updated.status, 200);
    const deleted = await server.api(`/api/video/rooms/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    const rows = await eventsAfter(from);
    assert.deepEqual(types(rows), ['room.created', 'room.updated', 'room.deleted']);
    assert.deepEqual(objectOf(rows[0]!), created.body);
    assert.deepEqual(objectOf(rows[1]!), updated.body);
    assert.deepEqual(objectOf(rows[2]!), updated.body, 'deleted: the room as it was');
    for (const row of rows) {
      assert.equal(row.object_id, id);
      assert.equal(row.project_id, server.project.id);
    }
    assert.ok(rows[0]!.seq < rows[1]!.seq && rows[1]!.seq < rows[2]!.seq, 'ids ascend');
  });

  it('writes one event per change of a conference and per token reset', async () => {
    const from = await mark();
    const name = `conf-${randomUUID().slice(0, 8)}`;
    const created = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { name, display_name: 'Outbox' },
    });
    assert.equal(created.status, 200);
    const id = created.body.id as string;
    const taken = await server.api('/api/video/conferences', {
      method: 'POST',
      body: { name, display_name: 'Again' },
    });
    assert.equal(taken.status, 422);
    const updated = await server.api(`/api/video/conferences/${id}`, {
      method: 'PUT',
      body: { display_name: 'Changed' },
    });
    assert.equal(updated.status, 200);
    const tokens = await server.api(`/api/video/conferences/${id}/conference_tokens`);
    const reset = await server.api(`/api/video/conference_tokens/${tokens.body.data[0].id}/reset`, {
      method: 'POST',
    });
    assert.equal(reset.status, 200);
    const deleted = await server.api(`/api/video/conferences/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    const rows = await eventsAfter(from);
    assert.deepEqual(types(rows), [
      'conference.created',
      'conference.updated',
      'conference_token.reset',
      'conference.deleted',
    ]);
    assert.deepEqual(objectOf(rows[0]!), created.body);
    assert.deepEqual(objectOf(rows[1]!), updated.body);
    assert.deepEqual(objectOf(rows[2]!), reset.body);
    assert.equal(rows[2]!.ordering_key, id, 'a token reset is ordered with its conference');
    assert.deepEqual(objectOf(rows[3]!), updated.body);
  });

  it('writes no event for a change that fails', async () => {
    const name = `taken-${randomUUID().slice(0, 8)}`;
    const first = await server.api('/api/video/rooms', { method: 'POST', body: { name } });
    assert.equal(first.status, 200);
    const from = await mark();
    const taken = await server.api('/api/video/rooms', { method: 'POST', body: { name } });
    assert.equal(taken.status, 422);
    const invalid = await server.api(`/api/video/rooms/${first.body.id}`, {
      method: 'PUT',
      body: { join_from: '2030-01-02T00:00:00Z', join_until: '2030-01-01T00:00:00Z' },
    });
    assert.equal(invalid.status, 422);
    const missing = await server.api(`/api/video/rooms/${randomUUID()}`, { method: 'DELETE' });
    assert.equal(missing.status, 404);
    assert.equal(
      await server.store.startRecording({
        id: randomUUID(),
        projectId: server.project.id,
        roomSessionId: randomUUID(),
        startedAt: Date.now(),
      }),
      false,
    );
    assert.deepEqual(types(await eventsAfter(from)), []);
  });

  it('tells of a session, its members and recordings, in order, keyed by the session', async () => {
    const from = await mark();
    const projectId = server.project.id;
    const sessionId = randomUUID();
    const memberId = randomUUID();
    const t = Date.now();
    await server.store.applySessionWrites([
      {
        kind: 'start',
        session: { id: sessionId, projectId, name: `s-${sessionId}`, startTime: t },
      },
      {
        kind: 'member',
        member: { id: memberId, projectId, roomSessionId: sessionId, name: 'Ann', joinTime: t + 1 },
      },
      {
        kind: 'event',
        roomId: sessionId,
        event: {
          id: randomUUID(),
          projectId,
          roomSessionId: sessionId,
          roomParticipantId: memberId,
          level: 'info',
          name: 'member.updated',
          payload: { audio_muted: true },
          createdAt: t + 2,
        },
      },
    ]);
    const recordingId = randomUUID();
    assert.ok(
      await server.store.startRecording({
        id: recordingId,
        projectId,
        roomSessionId: sessionId,
        startedAt: t + 3,
      }),
    );
    assert.ok(
      await server.store.finishRecording(projectId, recordingId, {
        finishedAt: t + 4000,
        sizeInBytes: 10,
        format: 'video/mp4',
        storageKey: null,
      }),
    );
    await server.store.applySessionWrites([{ kind: 'end', projectId, sessionId, at: t + 5000 }]);
    const rows = await eventsAfter(from);
    assert.deepEqual(types(rows), [
      'session.started',
      'member.joined',
      'member.updated',
      'recording.started',
      'recording.completed',
      'member.left',
      'session.ended',
    ]);
    assert.ok(rows.every((row) => row.ordering_key === sessionId));
    const session = await server.api(`/api/video/room_sessions/${sessionId}/members`);
    assert.equal(session.status, 200);
    assert.deepEqual(objectOf(rows[5]!), session.body.data[0], 'member.left: as listed');
    assert.deepEqual(JSON.parse(rows[2]!.detail!), { audio_muted: true });
    const ended = objectOf(rows[6]!);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.id, sessionId);
    const recording = await server.api(`/api/video/room_recordings/${recordingId}`);
    assert.deepEqual(objectOf(rows[4]!), { ...recording.body, uri: null });
  });

  it('writes nothing of a batch of live writes that fails', async () => {
    const projectId = server.project.id;
    const name = `conflict-${randomUUID().slice(0, 8)}`;
    const live = { projectId, name, startTime: Date.now(), nodeId: 'node-a' };
    await server.store.applySessionWrites([
      { kind: 'start', session: { ...live, id: randomUUID() } },
    ]);
    const from = await mark();
    const sessionId = randomUUID();
    await assert.rejects(
      server.store.applySessionWrites([
        {
          kind: 'member',
          member: {
            id: randomUUID(),
            projectId,
            roomSessionId: sessionId,
            name: null,
            joinTime: Date.now(),
          },
        },
        { kind: 'start', session: { ...live, id: sessionId, nodeId: 'node-b' } },
      ]),
      LiveSessionConflictError,
    );
    assert.deepEqual(types(await eventsAfter(from)), []);
  });

  it('tells of a conference token reset and a stream running, and keeps projects apart', async () => {
    const other = await server.newProject();
    const from = await mark();
    const otherFrom = await mark(other.id);
    const room = await server.api('/api/video/rooms', {
      method: 'POST',
      body: { name: `streamed-${randomUUID().slice(0, 8)}` },
    });
    const stream = await server.api(`/api/video/rooms/${room.body.id}/streams`, {
      method: 'POST',
      body: { url: 'rtmp://example.com/live/key' },
    });
    assert.equal(stream.status, 201, JSON.stringify(stream.body));
    const streamId = stream.body.id as string;
    await server.store.setStreamRunning(server.project.id, streamId, {
      width: 1280,
      height: 720,
      fps: 30,
    });
    await server.store.setStreamRunning(server.project.id, streamId, null, 'connection refused');
    // Another project's id does not reach this stream: no event.
    await server.store.setStreamRunning(other.id, streamId, null);
    const rows = await eventsAfter(from);
    assert.deepEqual(types(rows), ['room.created', 'stream.started', 'stream.failed']);
    assert.equal(objectOf(rows[1]!).width, 1280);
    assert.deepEqual(JSON.parse(rows[2]!.detail!), { reason: 'connection refused' });
    assert.deepEqual(types(await eventsAfter(otherFrom, other.id)), []);
  });
});
