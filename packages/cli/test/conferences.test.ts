import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, type Conference, type ConferenceToken } from '@conclave/sdk';
import { freePort, startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
const conclave = (...args: string[]) => runCli(args, { env });

before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
});
after(() => server.close());

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

describe('conclave conferences create / get / update', () => {
  let id: string;

  it('create --json prints the created conference', async () => {
    const r = await conclave(
      'conferences',
      'create',
      '--display-name',
      'All hands',
      '--name',
      'all-hands',
      '--size',
      'large',
      '--enable-chat',
      'false',
      '--join-from',
      '2030-01-01',
      '--meta',
      '{"team":"video"}',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const c = json<Conference>(r.stdout);
    assert.equal(c.name, 'all-hands');
    assert.equal(c.display_name, 'All hands');
    assert.equal(c.size, 'large');
    assert.equal(c.enable_chat, false);
    assert.equal(c.join_from, '2030-01-01T00:00:00Z');
    assert.deepEqual(c.meta, { team: 'video' });
    id = c.id;
  });

  it('create prints `key  value` lines for people, and takes --data', async () => {
    const r = await conclave(
      'conferences',
      'create',
      '--data',
      '{"display_name":"Retro","name":"retro","record_on_start":true}',
      '--description',
      'flags win over --data',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^id {22}[0-9a-f-]{36}$/m);
    assert.match(r.stdout, /^name {20}retro$/m);
    assert.match(r.stdout, /^record_on_start {9}true$/m);
    assert.match(r.stdout, /^description {13}flags win over --data$/m);
    assert.match(r.stdout, /^join_from {15}-$/m);
  });

  it('get shows one conference', async () => {
    const r = await conclave('conferences', 'get', id, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<Conference>(r.stdout).id, id);
  });

  it('update changes what is given and keeps display_name when left out', async () => {
    const r = await conclave('conferences', 'update', id, '--size', 'small', '--json');
    assert.equal(r.code, 0, r.stderr);
    const c = json<Conference>(r.stdout);
    assert.equal(c.size, 'small');
    assert.equal(c.display_name, 'All hands');
    assert.equal(c.enable_chat, false);
  });

  it('tokens lists the Moderator and Guest tokens; conference-tokens get and reset', async () => {
    const table = await conclave('conferences', 'tokens', id);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +NAME +TOKEN +SCOPES$/m);
    assert.match(table.stdout, /Moderator +vpt_[0-9a-f]{32} +\d+/);

    const listed = await conclave('conferences', 'tokens', id, '--json');
    const tokens = json<ConferenceToken[]>(listed.stdout);
    assert.deepEqual(tokens.map((t) => t.name).sort(), ['Guest', 'Moderator']);
    const guest = tokens.find((t) => t.name === 'Guest')!;

    const got = await conclave('conference-tokens', 'get', guest.id, '--json');
    assert.deepEqual(json<ConferenceToken>(got.stdout), guest);

    const reset = await conclave('conference-tokens', 'reset', guest.id, '--json');
    assert.equal(reset.code, 0, reset.stderr);
    const fresh = json<ConferenceToken>(reset.stdout);
    assert.equal(fresh.id, guest.id);
    assert.notEqual(fresh.token, guest.token);
  });
});

describe('conclave conferences list', () => {
  before(async () => {
    // Set up through the SDK: only the commands under test need a process each.
    const client = new RestClient({
      project: server.projectId,
      token: server.apiToken,
      host: server.url,
    });
    for (let i = 1; i <= 6; i++) {
      await client.video.conferences.create({
        display_name: `Planning ${i}`,
        name: `planning-${i}`,
        join_from: `2031-01-0${i}`,
        join_until: `2031-02-0${i}`,
      });
    }
  });

  it('prints an aligned table, newest first', async () => {
    const r = await conclave('conferences', 'list', '--starts-after', '2031-01-01');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +NAME +DISPLAY NAME +JOIN FROM +JOIN UNTIL +SIZE +CREATED$/);
    assert.equal(lines.length, 7);
    assert.match(lines[1]!, /planning-6 +Planning 6 +2031-01-06T00:00:00Z/);
    // Every column starts at the same offset on every line.
    const start = lines[0]!.indexOf('JOIN FROM');
    for (const line of lines.slice(1)) assert.match(line.slice(start), /^2031-01-0\dT/);
    assert.equal(r.stderr, '');
  });

  it('--json prints an array of conferences; --jsonl one per line', async () => {
    const a = await conclave('conferences', 'list', '--starts-after', '2031-01-01', '--json');
    const items = json<Conference[]>(a.stdout);
    assert.deepEqual(
      items.map((c) => c.name),
      ['planning-6', 'planning-5', 'planning-4', 'planning-3', 'planning-2', 'planning-1'],
    );
    assert.ok(items.every((c) => typeof c.created_at === 'string' && 'dark_primary' in c));

    const b = await conclave('conferences', 'list', '--starts-after', '2031-01-03', '--jsonl');
    const lines = b.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.equal(json<Conference>(lines[0]!).name, 'planning-6');
  });

  it('shows one page and says how to get the rest; --all follows links.next', async () => {
    const one = await conclave('conferences', 'list', '--page-size', '2');
    assert.equal(one.code, 0);
    assert.equal(one.stdout.trimEnd().split('\n').length, 3);
    assert.match(
      one.stderr,
      /^More conferences: add --all, or --page-token PA\S+ for the next page\.$/m,
    );
    const token = /--page-token (\S+)/.exec(one.stderr)![1]!;
    const next = await conclave(
      'conferences',
      'list',
      '--page-size',
      '2',
      '--page-token',
      token,
      '--json',
    );
    assert.equal(json<Conference[]>(next.stdout).length, 2);

    const all = await conclave(
      'conferences',
      'list',
      '--all',
      '--page-size',
      '2',
      '--starts-after',
      '2031-01-02',
      '--ends-before',
      '2031-02-05',
      '--json',
    );
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      json<Conference[]>(all.stdout).map((c) => c.name),
      ['planning-5', 'planning-4', 'planning-3', 'planning-2'],
    );
    assert.equal(all.stderr, '', 'no progress output when not on a terminal');
  });

  it('--active adds the SESSION column', async () => {
    const r = await conclave('conferences', 'list', '--active', '--page-size', '1');
    assert.match(r.stdout, /CREATED +SESSION\n/);
  });

  it('delete removes several conferences', async () => {
    const listed = json<Conference[]>(
      (await conclave('conferences', 'list', '--starts-after', '2031-01-05', '--json')).stdout,
    );
    const ids = listed.map((c) => c.id);
    const r = await conclave('conferences', 'delete', ...ids);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trimEnd().split('\n'),
      ids.map((id) => `Deleted conference ${id}`),
    );
    const gone = await conclave('conferences', 'get', ids[0]!);
    assert.equal(gone.code, 1);
  });
});

describe('exit codes and messages', () => {
  it('1 with the reason and request id when the API refuses', async () => {
    const r = await conclave('conferences', 'get', '00000000-0000-4000-8000-000000000000');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^conclave: the server refused the request: 404 Not Found$/m);
    assert.match(r.stderr, /^ {2}request id: [0-9a-f-]{36}$/m);
  });

  it('1 with every failing field for a 422', async () => {
    await conclave('conferences', 'create', '--display-name', 'x', '--name', 'taken');
    const r = await conclave('conferences', 'create', '--display-name', 'y', '--name', 'taken');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the request \(422\):\n {2}name: not_unique_within_project — /);
  });

  it('1 for a wrong token, and 1 when the server cannot be reached', async () => {
    const wrong = await runCli(['conferences', 'list', '--token', `PT${'0'.repeat(48)}`], { env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401 Unauthorized/);

    const port = await freePort();
    const down = await runCli(['conferences', 'list', '--url', `http://127.0.0.1:${port}`], {
      env,
    });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /Connection error: .*ECONNREFUSED/);
  });

  it('2 for usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['conferences', 'list', '--bogus'], /unknown option '--bogus'/],
      [['conferences', 'get'], /missing required argument 'id'/],
      [['conferences', 'list', '--page-size', '0'], /expected a whole number from 1 to 1000/],
      [['conferences', 'list', '--json', '--jsonl'], /--json and --jsonl cannot go together/],
      [['conferences', 'create'], /--display-name is required/],
      [['conferences', 'create', '--display-name', 'x', '--enable-chat', 'maybe'], /true or false/],
      [['conferences', 'create', '--display-name', 'x', '--meta', '[1]'], /a JSON object/],
      [['conferences', 'update', 'some-id'], /nothing to change/],
      [['conferencez'], /unknown command 'conferencez'/],
      [[], /Usage: conclave/],
    ];
    const results = await Promise.all(cases.map(([args]) => conclave(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr + r.stdout, message, args.join(' '));
    }
  });

  it('2 when credentials are missing, naming how to give them', async () => {
    const r = await runCli(['conferences', 'list'], {
      env: cleanEnv({ CONCLAVE_URL: server.url }),
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /a project id \(--project or SIGNALWIRE_PROJECT_ID\) and an API token/);
  });
});
