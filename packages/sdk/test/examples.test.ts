import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startConclave, type Conclave } from '@conclave/testkit';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const examples = readdirSync(`${root}/examples`).filter((f) => f.endsWith('.ts'));

/** Trailing blanks off every line, so formatting differences do not hide a real one. */
const normalize = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();

describe('README', () => {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
  const sources = examples.map((f) => normalize(readFileSync(`${root}/examples/${f}`, 'utf8')));

  it('has TypeScript examples', () => assert.ok(blocks.length >= 10));

  // The examples are typechecked by `npm test` (tsconfig.check.json) and run below, so a README
  // block that appears in one of them cannot drift from the real API.
  for (const [i, block] of blocks.entries()) {
    it(`block ${i + 1} (${block.split('\n')[0]}) is part of a typechecked example`, () => {
      assert.ok(
        sources.some((source) => source.includes(block)),
        `README block not found in examples/*.ts:\n${block}`,
      );
    });
  }

  it("the repository README's TypeScript blocks are part of typechecked examples too", () => {
    const top = readFileSync(`${root}/../../README.md`, 'utf8');
    const topBlocks = [...top.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalize(m[1]!));
    assert.ok(topBlocks.length >= 1);
    for (const block of topBlocks) {
      assert.ok(
        sources.some((source) => source.includes(block)),
        `README.md block not found in packages/sdk/examples/*.ts:\n${block}`,
      );
    }
  });

  it('shows every public method', () => {
    for (const method of [
      'conferences.list(',
      'conferences.create(',
      'conferences.get(',
      'conferences.update(',
      'conferences.delete(',
      'conferences.listConferenceTokens(',
      'conferences.listStreams(',
      'conferences.createStream(',
      'rooms.list(',
      'rooms.create(',
      'rooms.get(',
      'rooms.update(',
      'rooms.delete(',
      'rooms.listStreams(',
      'rooms.createStream(',
      'roomTokens.create(',
      'streams.get(',
      'streams.update(',
      'streams.delete(',
      'rotateRoomTokenSecret(',
      'roomSessions.list(',
      'roomSessions.get(',
      'roomSessions.listMembers(',
      'roomSessions.listEvents(',
      'roomSessions.listRecordings(',
      'roomRecordings.list(',
      'roomRecordings.get(',
      'roomRecordings.delete(',
      'roomRecordings.listEvents(',
      'logs.list(',
      'logs.get(',
      'conferenceTokens.get(',
      'conferenceTokens.reset(',
      'joinUrl(',
      'hasNextPage()',
      'getNextPage()',
      'iterPages()',
      'nextPageParams()',
      'projects.create(',
      'projects.list(',
      'projects.delete(',
      'apiTokens.create(',
      'apiTokens.list(',
      'apiTokens.revoke(',
      'joinRealtime(',
      'realtime.join(',
      '.signal(',
      '.chat(',
      '.removeMember(',
      '.setLayout(',
      '.lock(',
      '.leave(',
      'media.publish(',
      'media.unpublish(',
      'media.replaceTrack(',
      'media.setCameraEnabled(',
      'media.setMicrophoneEnabled(',
      'media.remoteTracks',
      'media.stop(',
      'conclave.live(',
      'conclave.endSession(',
      'conclave.removeMember(',
      'conclave.updateMember(',
      'emulator.addFault(',
      'emulator.getFault(',
      'emulator.listFaults(',
      'emulator.clearFaults(',
      'emulator.resetProject(',
      'emulator.loadFixture(',
      'emulator.dropMember(',
      'emulator.setClock(',
      'emulator.advanceClock(',
    ]) {
      assert.ok(
        blocks.some((b) => b.includes(method)),
        `${method} has no example in the README`,
      );
    }
  });
});

describe('examples/*.ts against a real server', () => {
  let server: Conclave;
  before(async () => {
    // examples/emulator.ts needs emulator mode; the others run the same with it on.
    server = await startConclave({ emulator: true });
  });
  after(() => server.close());

  for (const file of examples) {
    it(`${file} runs to the end`, async () => {
      const { stdout } = await run(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', `examples/${file}`],
        {
          cwd: root,
          env: {
            ...process.env,
            SIGNALWIRE_PROJECT_ID: server.projectId,
            SIGNALWIRE_API_TOKEN: server.apiToken,
            SIGNALWIRE_SPACE: server.url,
            CONCLAVE_URL: server.url,
            CONCLAVE_ADMIN_TOKEN: server.adminToken,
          },
        },
      );
      assert.ok(stdout.length > 0);
    });
  }
});
