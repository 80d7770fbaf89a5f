import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, RestClient, UnprocessableEntityError } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;
const MISSING = '00000000-0000-4000-8000-000000000000';
const T0 = Date.UTC(2030, 0, 1, 9);

/** Sessions, members, events and recordings written as the live-session engine writes them. */
async function session(roomId: string, name: string, minute: number) {
  const id = randomUUID();
  const { store, projectId } = server;
  await store.startRoomSession({ id, projectId, roomId, name, startTime: T0 + minute * 60_000 });
  return id;
}

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

describe('client.video.roomSessions and roomRecordings', () => {
  let roomId: string;
  const sessions: string[] = [];
  let recordingId: string;

  before(async () => {
    roomId = (await client.video.rooms.create({ name: 'sdk-sessions' })).id;
    for (let i = 0; i < 3; i++) sessions.push(await session(roomId, 'sdk-sessions', i));
    const other = (await client.video.rooms.create({ name: 'sdk-other' })).id;
    await session(other, 'sdk-other', 10);
    const { store, projectId } = server;
    await store.endRoomSession(projectId, sessions[0]!, T0 + 30 * 60_000);
    for (let i = 0; i < 3; i++) {
      await store.addMember({
        id: randomUUID(),
        projectId,
        roomSessionId: sessions[2]!,
        name: `member-${i}`,
        joinTime: T0 + (3 + i) * 60_000,
      });
    }
    recordingId = randomUUID();
    assert.ok(
      await store.startRecording({
        id: recordingId,
        projectId,
        roomSessionId: sessions[2]!,
        startedAt: T0 + 5 * 60_000,
      }),
    );
  });

  it('lists sessions with filters, page by page and with for await', async () => {
    const first = await client.video.roomSessions.list({ room_id: roomId, page_size: 2 });
    assert.equal(first.data.length, 2);
    assert.ok(first.hasNextPage());
    const ids: string[] = [];
    for await (const s of client.video.roomSessions.list({ room_id: roomId, page_size: 1 })) {
      ids.push(s.id);
    }
    assert.deepEqual([...ids].sort(), [...sessions].sort());

    const matching = [];
    for await (const s of client.video.roomSessions.list({
      room_name_matches: 'sdk-',
      page_size: 2,
    })) {
      matching.push(s.name);
    }
    assert.equal(matching.length, 4);
    const { data: completed } = await client.video.roomSessions.list({ status: 'completed' });
    assert.deepEqual(
      completed.map((s) => s.id),
      [sessions[0]],
    );
    const { data: byName } = await client.video.roomSessions.list({ room_name: 'sdk-other' });
    assert.equal(byName.length, 1);
  });

  it('gets a session (the summary shape), its members, events and recordings', async () => {
    const summary = await client.video.roomSessions.get(sessions[2]!);
    assert.equal(summary.id, sessions[2]);
    assert.equal(summary.room_id, roomId);
    assert.equal('cost_in_dollars' in summary, false, 'the summary omits list-only fields');

    const members = [];
    for await (const m of client.video.roomSessions.listMembers(sessions[2]!, { page_size: 2 })) {
      members.push(m.name);
    }
    assert.deepEqual([...members].sort(), ['member-0', 'member-1', 'member-2']);

    const { data: events } = await client.video.roomSessions.listEvents(sessions[2]!);
    assert.ok(events.some((e) => e.name === 'session.started'));

    const { data: recordings } = await client.video.roomSessions.listRecordings(sessions[2]!);
    assert.deepEqual(
      recordings.map((r) => r.id),
      [recordingId],
    );
    await assert.rejects(client.video.roomSessions.get(MISSING), NotFoundError);
    await assert.rejects(client.video.roomSessions.listMembers(MISSING), NotFoundError);
  });

  it('lists, gets, lists the events of and deletes a recording', async () => {
    const page = await client.video.roomRecordings.list({ media_ttl: 60 });
    assert.deepEqual(
      page.data.map((r) => r.id),
      [recordingId],
    );
    const recording = await client.video.roomRecordings.get(recordingId, { media_ttl: 60 });
    assert.equal(recording.room_session_id, sessions[2]);
    assert.equal(recording.status, 'recording');

    const { data: events } = await client.video.roomRecordings.listEvents(recordingId);
    assert.ok(events.every((e) => e.room_session_id === sessions[2]));

    const bad = await client.video.roomRecordings
      .get(recordingId, { media_ttl: -1 })
      .catch((e: unknown) => e);
    assert.ok(bad instanceof UnprocessableEntityError);

    await client.video.roomRecordings.delete(recordingId);
    await assert.rejects(client.video.roomRecordings.get(recordingId), NotFoundError);
    await assert.rejects(client.video.roomRecordings.delete(recordingId), NotFoundError);
    await assert.rejects(client.video.roomRecordings.listEvents(recordingId), NotFoundError);
  });
});
