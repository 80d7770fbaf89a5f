import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { EmulatorClock, Fault, FixtureLoaded } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let plain: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });
const fixture = fileURLToPath(
  new URL('../../sdk/examples/fixtures/emulator-fixture.jsonl', import.meta.url),
);

before(async () => {
  [server, plain] = await Promise.all([startConclave({ emulator: true }), startConclave()]);
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    CONCLAVE_ADMIN_TOKEN: server.adminToken,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
});
after(async () => {
  await Promise.all([server?.close(), plain?.close()]);
});

describe('conclave emulator', () => {
  it('loads a fixture (after a reset), then resets the project; its token keeps working', async () => {
    const loaded = await conclave('emulator', 'load', server.projectId, fixture, '--reset');
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(
      loaded.stdout,
      new RegExp(`^Reset project ${server.projectId} in [\\d.]+ ms`, 'm'),
    );
    assert.match(
      loaded.stdout,
      /^Loaded 2 conferences, 4 conference_tokens, 1 rooms into project \S+ in [\d.]+ ms \(skipped 1 project\)$/m,
    );
    const rooms = await conclave('rooms', 'list');
    assert.match(rooms.stdout, /lobby/);

    const json = await conclave('emulator', 'load', server.projectId, fixture, '--reset', '--json');
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout) as FixtureLoaded;
    assert.equal(body.reset?.removed.conferences, 2);

    const twice = await conclave('emulator', 'load', server.projectId, fixture);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /422/);
    assert.match(twice.stderr, /already stored/);

    const reset = await conclave('emulator', 'reset', server.projectId);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(
      reset.stdout,
      /removed 4 conference_tokens, 2 conferences, 1 rooms; 0 fault\(s\) cleared/,
    );
    const empty = await conclave('conferences', 'list');
    assert.equal(empty.code, 0, empty.stderr);
    assert.doesNotMatch(empty.stdout, /daily-standup/);

    const missing = join(mkdtempSync(join(tmpdir(), 'conclave-emulator-')), 'nope.jsonl');
    const unreadable = await conclave('emulator', 'load', server.projectId, missing);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read/);
  });

  it('adds, lists, applies, deletes and clears faults', async () => {
    const added = await conclave(
      'emulator',
      'faults',
      'add',
      '--path',
      '/api/video/conferences',
      '--method',
      'get',
      '--status',
      '503',
      '--count',
      '1',
      '--project-id',
      server.projectId,
      '--json',
    );
    assert.equal(added.code, 0, added.stderr);
    const fault = JSON.parse(added.stdout) as Fault;
    assert.equal(fault.method, 'GET');
    assert.equal(fault.remaining, 1);

    // The CLI's client retries a GET past one 503 (after its Retry-After: 1 s).
    const faulted = await conclave('conferences', 'list');
    assert.equal(faulted.code, 0, faulted.stderr);

    const listed = await conclave('emulator', 'faults', 'list');
    assert.match(listed.stdout, /^ID +PROJECT +METHOD +PATH +ACTION +P +APPLIED +REMAINING$/m);
    assert.match(
      listed.stdout,
      new RegExp(
        `^${fault.id} +${server.projectId} +GET +/api/video/conferences +503 +1 +1 +0$`,
        'm',
      ),
    );

    const bad = await conclave('emulator', 'faults', 'add', '--path', '/x', '--status', '404');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected one of 429, 500, 503/);
    const nothing = await conclave('emulator', 'faults', 'add', '--path', '/x');
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /422/);

    assert.equal(
      (await conclave('emulator', 'faults', 'delete', fault.id)).stdout,
      `Deleted fault ${fault.id}\n`,
    );
    const gone = await conclave('emulator', 'faults', 'delete', fault.id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);

    await conclave('emulator', 'faults', 'add', '--path', '/api/video/**', '--latency', '10');
    const cleared = await conclave('emulator', 'faults', 'clear');
    assert.equal(cleared.stdout, 'Cleared every fault\n');
    assert.match((await conclave('emulator', 'faults', 'list')).stdout, /^No faults\.$/m);
  });

  it('shows, sets, freezes, advances and resets the project’s clock', async () => {
    const wall = await conclave('emulator', 'clock');
    assert.equal(wall.code, 0, wall.stderr);
    assert.match(wall.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(the wall clock\)\n$/);

    const set = await conclave('emulator', 'clock', 'set', '2030-01-01T09:00:00Z', '--frozen');
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /^2030-01-01T09:00:00\.000Z \(frozen; \d+d( \d+h)?( \d+m)?( [\d.]+s)? ahead of the wall clock\)\n$/,
    );
    const advanced = await conclave('emulator', 'clock', 'advance', '1h30m', '--json');
    assert.equal(advanced.code, 0, advanced.stderr);
    const clock = JSON.parse(advanced.stdout) as EmulatorClock;
    assert.deepEqual([clock.time, clock.frozen], ['2030-01-01T10:30:00.000Z', true]);
    assert.match(
      (await conclave('emulator', 'clock', 'advance', '250ms')).stdout,
      /^2030-01-01T10:30:00\.250Z \(frozen/,
    );

    // The API's writes follow it.
    const created = await conclave('conferences', 'create', '--display-name', 'Later', '--json');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(
      (JSON.parse(created.stdout) as { created_at: string }).created_at,
      '2030-01-01T10:30:00Z',
    );

    const running = await conclave('emulator', 'clock', 'unfreeze');
    assert.match(running.stdout, /^2030-01-01T10:30:00\.\d{3}Z \(running; /);
    assert.match((await conclave('emulator', 'clock', 'freeze')).stdout, /\(frozen; /);

    const bad = await conclave('emulator', 'clock', 'advance', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected a duration/);

    const reset = await conclave('emulator', 'clock', 'reset');
    assert.equal(reset.stdout, `Project ${server.projectId} reads the wall clock again\n`);
    assert.match((await conclave('emulator', 'clock', 'get')).stdout, /\(the wall clock\)/);
    await conclave('emulator', 'reset', server.projectId);
  });

  it('simulate join: a small conference admits ten, refuses the rest; --for makes them leave', async () => {
    const created = await conclave(
      'conferences',
      'create',
      '--display-name',
      'Crowd',
      '--size',
      'small',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const full = await conclave('simulate', 'join', id, '--members', '12', '--name', 'Bot');
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /^Bot \d+ joined session \S+ as member \S+$/m);
    assert.match(full.stdout, /^Bot \d+ was refused: session_full \(/m);
    assert.match(full.stdout, /^10 joined, 2 refused$/m);
    await conclave('emulator', 'reset', server.projectId);

    const again = await conclave('conferences', 'create', '--display-name', 'Brief', '--json');
    const brief = (JSON.parse(again.stdout) as { id: string }).id;
    const timed = await conclave('simulate', 'join', brief, '--members', '2', '--for', '1s');
    assert.equal(timed.code, 0, timed.stderr);
    assert.match(timed.stdout, /^2 joined, 0 refused$/m);
    assert.match(timed.stdout, /^Simulated 1 left \(left\)$/m);
    assert.match(timed.stdout, /^Every simulated member has left$/m);

    const media = await conclave(
      'simulate',
      'join',
      brief,
      '--members',
      '1',
      '--media',
      '--for',
      '1s',
    );
    assert.equal(media.code, 0, media.stderr);
    assert.match(
      media.stdout,
      /^Simulated 1 joined session \S+ as member \S+ \(test pattern and a \d+ Hz tone\)$/m,
    );
    assert.match(media.stdout, /^Every simulated member has left$/m);
    const tooMany = await conclave('simulate', 'join', brief, '--members', '5', '--media');
    assert.equal(tooMany.code, 1);
    assert.match(tooMany.stderr, /422/);
    assert.match(tooMany.stderr, /at most 4 simulated members with media/);
    await conclave('emulator', 'reset', server.projectId);
  });

  it('says 404 against a server without emulator mode', async () => {
    const off = await runCli(['emulator', 'faults', 'list'], {
      env: cleanEnv({ CONCLAVE_URL: plain.url, CONCLAVE_ADMIN_TOKEN: plain.adminToken }),
    });
    assert.equal(off.code, 1);
    assert.match(off.stderr, /404/);
  });
});
