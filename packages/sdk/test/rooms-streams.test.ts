import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AdminClient,
  InternalServerError,
  NotFoundError,
  RestClient,
  ServiceUnavailableError,
  UnprocessableEntityError,
  type Room,
} from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { FaultProxy } from './helpers/fault-proxy.js';

let server: Conclave;
let client: RestClient;
let proxy: FaultProxy;
let proxied: RestClient;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
  proxy = await FaultProxy.start(server.url);
  proxied = new RestClient({ project: server.projectId, token: server.apiToken, host: proxy.url });
});
beforeEach(() => proxy.reset());
after(async () => {
  await proxy.close();
  await server.close();
});

const MISSING = '00000000-0000-4000-8000-000000000000';

/** The claims of a JWT, unverified. */
function claims(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('client.video.rooms', () => {
  it('creates, gets by id and by name, updates and deletes a room', async () => {
    const room = await client.video.rooms.create({
      name: 'sdk-standup',
      max_members: 10,
      join_from: '2030-01-01',
      meta: { team: 'video' },
    });
    assert.equal(room.name, 'sdk-standup');
    assert.equal(room.display_name, 'sdk-standup');
    assert.equal(room.max_members, 10);
    assert.equal(room.quality, '720p');
    assert.equal(room.join_from, '2030-01-01T00:00:00Z');
    assert.deepEqual(room.meta, { team: 'video' });

    assert.deepEqual(await client.video.rooms.get(room.id), room);
    assert.deepEqual(await client.video.rooms.get('sdk-standup'), room);
    const withSession = await client.video.rooms.get(room.id, { include_active_session: true });
    assert.equal(withSession.id, room.id);

    const updated = await client.video.rooms.update(room.id, {
      display_name: 'Standup',
      quality: '1080p',
    });
    assert.equal(updated.display_name, 'Standup');
    assert.equal(updated.quality, '1080p');
    assert.equal(updated.max_members, 10, 'a field left out keeps its value');

    assert.equal(await client.video.rooms.delete(room.id), undefined);
    await assert.rejects(client.video.rooms.get(room.id), NotFoundError);
    await assert.rejects(client.video.rooms.get('sdk-standup'), NotFoundError);
    await assert.rejects(client.video.rooms.delete(room.id), NotFoundError);
  });

  it('throws UnprocessableEntityError with the field list', async () => {
    await client.video.rooms.create({ name: 'sdk-taken' });
    const error = await client.video.rooms.create({ name: 'sdk-taken' }).catch((e: unknown) => e);
    assert.ok(error instanceof UnprocessableEntityError);
    assert.equal(error.status, 422);
    assert.deepEqual(
      error.errors.map((e) => [e.attribute, e.code]),
      [['name', 'not_unique_within_project']],
    );
    const tooMany = await client.video.rooms
      .create({ name: 'sdk-big', max_members: 301 })
      .catch((e: unknown) => e);
    assert.ok(tooMany instanceof UnprocessableEntityError);
    assert.equal(tooMany.errors[0]?.attribute, 'max_members');
    await assert.rejects(client.video.rooms.update(MISSING, { quality: '720p' }), NotFoundError);
  });

  it('pages through rooms with filters, by page and with for await', async () => {
    const made: Room[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await client.video.rooms.create({
          name: `sdk-paged-${i}`,
          join_from: `2031-0${i + 1}-01T00:00:00Z`,
        }),
      );
    }
    const first = await client.video.rooms.list({ starts_after: '2031-01-01', page_size: 2 });
    assert.equal(first.data.length, 2);
    assert.ok(first.hasNextPage());
    const second = await first.getNextPage();
    assert.equal(second.data.length, 2);
    assert.match(second.links.self, /starts_after=2031-01-01/);

    const names: string[] = [];
    for await (const room of client.video.rooms.list({
      starts_after: '2031-01-01',
      page_size: 2,
    })) {
      names.push(room.name);
    }
    assert.deepEqual(names.sort(), made.map((r) => r.name).sort());

    const ended: string[] = [];
    for await (const room of client.video.rooms.list({
      starts_after: '2031-02-01',
      ends_before: '2099-01-01',
      page_size: 1,
    })) {
      ended.push(room.name);
    }
    assert.deepEqual(ended, [], 'rooms without join_until do not end before a time');
    let pages = 0;
    for await (const page of client.video.rooms
      .list({ starts_after: '2031-02-01', page_size: 1 })
      .iterPages()) {
      pages++;
      assert.ok(page.data.length <= 1);
    }
    assert.ok(pages >= 4, `${pages} pages`);
  });

  it('retries a GET on 503, and does not retry a create on 500', async () => {
    await client.video.rooms.create({ name: 'sdk-retry' });
    proxy.inject({ status: 503, headers: { 'retry-after': '0' } });
    const room = await proxied.video.rooms.get('sdk-retry');
    assert.equal(room.name, 'sdk-retry');
    assert.equal(proxy.requests.length, 2);

    proxy.reset();
    proxy.inject({ status: 500 });
    await assert.rejects(proxied.video.rooms.create({ name: 'sdk-retry-2' }), InternalServerError);
    assert.equal(proxy.requests.length, 1);

    proxy.reset();
    proxy.inject({ status: 503, headers: { 'retry-after': '0' } });
    await assert.rejects(
      proxied.video.streams.get(MISSING, { maxRetries: 0 }),
      ServiceUnavailableError,
    );
  });
});

describe('client.video.roomTokens', () => {
  it('creates a signed token carrying the grants', async () => {
    const { token } = await client.video.roomTokens.create({
      room_name: 'sdk-token-room',
      user_name: 'Ada',
      permissions: ['room.self.audio_mute', 'room.self.audio_unmute'],
    });
    const [header] = token.split('.');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')).typ, 'VRT');
    assert.match(JSON.stringify(claims(token)), /room\.self\.audio_unmute/);
    assert.match(JSON.stringify(claims(token)), /sdk-token-room/);

    const error = await client.video.roomTokens
      .create({ room_name: 'sdk-token-room', join_from: '2030-01-02', join_until: '2030-01-01' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof UnprocessableEntityError);
    assert.ok(error.errors.length > 0);
  });
});

describe('streams', () => {
  it('creates and lists room and conference streams; gets, updates and deletes one', async () => {
    const room = await client.video.rooms.create({ name: 'sdk-streamed' });
    const roomStream = await client.video.rooms.createStream(room.id, {
      url: 'rtmp://live.example.com/app/room',
    });
    assert.equal(roomStream.stream_type, 'rtmp');
    assert.equal(roomStream.width, null);
    const { data: roomStreams } = await client.video.rooms.listStreams(room.id);
    assert.deepEqual(roomStreams, [roomStream]);

    const conference = await client.video.conferences.create({ display_name: 'Streamed' });
    const stream = await client.video.conferences.createStream(conference.id, {
      url: 'rtmp://live.example.com/app/conference',
    });
    const listed = [];
    for await (const s of client.video.conferences.listStreams(conference.id, { page_size: 1 })) {
      listed.push(s.id);
    }
    assert.deepEqual(listed, [stream.id]);

    assert.deepEqual(await client.video.streams.get(stream.id), stream);
    const moved = await client.video.streams.update(stream.id, {
      url: 'rtmps://backup.example.com/app/conference',
    });
    assert.equal(moved.stream_type, 'rtmps');
    assert.equal(moved.url, 'rtmps://backup.example.com/app/conference');
    await client.video.streams.delete(stream.id);
    await assert.rejects(client.video.streams.get(stream.id), NotFoundError);
    await assert.rejects(client.video.streams.delete(stream.id), NotFoundError);

    await client.video.rooms.delete(room.id);
    await assert.rejects(client.video.streams.get(roomStream.id), NotFoundError);
  });

  it('pages a room’s streams and refuses the sixth, and a bad url, with a 422', async () => {
    const room = await client.video.rooms.create({ name: 'sdk-stream-limit' });
    for (let i = 0; i < 5; i++) {
      await client.video.rooms.createStream(room.id, { url: `rtmp://live.example.com/app/${i}` });
    }
    const first = await client.video.rooms.listStreams(room.id, { page_size: 2 });
    assert.equal(first.data.length, 2);
    const all = [];
    for await (const s of client.video.rooms.listStreams(room.id, { page_size: 2 })) all.push(s);
    assert.equal(all.length, 5);

    const limit = await client.video.rooms
      .createStream(room.id, { url: 'rtmp://live.example.com/app/6' })
      .catch((e: unknown) => e);
    assert.ok(limit instanceof UnprocessableEntityError);
    assert.equal(limit.errors[0]?.code, 'exceeds_platform_stream_limit');

    const bad = await client.video.conferences
      .createStream(MISSING, { url: 'http://example.com/x' })
      .catch((e: unknown) => e);
    assert.ok(bad instanceof UnprocessableEntityError);
    assert.equal(bad.errors[0]?.attribute, 'url');
    await assert.rejects(
      client.video.conferences.createStream(MISSING, { url: 'rtmp://live.example.com/x' }),
      NotFoundError,
    );
    await assert.rejects(client.video.rooms.listStreams(MISSING), NotFoundError);
  });
});

describe('AdminClient.rotateRoomTokenSecret', () => {
  it('rotates the signing key; the next rotation retires it', async () => {
    const admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
    const first = await admin.rotateRoomTokenSecret(server.projectId);
    assert.equal(typeof first.kid, 'string');
    const second = await admin.rotateRoomTokenSecret(server.projectId);
    assert.notEqual(second.kid, first.kid);
    assert.equal(second.retired?.kid, first.kid);
    const { token } = await client.video.roomTokens.create({ room_name: 'sdk-after-rotation' });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as {
      kid?: string;
    };
    assert.equal(header.kid, second.kid);
    await assert.rejects(admin.rotateRoomTokenSecret(MISSING), NotFoundError);
  });
});
