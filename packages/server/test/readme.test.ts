import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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
    // the room delete; 5 room-session, 4 room-recording and 2 video-log ones.
    assert.equal(commands.length, 34);
    for (const path of [
      '/api/video/conferences/$CONFERENCE_ID/streams"',
      '-X POST "$CONCLAVE_URL/api/video/rooms"',
      '/api/video/rooms/standup"',
      '-X PUT "$CONCLAVE_URL/api/video/rooms/$ROOM_ID"',
      '-X DELETE "$CONCLAVE_URL/api/video/rooms/$ROOM_ID"',
      '/api/video/room_tokens"',
      '-X POST "$CONCLAVE_URL/api/video/rooms/$ROOM_ID/streams"',
      '/api/video/streams/$STREAM_ID"',
      '/api/video/room_sessions/$SESSION_ID/members"',
      '/api/video/room_sessions/$SESSION_ID/events"',
      '/api/video/room_sessions/$SESSION_ID/recordings?',
      '-X DELETE "$CONCLAVE_URL/api/video/room_recordings/$RECORDING_ID"',
      '/api/video/room_recordings/$RECORDING_ID/events"',
      '/api/video/logs/$LOG_ID"',
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
    // What the live-session engine would have written: a finished session with a member and a
    // recording whose file is stored.
    const projectId = server.project.id;
    const sessionId = randomUUID();
    const recordingId = randomUUID();
    const t0 = Date.now() - 3_600_000;
    await server.store.startRoomSession({
      id: sessionId,
      projectId,
      name: 'standup',
      startTime: t0,
    });
    await server.store.addMember({
      id: randomUUID(),
      projectId,
      roomSessionId: sessionId,
      name: 'Ada',
      joinTime: t0 + 1000,
    });
    await server.store.startRecording({
      id: recordingId,
      projectId,
      roomSessionId: sessionId,
      startedAt: t0 + 2000,
    });
    const key = `recordings/${projectId}/${recordingId}.mp4`;
    const { size } = await server.media.put(key, Buffer.from('not really a video'));
    await server.store.finishRecording(projectId, recordingId, {
      finishedAt: t0 + 60_000,
      sizeInBytes: size,
      format: 'video/mp4',
      storageKey: key,
    });
    await server.store.endRoomSession(projectId, sessionId, t0 + 120_000);
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
      if (command.includes('/api/video/room_sessions?')) env.SESSION_ID = body.data[0].id;
      if (command.includes('/api/video/room_recordings?')) {
        env.RECORDING_ID = body.data[0].id;
        const file = await fetch(body.data[0].uri);
        assert.equal(await file.text(), 'not really a video');
      }
      if (command.includes('/api/video/logs?')) env.LOG_ID = body.data[0].id;
      if (command.endsWith('/members"')) assert.equal(body.data[0].name, 'Ada');
      if (command.includes('-X DELETE')) assert.equal(stdout, '');
    }
    assert.ok(env.CONFERENCE_ID && env.TOKEN_ID && env.ROOM_ID && env.STREAM_ID);
    assert.equal((await server.api(`/api/video/conferences/${env.CONFERENCE_ID}`)).status, 404);
    assert.equal((await server.api(`/api/video/rooms/${env.ROOM_ID}`)).status, 404);
    assert.equal((await server.api(`/api/video/streams/${env.STREAM_ID}`)).status, 404);
    assert.equal(env.SESSION_ID, sessionId);
    assert.equal(env.RECORDING_ID, recordingId);
    assert.ok(env.LOG_ID);
    assert.equal((await server.api(`/api/video/room_recordings/${recordingId}`)).status, 404);
    assert.equal(await server.media.open(key), undefined);
  });

  it("Conclave's own API: the live feed's curl prints the snapshot", async () => {
    const start = readme.indexOf("### Conclave's own API");
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end);
    const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .filter((line) => line.startsWith('curl '));
    assert.equal(commands.length, 1, 'one curl command');
    // The feed never ends by itself: curl stops after 2 s (exit 28) with what it printed.
    const result = await run('sh', ['-c', commands[0]!.replace('curl ', 'curl --max-time 2 ')], {
      env: {
        PATH: process.env.PATH ?? '',
        CONCLAVE_URL: server.url,
        PROJECT_ID: server.project.id,
        API_TOKEN: server.project.token,
      },
    }).catch((error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 28, 'curl timed out (the stream stays open)');
      return { stdout: error.stdout ?? '' };
    });
    assert.match(result.stdout, /^event: snapshot\ndata: \{"type":"snapshot","sessions":\[/);
  });
});
