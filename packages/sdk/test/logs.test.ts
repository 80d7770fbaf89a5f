import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, RestClient, UnprocessableEntityError, type VideoLog } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;
const MISSING = '00000000-0000-4000-8000-000000000000';
const DAY = 86_400_000;
const T0 = Date.UTC(2031, 5, 1, 9);

/** A session started as the live-session engine starts one; its log is written with it. */
async function session(roomId: string, name: string, at: number) {
  const id = randomUUID();
  await server.store.startRoomSession({
    id,
    projectId: server.projectId,
    roomId,
    name,
    startTime: at,
  });
  return id;
}

const sessionOf = (log: VideoLog) => ('url' in log ? log.url.split('/').pop() : undefined);

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

describe('client.video.logs (a Conclave extension)', () => {
  const sessions: string[] = [];

  before(async () => {
    const roomId = (await client.video.rooms.create({ name: 'sdk-logs' })).id;
    // Day 0, day 1 and day 2, one session each; the first one ends.
    for (let day = 0; day < 3; day++)
      sessions.push(await session(roomId, 'sdk-logs', T0 + day * DAY));
    await server.store.endRoomSession(server.projectId, sessions[0]!, T0 + 3_600_000);
    const doomed = (await client.video.rooms.create({ name: 'sdk-logs-doomed' })).id;
    await session(doomed, 'sdk-logs-doomed', T0 + 4 * DAY);
    await client.video.rooms.delete(doomed);
  });

  it('lists the logs of the sessions, page by page and with for await', async () => {
    const first = await client.video.logs.list({ page_size: 2 });
    assert.equal(first.data.length, 2);
    assert.ok(first.hasNextPage());
    const all: VideoLog[] = [];
    for await (const log of client.video.logs.list({ page_size: 1 })) all.push(log);
    assert.deepEqual(
      all.map(sessionOf).sort(),
      [...sessions].sort(),
      'discarded logs are left out',
    );
    const ended = all.find((log) => sessionOf(log) === sessions[0]);
    assert.ok(ended && 'status' in ended);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.type, 'video_room_session');
    assert.equal(ended.room_name, 'sdk-logs');
    assert.equal(ended.started_at, new Date(T0).toISOString().replace('.000Z', 'Z'));
    const open = all.filter((log) => 'status' in log && log.status === 'in-progress');
    assert.equal(open.length, 2);
  });

  it('filters by creation date and includes discarded logs on request', async () => {
    const day1 = new Date(T0 + DAY).toISOString().slice(0, 10);
    const { data: on } = await client.video.logs.list({ created_on: day1 });
    assert.deepEqual(on.map(sessionOf), [sessions[1]]);
    const { data: before } = await client.video.logs.list({ created_before: day1 });
    assert.deepEqual(before.map(sessionOf), [sessions[0]]);
    const { data: afterDay1 } = await client.video.logs.list({
      created_after: new Date(T0 + DAY).toISOString(),
    });
    assert.deepEqual(afterDay1.map(sessionOf), [sessions[2]]);

    const withDeleted: VideoLog[] = [];
    for await (const log of client.video.logs.list({ include_deleted: true, page_size: 2 })) {
      withDeleted.push(log);
    }
    assert.equal(withDeleted.length, 4);
    const discarded = withDeleted.filter((log) => 'discarded_at' in log);
    assert.equal(discarded.length, 1);
    assert.equal(Object.keys(discarded[0]!).sort().join(), 'created_at,discarded_at,id');

    const bad = await client.video.logs.list({ created_on: 'yesterday' }).catch((e: unknown) => e);
    assert.ok(bad instanceof UnprocessableEntityError, String(bad));
  });

  it('gets a log, a discarded one in its discarded shape', async () => {
    const { data } = await client.video.logs.list({ include_deleted: true });
    for (const log of data) assert.deepEqual(await client.video.logs.get(log.id), log);
    await assert.rejects(client.video.logs.get(MISSING), NotFoundError);
  });
});
