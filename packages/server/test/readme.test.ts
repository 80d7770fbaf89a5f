import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { verifyRoomToken } from '../src/auth/room-tokens.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const run = promisify(execFile);
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The curl commands of the README's "By example" section, in order. */
function exampleCommands(): string[] {
  const start = readme.indexOf('### By example');
  const end = readme.indexOf('\n### ', start + 1);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n').filter((line) => line.startsWith('curl ')));
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

describe('README examples', () => {
  it('has a curl example for each implemented endpoint', () => {
    const commands = exampleCommands();
    // 8 conference and conference-token operations (get and reset a token twice over: 9
    // commands), 2 conference-stream, 6 room, 1 room-token and 5 room-stream/stream ones, plus
    // the room delete.
    assert.equal(commands.length, 23);
    for (const path of [
      '/api/video/conferences/$CONFERENCE_ID/streams"',
      '-X POST "$CONCLAVE_URL/api/video/rooms"',
      '/api/video/rooms/standup"',
      '-X PUT "$CONCLAVE_URL/api/video/rooms/$ROOM_ID"',
      '-X DELETE "$CONCLAVE_URL/api/video/rooms/$ROOM_ID"',
      '/api/video/room_tokens"',
      '-X POST "$CONCLAVE_URL/api/video/rooms/$ROOM_ID/streams"',
      '/api/video/streams/$STREAM_ID"',
    ]) {
      assert.ok(
        commands.some((c) => c.includes(path)),
        path,
      );
    }
  });

  it('every example works as written against a real server', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      CONCLAVE_URL: server.url,
      PROJECT_ID: server.project.id,
      API_TOKEN: server.project.token,
    };
    for (const command of exampleCommands()) {
      const { stdout } = await run('sh', ['-c', command], { env });
      const body = stdout === '' ? undefined : JSON.parse(stdout);
      if (command.includes('-X POST "$CONCLAVE_URL/api/video/conferences"')) {
        env.CONFERENCE_ID = body.id;
        assert.equal(body.display_name, 'All hands');
      }
      if (command.endsWith('/conference_tokens"')) env.TOKEN_ID = body.data[0].id;
      if (command.includes('-X POST "$CONCLAVE_URL/api/video/rooms"')) {
        env.ROOM_ID = body.id;
        assert.equal(body.name, 'standup');
      }
      if (command.includes('-X POST "$CONCLAVE_URL/api/video/rooms/$ROOM_ID/streams"')) {
        env.STREAM_ID = body.id;
        assert.equal(body.stream_type, 'rtmps');
      }
      if (command.includes('/api/video/room_tokens"')) {
        const grants = await verifyRoomToken(server.store, body.token);
        assert.equal(grants.roomName, 'standup');
        assert.equal(grants.userName, 'Ada');
      }
      if (command.includes('-X DELETE')) assert.equal(stdout, '');
    }
    assert.ok(env.CONFERENCE_ID && env.TOKEN_ID && env.ROOM_ID && env.STREAM_ID);
    assert.equal((await server.api(`/api/video/conferences/${env.CONFERENCE_ID}`)).status, 404);
    assert.equal((await server.api(`/api/video/rooms/${env.ROOM_ID}`)).status, 404);
    assert.equal((await server.api(`/api/video/streams/${env.STREAM_ID}`)).status, 404);
  });
});
