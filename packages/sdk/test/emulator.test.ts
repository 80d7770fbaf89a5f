import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  AdminClient,
  NotFoundError,
  RateLimitError,
  RestClient,
  ServiceUnavailableError,
  UnprocessableEntityError,
  joinRealtime,
} from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let plain: Conclave;
let admin: AdminClient;
let client: RestClient;

before(async () => {
  [server, plain] = await Promise.all([startConclave({ emulator: true }), startConclave()]);
  admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
  client = new RestClient({
    project: server.projectId,
    token: server.apiToken,
    host: server.url,
    maxRetries: 0,
  });
});
after(async () => {
  await Promise.all([server?.close(), plain?.close()]);
});

const fixture = () =>
  readFile(new URL('../examples/fixtures/emulator-fixture.jsonl', import.meta.url), 'utf8');

describe('admin.emulator', () => {
  it('rejects every method with NotFoundError on a server without emulator mode', async () => {
    const off = new AdminClient({ url: plain.url, adminToken: plain.adminToken });
    for (const call of [
      () => off.emulator.addFault({ path: '/**', status: 500 }),
      () => off.emulator.listFaults(),
      () => off.emulator.getFault(crypto.randomUUID()),
      () => off.emulator.deleteFault(crypto.randomUUID()),
      () => off.emulator.clearFaults(),
      () => off.emulator.resetProject(plain.projectId),
      () => off.emulator.loadFixture(plain.projectId, ''),
    ]) {
      await assert.rejects(call(), NotFoundError);
    }
  });

  it('adds, gets, lists, deletes and clears faults', async () => {
    const fault = await admin.emulator.addFault({
      project_id: server.projectId,
      method: 'GET',
      path: '/api/video/rooms',
      status: 500,
      count: 3,
    });
    assert.equal(fault.remaining, 3);
    assert.equal(fault.project_id, server.projectId);
    const global = await admin.emulator.addFault({ path: '/api/video/streams/*', status: 503 });
    assert.deepEqual(
      (await admin.emulator.listFaults({ project_id: server.projectId })).map((f) => f.id),
      [fault.id],
    );
    assert.equal((await admin.emulator.listFaults()).length, 2);
    await admin.emulator.deleteFault(global.id);
    await assert.rejects(admin.emulator.deleteFault(global.id), NotFoundError);
    await assert.rejects(admin.emulator.getFault(global.id), NotFoundError);
    await assert.rejects(
      admin.emulator.addFault({ path: '/api/video/rooms' }),
      UnprocessableEntityError,
    );
    await admin.emulator.clearFaults({ project_id: server.projectId });
    assert.deepEqual(await admin.emulator.listFaults(), []);
  });

  it('resets a project and loads a fixture; the API token keeps working', async () => {
    await client.video.conferences.create({ name: 'scratch', display_name: 'Scratch' });
    const reset = await admin.emulator.resetProject(server.projectId);
    assert.ok((reset.removed.conferences ?? 0) >= 1);
    assert.equal((await client.video.conferences.list()).data.length, 0);
    const loaded = await admin.emulator.loadFixture(server.projectId, await fixture());
    assert.deepEqual(loaded.loaded, { conferences: 2, conference_tokens: 4, rooms: 1 });
    assert.equal(loaded.reset, null);
    assert.equal((await client.video.rooms.get('lobby')).max_members, 20);
    await assert.rejects(
      admin.emulator.loadFixture(server.projectId, await fixture()),
      UnprocessableEntityError,
    );
    const again = await admin.emulator.loadFixture(server.projectId, await fixture(), {
      reset: true,
    });
    assert.equal(again.reset?.removed.conferences, 2);
    assert.equal((await client.video.conferences.list()).data.length, 2);
  });
});

describe('admin.emulator.dropMember', () => {
  it('cuts a live member’s connection; the SDK’s realtime session reconnects in its place', async () => {
    const conference = await client.video.conferences.create({ display_name: 'Flaky network' });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    const session = await joinRealtime({ url: server.url, token: tokens[0]!.token, name: 'Ada' });
    try {
      const reconnecting = new Promise<{ code: number }>((resolve) =>
        session.once('reconnecting', resolve),
      );
      const reconnected = new Promise<{ resumed: boolean }>((resolve) =>
        session.once('reconnected', resolve),
      );
      const memberId = session.memberId;
      await admin.emulator.dropMember(server.projectId, session.session.id, memberId);
      assert.equal((await reconnecting).code, 1006);
      assert.equal((await reconnected).resumed, true);
      assert.equal(session.memberId, memberId, 'the same member');
      await assert.rejects(
        admin.emulator.dropMember(server.projectId, session.session.id, crypto.randomUUID()),
        NotFoundError,
      );
    } finally {
      await session.leave();
    }
  });
});

describe("the SDK's retries against scripted 429 and 503", () => {
  const retrying = () =>
    new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
      maxRetries: 2,
    });

  it('retries a GET through two 503s (Retry-After: 0) and gives up after the third', async () => {
    const twice = await admin.emulator.addFault({
      path: '/api/video/conferences',
      status: 503,
      retry_after: 0,
      count: 2,
    });
    const page = await retrying().video.conferences.list();
    assert.ok(Array.isArray(page.data), 'answered after two retries');
    assert.equal((await admin.emulator.getFault(twice.id)).applied, 2);

    const thrice = await admin.emulator.addFault({
      path: '/api/video/conferences',
      status: 503,
      retry_after: 0,
      count: 3,
    });
    await assert.rejects(retrying().video.conferences.list(), ServiceUnavailableError);
    assert.equal((await admin.emulator.getFault(thrice.id)).applied, 3, 'one try, two retries');
    await admin.emulator.clearFaults();
  });

  it('retries a POST on 429 (the server did nothing) but never on 503', async () => {
    const limited = await admin.emulator.addFault({
      method: 'POST',
      path: '/api/video/rooms',
      status: 429,
      retry_after: 0,
      count: 1,
    });
    const room = await retrying().video.rooms.create({ name: `retried-${Date.now()}` });
    assert.ok(room.id);
    assert.equal((await admin.emulator.getFault(limited.id)).applied, 1);

    const unavailable = await admin.emulator.addFault({
      method: 'POST',
      path: '/api/video/rooms',
      status: 503,
      count: 5,
    });
    await assert.rejects(
      retrying().video.rooms.create({ name: `never-${Date.now()}` }),
      ServiceUnavailableError,
    );
    assert.equal((await admin.emulator.getFault(unavailable.id)).applied, 1, 'not retried');

    await admin.emulator.clearFaults();
    await admin.emulator.addFault({ path: '/api/video/rooms', status: 429, count: 1 });
    const error = await client.video.rooms.list().then(
      () => assert.fail('expected a 429'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.headers?.get('retry-after'), '1');
    await admin.emulator.clearFaults();
  });
});
