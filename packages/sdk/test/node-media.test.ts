import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { RestClient } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

// The SDK's media in Node, with @roamhq/wrtc as the WebRTC implementation: two members publish
// and receive through Conclave. The members run in a child process (see fixtures/wrtc-call.ts).

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

let conclave: Conclave;
before(async () => {
  conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
});
after(async () => conclave.close());

describe('session.media in Node (@roamhq/wrtc)', () => {
  it('two Node members send and receive video and audio through Conclave', async () => {
    const client = new RestClient({
      host: conclave.url,
      project: conclave.projectId,
      token: conclave.apiToken,
    });
    const conference = await client.video.conferences.create({ display_name: 'Node media' });
    const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
    const { stdout } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'test/fixtures/wrtc-call.ts'],
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          CONCLAVE_URL: conclave.url,
          CONCLAVE_TOKEN: tokens.find((t) => t.name === 'Guest')!.token,
        },
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `no result from the Node members: ${stdout.slice(0, 500)}`);
    const result = JSON.parse(line.slice(7)) as {
      frames: number;
      audioPackets: number;
      added: string[];
    };
    console.log(
      `Node member decoded ${result.frames} frames, ${result.audioPackets} audio packets`,
    );
    assert.deepEqual(result.added, ['audio', 'video']);
    assert.ok(result.frames > 20, `video frames decoded: ${result.frames}`);
    assert.ok(result.audioPackets > 50, `audio packets received: ${result.audioPackets}`);
  });
});
