import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, type Room, type RoomTokenResponse, type Stream } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
let client: RestClient;
const conclave = (...args: string[]) => runCli(args, { env });

before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('conclave rooms', () => {
  let id: string;

  it('create --json prints the room, with typed fields from flags', async () => {
    const r = await conclave(
      'rooms',
      'create',
      '--name',
      'standup',
      '--display-name',
      'Standup',
      '--max-members',
      '10',
      '--record-on-start',
      'true',
      '--join-from',
      '2030-01-01',
      '--meta',
      '{"team":"video"}',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const room = json<Room>(r.stdout);
    assert.equal(room.name, 'standup');
    assert.equal(room.max_members, 10);
    assert.equal(room.record_on_start, true);
    assert.equal(room.join_from, '2030-01-01T00:00:00Z');
    assert.deepEqual(room.meta, { team: 'video' });
    id = room.id;
  });

  it('get shows a room by id or by name, as `key  value` lines or JSON', async () => {
    const byName = await conclave('rooms', 'get', 'standup');
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stdout, new RegExp(`^id +${id}$`, 'm'));
    assert.match(byName.stdout, /^max_members +10$/m);
    const byId = await conclave('rooms', 'get', id, '--active', '--json');
    assert.equal(json<Room>(byId.stdout).name, 'standup');
  });

  it('update changes what is given and keeps the rest', async () => {
    const r = await conclave('rooms', 'update', id, '--quality', '1080p', '--json');
    assert.equal(r.code, 0, r.stderr);
    const room = json<Room>(r.stdout);
    assert.equal(room.quality, '1080p');
    assert.equal(room.max_members, 10);
    assert.equal(room.display_name, 'Standup');
  });

  it('list prints an aligned table; --json, --jsonl and --all', async () => {
    for (let i = 1; i <= 4; i++) {
      await client.video.rooms.create({ name: `planning-${i}`, join_from: `2031-01-0${i}` });
    }
    const table = await conclave('rooms', 'list', '--starts-after', '2031-01-01');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +NAME +DISPLAY NAME +MAX +JOIN FROM +JOIN UNTIL +CREATED$/);
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, /planning-4 +planning-4 +20 +2031-01-04T00:00:00Z/);

    const one = await conclave('rooms', 'list', '--page-size', '2');
    assert.match(one.stderr, /^More rooms: add --all, or --page-token \S+ for the next page\.$/m);

    const all = await conclave('rooms', 'list', '--all', '--page-size', '2', '--json');
    assert.equal(all.code, 0, all.stderr);
    assert.equal(json<Room[]>(all.stdout).length, 5);
    assert.equal(all.stderr, '');

    const jsonl = await conclave('rooms', 'list', '--starts-after', '2031-01-03', '--jsonl');
    assert.deepEqual(
      jsonl.stdout
        .trimEnd()
        .split('\n')
        .map((l) => json<Room>(l).name),
      ['planning-4', 'planning-3'],
    );
    const active = await conclave('rooms', 'list', '--active', '--page-size', '1');
    assert.match(active.stdout, /CREATED +SESSION\n/);
  });

  it('streams and create-stream: a room’s streams', async () => {
    const made = await conclave(
      'rooms',
      'create-stream',
      id,
      '--stream-url',
      'rtmp://live.example.com/app/standup',
      '--json',
    );
    assert.equal(made.code, 0, made.stderr);
    const stream = json<Stream>(made.stdout);
    assert.equal(stream.stream_type, 'rtmp');
    assert.equal(stream.url, 'rtmp://live.example.com/app/standup');

    const table = await conclave('rooms', 'streams', id);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +TYPE +URL +CREATED$/m);
    assert.match(
      table.stdout,
      new RegExp(`^${stream.id} +rtmp +rtmp://live\\.example\\.com/`, 'm'),
    );
    const listed = await conclave('rooms', 'streams', id, '--json');
    assert.deepEqual(json<Stream[]>(listed.stdout), [stream]);
  });

  it('delete removes rooms', async () => {
    const r = await conclave('rooms', 'delete', id);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Deleted room ${id}\n`);
    const gone = await conclave('rooms', 'get', 'standup');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404 Not Found/);
  });
});

describe('conclave conferences streams / create-stream and conclave streams', () => {
  it('creates, lists, shows, changes and deletes a conference stream', async () => {
    const conference = await client.video.conferences.create({ display_name: 'Launch' });
    const made = await conclave(
      'conferences',
      'create-stream',
      conference.id,
      '--stream-url',
      'rtmps://live.example.com/app/launch',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^stream_type +rtmps$/m);
    const streamId = /^id +(\S+)$/m.exec(made.stdout)![1]!;

    const listed = await conclave('conferences', 'streams', conference.id, '--jsonl');
    assert.equal(json<Stream>(listed.stdout.trim()).id, streamId);

    const got = await conclave('streams', 'get', streamId, '--json');
    assert.equal(json<Stream>(got.stdout).url, 'rtmps://live.example.com/app/launch');

    // The server's --url and the stream's --stream-url side by side, before the verb's arguments.
    const moved = await conclave(
      'streams',
      'update',
      '--stream-url',
      'rtmp://backup.example.com/app/launch',
      '--url',
      server.url,
      streamId,
      '--json',
    );
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(json<Stream>(moved.stdout).stream_type, 'rtmp');

    // The address is the API's to check (its schema's pattern): a 422 naming `url`.
    const refused = await conclave(
      'streams',
      'update',
      streamId,
      '--stream-url',
      'http://not-a-stream.example.com',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the request \(422\):\n {2}url/);

    const deleted = await conclave('streams', 'delete', streamId);
    assert.equal(deleted.stdout, `Deleted stream ${streamId}\n`);
    const gone = await conclave('streams', 'get', streamId);
    assert.equal(gone.code, 1);
  });

  it('1 with the field problem when the stream limit is reached', async () => {
    const room = await client.video.rooms.create({ name: 'limited' });
    for (let i = 0; i < 5; i++) {
      await client.video.rooms.createStream(room.id, { url: `rtmp://live.example.com/app/${i}` });
    }
    const r = await conclave(
      'rooms',
      'create-stream',
      room.id,
      '--stream-url',
      'rtmp://x.example.com/a',
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refused the request \(422\):\n {2}\(request\): exceeds_platform_stream_limit/,
    );
  });
});

describe('conclave room-tokens create', () => {
  it('issues a JWT carrying the grants', async () => {
    const r = await conclave(
      'room-tokens',
      'create',
      '--room-name',
      'standup',
      '--user-name',
      'Ada',
      '--permissions',
      'room.self.audio_mute,room.self.audio_unmute',
      '--remove-after-seconds-elapsed',
      '600',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const { token } = json<RoomTokenResponse>(r.stdout);
    const claims = Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8');
    assert.match(claims, /room\.self\.audio_unmute/);
    assert.doesNotMatch(claims, /room\.self\.video_mute/);
    assert.match(claims, /Ada/);

    const table = await conclave('room-tokens', 'create', '--room-name', 'standup');
    assert.match(table.stdout, /^token +eyJ\S+$/m);
  });

  it('1 for a refused grant, 2 for a missing room name or a bad number', async () => {
    const refused = await conclave(
      'room-tokens',
      'create',
      '--room-name',
      'standup',
      '--permissions',
      'room.fly',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(422\):\n {2}permissions/);
    const cases: [string[], RegExp][] = [
      [['room-tokens', 'create', '--user-name', 'Ada'], /--room-name is required/],
      [
        ['room-tokens', 'create', '--room-name', 'r', '--remove-after-seconds-elapsed', 'soon'],
        /must be a whole number/,
      ],
      [['rooms', 'create', '--display-name', 'x'], /--name is required/],
      [['rooms', 'update', 'some-id'], /nothing to change/],
      [['rooms', 'create-stream', MISSING], /--stream-url is required/],
      // --url is always the server's, even an rtmp:// one (it was the stream's before --stream-url).
      [
        ['streams', 'update', MISSING, '--url', 'rtmp://live.example.com/app/key'],
        /--stream-url is required: .*\(--url is the server's address\)/,
      ],
      [['streams', 'get'], /missing required argument 'id'/],
    ];
    const results = await Promise.all(cases.map(([args]) => conclave(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr + r.stdout, message, args.join(' '));
    }
  });

  it('--help lists the permissions and examples', async () => {
    const r = await conclave('room-tokens', 'create', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Permissions \(--permissions\):\n[\s\S]*room\.self\.audio_mute/);
    assert.match(r.stdout, /--max-members|--room-name <value>/);
    assert.match(r.stdout, /Examples:\n {2}\$ conclave room-tokens create/);
  });
});
