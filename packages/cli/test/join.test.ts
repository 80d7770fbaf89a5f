import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { RestClient } from '@conclave/sdk';
import { freePort, startConclave, type Conclave } from '@conclave/testkit';
import { BIN, cleanEnv, runCli, type CliResult } from './helpers/run-cli.js';

let server: Conclave;
let api: RestClient;
/** The server's URL and nothing else: the token is the credential. */
let env: NodeJS.ProcessEnv;
const conclave = (args: string[], input?: string) => runCli(args, { env, input });

interface Line {
  type: string;
  [key: string]: unknown;
}

interface Member {
  id: string;
  name: string;
}

function lines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

let counter = 0;
/** A fresh conference over the API, and its Moderator and Guest token values. */
async function conference(
  fields: { enable_chat?: boolean; join_from?: string } = {},
): Promise<{ id: string; moderator: string; guest: string }> {
  counter++;
  const c = await api.video.conferences.create({
    name: `join-${counter}`,
    display_name: `Join ${counter}`,
    ...fields,
  });
  const { data: tokens } = await api.video.conferences.listConferenceTokens(c.id);
  const token = (name: string) => tokens.find((t) => t.name === name)!.token;
  return { id: c.id, moderator: token('Moderator'), guest: token('Guest') };
}

/** `conclave join …` left running, its stdout read line by line. */
class Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly seen: Line[] = [];
  stderr = '';
  readonly done: Promise<CliResult>;
  #buffer = '';
  #stdout = '';
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'join', ...args], { env, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.#stdout += d;
      this.#buffer += d;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        this.seen.push(JSON.parse(this.#buffer.slice(0, nl)) as Line);
        this.#buffer = this.#buffer.slice(nl + 1);
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, stdout: this.#stdout, stderr: this.stderr });
      });
    });
  }

  /** The first line so far, or to come, that `test` accepts. */
  async waitFor(test: (line: Line) => boolean, what: string): Promise<Line> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.seen.find(test);
      if (found) return found;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${what} line; saw ${JSON.stringify(this.seen)}; ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

before(async () => {
  server = await startConclave();
  api = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
  env = cleanEnv({ CONCLAVE_URL: server.url });
});
after(() => server.close());

describe('conclave join', () => {
  it('joins, sends --chat, sees it echoed, leaves after --leave-after and exits 0', async () => {
    const c = await conference();
    const started = Date.now();
    const r = await conclave([
      'join',
      c.guest,
      '--name',
      'Ada',
      '--leave-after',
      '1',
      '--chat',
      'hi',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(Date.now() - started >= 1000, 'left before --leave-after');
    const out = lines(r.stdout);
    assert.deepEqual(
      out.map((l) => l.type),
      ['joined', 'chat', 'closed'],
    );
    const [joined, chat, closed] = out as [Line, Line, Line];
    const session = joined.session as { id: string; name: string; conference_id: string };
    assert.match(session.id, /^[0-9a-f-]{36}$/);
    assert.equal(session.conference_id, c.id);
    assert.equal(typeof session.name, 'string');
    const members = joined.members as Member[];
    assert.deepEqual(
      members.map((m) => m.name),
      ['Ada'],
    );
    assert.equal(members[0]!.id, joined.member_id);
    assert.ok(Array.isArray(joined.scopes));
    assert.equal(chat.text, 'hi');
    assert.equal(chat.name, 'Ada');
    assert.equal(chat.from, joined.member_id);
    assert.deepEqual(closed, { type: 'closed', code: 1000, reason: 'left' });
  });

  it('--url works without any project or API token; --quiet prints only the joined line', async () => {
    const c = await conference();
    const r = await runCli(
      ['--url', server.url, 'join', c.moderator, '--quiet', '--leave-after', '0.2', '--chat', 'x'],
      { env: cleanEnv() },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      lines(r.stdout).map((l) => l.type),
      ['joined'],
    );
  });

  it('a second join sees the first; the first sees it come and go; SIGINT leaves, exit 0', async () => {
    const c = await conference();
    const first = new Running([c.moderator, '--name', 'Ada']);
    try {
      const joined = await first.waitFor((l) => l.type === 'joined', 'joined');
      const r = await conclave(['join', c.guest, '--name', 'Grace', '--leave-after', '0.5']);
      assert.equal(r.code, 0, r.stderr);
      const second = lines(r.stdout)[0]!;
      assert.equal(second.type, 'joined');
      const names = (second.members as Member[]).map((m) => m.name);
      assert.deepEqual(names.sort(), ['Ada', 'Grace']); // oneself included
      assert.equal((second.session as { id: string }).id, (joined.session as { id: string }).id);

      const came = await first.waitFor((l) => l.type === 'member.joined', 'member.joined');
      assert.equal((came.member as Member).name, 'Grace');
      assert.equal((came.member as Member).id, second.member_id);
      const went = await first.waitFor((l) => l.type === 'member.left', 'member.left');
      assert.equal(went.member_id, second.member_id);
      assert.equal(went.reason, 'left');
    } finally {
      first.child.kill('SIGINT');
    }
    const result = await first.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(first.seen.at(-1), { type: 'closed', code: 1000, reason: 'left' });
  });

  it('SIGTERM leaves cleanly too', async () => {
    const c = await conference();
    const running = new Running([c.guest]);
    await running.waitFor((l) => l.type === 'joined', 'joined');
    running.child.kill('SIGTERM');
    const result = await running.done;
    assert.equal(
      result.code,
      0,
      `${running.child.signalCode} ${JSON.stringify(running.seen)} ${result.stderr}`,
    );
    assert.equal(running.seen.at(-1)?.type, 'closed');
  });

  it('a session ended by the server: prints closed, exits 1 with the reason on stderr', async () => {
    const c = await conference();
    const running = new Running([c.guest, '--name', 'Ada']);
    await running.waitFor((l) => l.type === 'joined', 'joined');
    await api.video.conferences.delete(c.id);
    const result = await running.done;
    assert.equal(result.code, 1);
    assert.deepEqual(running.seen.at(-1), { type: 'closed', code: 4422, reason: 'session_ended' });
    assert.match(result.stderr, /4422 session_ended/);
  });

  it('stdin lines are sent as chat with --stdin-chat, and its end leaves', async () => {
    const c = await conference();
    const r = await conclave(['join', c.guest, '--stdin-chat'], 'one\n\ntwo\n');
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.deepEqual(
      out.filter((l) => l.type === 'chat').map((l) => l.text),
      ['one', 'two'],
    );
    assert.equal(out.at(-1)?.type, 'closed');
  });

  it('a chat the session refuses: exit 1, the reason on stderr', async () => {
    const c = await conference({ enable_chat: false });
    const r = await conclave(['join', c.guest, '--chat', 'hi', '--leave-after', '5']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /chat refused: chat_disabled/);
    assert.deepEqual(lines(r.stdout).at(-1), { type: 'closed', code: 1000, reason: 'left' });
  });

  it('a bogus token is refused: exit 1, 4401 invalid_token on stderr', async () => {
    const r = await conclave(['join', `vpt_${'0'.repeat(32)}`, '--leave-after', '1']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /refused: 4401 invalid_token: unknown or reset token/);
  });

  it('too early: exit 1, and stderr says when joining opens', async () => {
    const joinFrom = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const c = await conference({ join_from: joinFrom });
    const r = await conclave(['join', c.guest, '--leave-after', '1']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `conclave: refused: 4410 too_early: joining opens at ${joinFrom}\n`);
  });

  it('no server there: exit 1', async () => {
    const port = await freePort();
    const r = await runCli(['join', 'vpt_x', '--url', `http://127.0.0.1:${port}`], {
      env: cleanEnv(),
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /could not join at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await conclave(['join'])).code, 2);
    const r = await conclave(['join', 'vpt_x', '--leave-after', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--leave-after/);
  });
});
