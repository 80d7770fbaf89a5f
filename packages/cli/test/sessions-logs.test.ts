import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RoomRecording, RoomSession, RoomSessionEvent, VideoLog } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });
const MISSING = '00000000-0000-4000-8000-000000000000';
const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 15, 9);

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}
const jsonl = <T>(text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => json<T>(line));

const sessions: string[] = [];
let roomId: string;
let recordingId: string;

/** Sessions, members and a recording written as the live-session engine writes them. */
before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
  const { store, projectId } = server;
  const room = await conclave('rooms', 'create', '--name', 'standup', '--json');
  roomId = json<{ id: string }>(room.stdout).id;
  // Day 0, 1 and 2: one session each; the first ends.
  for (let day = 0; day < 3; day++) {
    const id = randomUUID();
    await store.startRoomSession({
      id,
      projectId,
      roomId,
      name: 'standup',
      startTime: T0 + day * DAY,
    });
    sessions.push(id);
  }
  await store.endRoomSession(projectId, sessions[0]!, T0 + 3_600_000);
  for (const name of ['Ada', 'Grace', 'Linus']) {
    await store.addMember({
      id: randomUUID(),
      projectId,
      roomSessionId: sessions[2]!,
      name,
      joinTime: T0 + 2 * DAY + 60_000,
    });
  }
  recordingId = randomUUID();
  await store.startRecording({
    id: recordingId,
    projectId,
    roomSessionId: sessions[2]!,
    startedAt: T0 + 2 * DAY + 120_000,
  });
  // A deleted room's session: its log is discarded.
  const doomed = json<{ id: string }>(
    (await conclave('rooms', 'create', '--name', 'retro', '--json')).stdout,
  ).id;
  await store.startRoomSession({
    id: randomUUID(),
    projectId,
    roomId: doomed,
    name: 'retro',
    startTime: T0 + 5 * DAY,
  });
  assert.equal((await conclave('rooms', 'delete', doomed)).code, 0);
});
after(() => server.close());

describe('conclave room-sessions', () => {
  it('list prints a table; filters, --json, --jsonl, --page-size and --all', async () => {
    const table = await conclave('room-sessions', 'list', '--room-name', 'standup');
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID +NAME +ROOM ID +STATUS +STARTED +ENDED +DURATION$/);
    assert.equal(rows.length, 3);
    assert.match(table.stdout, new RegExp(`^${sessions[0]} +standup +${roomId} +completed `, 'm'));

    const completed = await conclave('room-sessions', 'list', '--status', 'completed', '--json');
    assert.deepEqual(
      json<RoomSession[]>(completed.stdout).map((s) => s.id),
      [sessions[0]],
    );
    const byId = await conclave('room-sessions', 'list', '--room-id', roomId, '--jsonl');
    assert.deepEqual(
      jsonl<RoomSession>(byId.stdout)
        .map((s) => s.id)
        .sort(),
      [...sessions].sort(),
    );

    const paged = await conclave(
      'room-sessions',
      'list',
      '--room-name-matches',
      'stand',
      '--page-size',
      '2',
    );
    assert.equal(paged.stdout.trimEnd().split('\n').length, 3);
    assert.match(paged.stderr, /More sessions: add --all, or --page-token \S+ for the next page\./);
    const all = await conclave(
      'room-sessions',
      'list',
      '--room-name-matches',
      'stand',
      '--page-size',
      '1',
      '--all',
      '--jsonl',
    );
    assert.equal(all.code, 0, all.stderr);
    assert.equal(jsonl<RoomSession>(all.stdout).length, 3);
  });

  it('get, members, events and recordings of a session', async () => {
    const get = await conclave('room-sessions', 'get', sessions[2]!);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, new RegExp(`^id +${sessions[2]}$`, 'm'));
    assert.match(get.stdout, /^status +in-progress$/m);
    assert.equal(
      json<RoomSession>((await conclave('room-sessions', 'get', sessions[0]!, '--json')).stdout)
        .status,
      'completed',
    );

    const members = await conclave('room-sessions', 'members', sessions[2]!);
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /^ID +NAME +JOINED +LEFT +DURATION$/m);
    for (const name of ['Ada', 'Grace', 'Linus'])
      assert.match(members.stdout, new RegExp(` ${name} `));
    const allMembers = await conclave(
      'room-sessions',
      'members',
      sessions[2]!,
      '--page-size',
      '1',
      '--all',
      '--json',
    );
    assert.equal(json<unknown[]>(allMembers.stdout).length, 3);

    const events = await conclave('room-sessions', 'events', sessions[0]!);
    assert.match(events.stdout, /^TIME +LEVEL +NAME +PAYLOAD$/m);
    assert.match(events.stdout, / info +session\.started +\{\}$/m);
    assert.match(events.stdout, / info +session\.ended +\{"duration":3600\}$/m);

    const recordings = await conclave(
      'room-sessions',
      'recordings',
      sessions[2]!,
      '--media-ttl',
      '60',
      '--json',
    );
    assert.equal(recordings.code, 0, recordings.stderr);
    assert.deepEqual(
      json<RoomRecording[]>(recordings.stdout).map((r) => r.id),
      [recordingId],
    );
    const none = await conclave('room-sessions', 'recordings', sessions[1]!);
    assert.equal(none.stdout, 'No recordings.\n');
  });

  it('1 for a missing session, 2 for a bad flag', async () => {
    const gone = await conclave('room-sessions', 'get', MISSING);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);
    assert.equal((await conclave('room-sessions', 'members', MISSING)).code, 1);
    const cases: [string[], RegExp][] = [
      [
        ['room-sessions', 'list', '--status', 'paused'],
        /Allowed choices are in-progress, completed/,
      ],
      [['room-sessions', 'list', '--page-size', '0'], /from 1 to 1000/],
      [['room-sessions', 'get'], /missing required argument 'id'/],
      [['room-sessions', 'recordings', MISSING, '--media-ttl', 'soon'], /whole number/],
      [['room-sessions', 'list', '--json', '--jsonl'], /cannot go together/],
    ];
    const results = await Promise.all(cases.map(([args]) => conclave(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr + r.stdout, message, args.join(' '));
    }
  });

  it('--help shows examples', async () => {
    for (const verb of ['list', 'get', 'members', 'events', 'recordings']) {
      const r = await conclave('room-sessions', verb, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Examples:\\n {2}\\$ conclave room-sessions ${verb}`));
    }
    const group = await conclave('--help');
    assert.match(group.stdout, /room-sessions[\s\S]*room-recordings[\s\S]*logs/);
  });
});

describe('conclave room-recordings', () => {
  it('list, get and events', async () => {
    const table = await conclave('room-recordings', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +SESSION +STATUS +STARTED +FINISHED +DURATION +SIZE +FORMAT$/m);
    assert.match(table.stdout, new RegExp(`^${recordingId} +${sessions[2]} +recording `, 'm'));
    const lines = await conclave(
      'room-recordings',
      'list',
      '--media-ttl',
      '3600',
      '--all',
      '--jsonl',
    );
    assert.deepEqual(
      jsonl<RoomRecording>(lines.stdout).map((r) => r.id),
      [recordingId],
    );

    const get = await conclave(
      'room-recordings',
      'get',
      recordingId,
      '--media-ttl',
      '60',
      '--json',
    );
    assert.equal(get.code, 0, get.stderr);
    assert.equal(json<RoomRecording>(get.stdout).room_session_id, sessions[2]);
    assert.match(
      (await conclave('room-recordings', 'get', recordingId)).stdout,
      /^status +recording$/m,
    );

    const events = await conclave('room-recordings', 'events', recordingId, '--json');
    assert.equal(events.code, 0, events.stderr);
    assert.ok(
      json<RoomSessionEvent[]>(events.stdout).every((e) => e.room_session_id === sessions[2]),
    );
  });

  it('1 for a refused --media-ttl, then delete, and 1 once gone', async () => {
    const refused = await conclave('room-recordings', 'get', recordingId, '--media-ttl', '999999');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(422\)/);
    const deleted = await conclave('room-recordings', 'delete', recordingId);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted recording ${recordingId}\n`);
    const gone = await conclave('room-recordings', 'get', recordingId);
    assert.equal(gone.code, 1);
    assert.equal((await conclave('room-recordings', 'delete', recordingId)).code, 1);
    assert.equal((await conclave('room-recordings', 'list')).stdout, 'No recordings.\n');
  });

  it('--help shows examples', async () => {
    for (const verb of ['list', 'get', 'delete', 'events']) {
      const r = await conclave('room-recordings', verb, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Examples:\\n {2}\\$ conclave room-recordings ${verb}`));
    }
  });
});

describe('conclave logs', () => {
  it('list prints a table; --include-deleted adds the discarded log', async () => {
    const table = await conclave('logs', 'list');
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID +TYPE +ROOM +STATUS +STARTED +ENDED +CREATED$/);
    assert.equal(rows.length, 3);
    assert.match(
      table.stdout,
      / video_room_session +standup +completed +2030-01-15T09:00:00Z +2030-01-15T10:00:00Z /,
    );

    const all = await conclave(
      'logs',
      'list',
      '--include-deleted',
      '--page-size',
      '1',
      '--all',
      '--jsonl',
    );
    assert.equal(all.code, 0, all.stderr);
    const logs = jsonl<VideoLog>(all.stdout);
    assert.equal(logs.length, 4);
    assert.equal(logs.filter((l) => 'discarded_at' in l).length, 1);
    const withDeleted = await conclave('logs', 'list', '--include-deleted');
    assert.match(withDeleted.stdout, /^\S+ +- +- +discarded +- +- +2030-01-20T09:00:00Z$/m);
  });

  it('filters by creation date', async () => {
    const ids = async (...flags: string[]) => {
      const r = await conclave('logs', 'list', ...flags, '--json');
      assert.equal(r.code, 0, r.stderr);
      return json<VideoLog[]>(r.stdout).map((l) => ('url' in l ? l.url.split('/').pop() : l.id));
    };
    assert.deepEqual(await ids('--created-on', '2030-01-16'), [sessions[1]]);
    assert.deepEqual(await ids('--created-before', '2030-01-16'), [sessions[0]]);
    assert.deepEqual(await ids('--created-after', '2030-01-16T09:00:00Z'), [sessions[2]]);
    assert.deepEqual(
      await ids('--created-after', '2030-01-15T10:00:00Z', '--created-before', '2030-01-17'),
      [sessions[1]],
    );
  });

  it('get shows a log, a discarded one as id and dates; 1 for a missing one or a bad date', async () => {
    const { stdout } = await conclave('logs', 'list', '--include-deleted', '--json');
    const logs = json<VideoLog[]>(stdout);
    const live = logs.find((l) => !('discarded_at' in l))!;
    const get = await conclave('logs', 'get', live.id);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, new RegExp(`^id +${live.id}$`, 'm'));
    assert.match(get.stdout, /^source +realtime_api$/m);
    const discarded = logs.find((l) => 'discarded_at' in l)!;
    const shown = await conclave('logs', 'get', discarded.id, '--json');
    assert.deepEqual(json<VideoLog>(shown.stdout), discarded);

    const gone = await conclave('logs', 'get', MISSING);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);
    const bad = await conclave('logs', 'list', '--created-on', 'yesterday');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\(422\)/);
  });

  it('--help shows examples', async () => {
    for (const verb of ['list', 'get']) {
      const r = await conclave('logs', verb, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Examples:\\n {2}\\$ conclave logs ${verb}`));
    }
    const list = await conclave('logs', 'list', '--help');
    assert.match(
      list.stdout,
      /--include-deleted[\s\S]*--created-before[\s\S]*--created-on[\s\S]*--created-after/,
    );
  });
});
