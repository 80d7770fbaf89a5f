import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, type RoomRecording } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

// `conclave room-sessions record` and `stop-recording`: recordings of a live session through
// Conclave's own API, on a server of their own (the recordings they make would show in others'
// lists).

let server: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });
const MISSING = '00000000-0000-4000-8000-000000000000';
const json = <T>(text: string) => JSON.parse(text) as T;

before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
});
after(() => server.close());

describe('conclave room-sessions record / stop-recording', () => {
  it('record and stop-recording a live session; 1 with the reason when nothing records', async () => {
    const client = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
    });
    const conference = await client.video.conferences.create({ display_name: 'Recorded' });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    const member = await client.video.realtime.join({
      token: tokens.find((t) => t.name === 'Guest')!.token,
      name: 'Ada',
    });
    const sessionId = member.session.id;

    const record = await conclave('room-sessions', 'record', sessionId, '--json');
    assert.equal(record.code, 0, record.stderr);
    const recording = json<RoomRecording>(record.stdout);
    assert.equal(recording.room_session_id, sessionId);
    assert.equal(recording.status, 'recording');
    const table = await conclave('room-sessions', 'record', sessionId);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^status +recording$/m);

    const one = await conclave(
      'room-sessions',
      'stop-recording',
      sessionId,
      '--recording-id',
      recording.id,
    );
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, `Stopped recording ${recording.id}\n`);
    const all = await conclave('room-sessions', 'stop-recording', sessionId);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, `Stopped the recordings of session ${sessionId}\n`);
    const none = await conclave('room-sessions', 'stop-recording', sessionId);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /409 Conflict\n {2}not_recording: No recording of the session is in progress/,
    );
    const gone = await conclave('room-sessions', 'record', MISSING);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);
    await member.leave();
  });
});
