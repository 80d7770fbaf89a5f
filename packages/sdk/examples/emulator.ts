// A test suite for an app that calls SignalWire's Video REST API, run against Conclave started
// with CONCLAVE_EMULATOR=1. The app's client takes SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN
// and SIGNALWIRE_SPACE; the emulator's client CONCLAVE_URL and CONCLAVE_ADMIN_TOKEN.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, beforeEach, describe, it } from 'node:test';
import {
  AdminClient,
  ApiConnectionError,
  ApiTimeoutError,
  RealtimeClosedError,
  RestClient,
  ServiceUnavailableError,
  joinRealtime,
} from '@conclave/sdk';

const admin = new AdminClient();
const project = process.env.SIGNALWIRE_PROJECT_ID!;
// No retries here, so each scripted fault shows; the retrying client is below.
const client = new RestClient({ maxRetries: 0 });
// Conferences and rooms, as `conclave export` writes them.
const fixture = await readFile(new URL('fixtures/emulator-fixture.jsonl', import.meta.url), 'utf8');

beforeEach(async () => {
  // Every test starts from the same data: the fixture's conferences and room, nothing else
  // (the project's API tokens stay, so the clients above keep working), on the wall clock.
  await admin.emulator.loadFixture(project, fixture, { reset: true });
});
after(() => admin.emulator.resetProject(project));

describe('my SignalWire integration', () => {
  it('sees the seeded conferences', async () => {
    const { data } = await client.video.conferences.list();
    assert.deepEqual(data.map((c) => c.name).sort(), ['daily-standup', 'retro']);
  });

  it('reports SignalWire being unavailable', async () => {
    await admin.emulator.addFault({
      project_id: project,
      method: 'GET',
      path: '/api/video/conferences',
      status: 503,
      count: 1,
    });
    await assert.rejects(client.video.conferences.list(), ServiceUnavailableError);
    assert.equal((await client.video.conferences.list()).data.length, 2); // once only
  });

  it('retries a rate-limited create, after the Retry-After the server asked for', async () => {
    const retrying = new RestClient({ maxRetries: 2 });
    const fault = await admin.emulator.addFault({
      project_id: project,
      method: 'POST',
      path: '/api/video/conferences',
      status: 429,
      retry_after: 1,
      count: 1,
    });
    const started = Date.now();
    const created = await retrying.video.conferences.create({ display_name: 'Planning' });
    assert.ok(Date.now() - started >= 1000);
    assert.equal((await admin.emulator.getFault(fault.id)).applied, 1);
    assert.equal((await client.video.conferences.get(created.id)).display_name, 'Planning');
  });

  it('gives up on a slow answer, and on a dropped connection', async () => {
    await admin.emulator.addFault({
      project_id: project,
      path: '/api/video/rooms/*',
      latency_ms: 500,
      count: 1,
    });
    await admin.emulator.addFault({
      project_id: project,
      path: '/api/video/conferences',
      drop: true,
      count: 1,
    });
    await assert.rejects(client.video.rooms.get('lobby', {}, { timeout: 200 }), ApiTimeoutError);
    await assert.rejects(client.video.conferences.list(), ApiConnectionError);
    const faults = await admin.emulator.listFaults({ project_id: project });
    assert.deepEqual(
      faults.map((f) => f.remaining),
      [0, 0],
    );
    await admin.emulator.clearFaults({ project_id: project });
  });

  it('keeps a participant through a network drop', async () => {
    const { data: tokens } = await client.video.conferences.listConferenceTokens(
      (await client.video.conferences.list()).data[0]!.id,
    );
    const ada = await joinRealtime({ url: admin.baseUrl, token: tokens[0]!.token, name: 'Ada' });
    const back = new Promise((resolve) => ada.once('reconnected', resolve));
    await admin.emulator.dropMember(project, ada.session.id, ada.memberId);
    assert.deepEqual(await back, { attempt: 1, resumed: true });
    await ada.leave();
  });

  it('meets simulated members, and hears them late on a slow network', async () => {
    const standup = (await client.video.conferences.list()).data[0]!;
    // Two members without a browser, each showing a test pattern with its name and playing a
    // tone (media: true), admitted by the same rules as people.
    const { joined } = await admin.emulator.simulateMembers(project, {
      conference_id: standup.id,
      count: 2,
      name: 'Bot',
      media: true,
    });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(standup.id);
    const ada = await joinRealtime({ url: admin.baseUrl, token: tokens[0]!.token, name: 'Ada' });
    const names = [...ada.members.values()].map((m) => m.name);
    assert.deepEqual(names.sort(), ['Ada', 'Bot 1', 'Bot 2']);
    // Ada's network turns slow: the next 3 frames she is sent arrive 500 ms late.
    await admin.emulator.addFault({
      project_id: project,
      target: 'frames',
      path: `/room_sessions/${ada.session.id}/members/${ada.memberId}`,
      latency_ms: 500,
      count: 3,
    });
    const heard = new Promise((resolve) => ada.once('member.talking', resolve));
    const spoke = Date.now();
    await admin.emulator.simulatedMemberAction(project, joined[0]!.id, 'talk');
    await heard;
    assert.ok(Date.now() - spoke >= 500);
    await ada.leave();
  });

  it('admits no one before the conference opens, then everyone, without waiting', async () => {
    // The project's clock stands still at 8:59; the standup opens at 9:00.
    await admin.emulator.setClock(project, { time: '2030-01-07T08:59:00Z', frozen: true });
    const standup = await client.video.conferences.create({
      display_name: 'Standup',
      join_from: '2030-01-07T09:00:00Z',
    });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(standup.id);
    const join = () => joinRealtime({ url: admin.baseUrl, token: tokens[0]!.token, name: 'Ada' });
    await assert.rejects(
      join(),
      (error: RealtimeClosedError) => error.refusal?.joinFrom === '2030-01-07T09:00:00Z',
    );
    await admin.emulator.advanceClock(project, { seconds: 60 });
    const ada = await join();
    assert.equal(ada.session.start_time, '2030-01-07T09:00:00Z');
    await ada.leave();
  });
});
