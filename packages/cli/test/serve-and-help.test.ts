import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RestClient } from '@conclave/sdk';
import type { Command } from 'commander';
import { buildProgram } from '../src/program.js';
import { freePort, startConclave } from '@conclave/testkit';
import { BIN, cleanEnv, runCli } from './helpers/run-cli.js';

/** Starts `conclave serve` and waits until it answers `/healthz`. */
async function serve(
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
): Promise<{ child: ChildProcess; stdout: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: 'pipe' });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, stdout: () => out, exit };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`conclave serve did not start: ${out}`);
}

describe('conclave serve', () => {
  it('starts, creates a first project on an empty database, and stops on SIGTERM with 0', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'conclave-serve-'));
    const url = `http://127.0.0.1:${port}`;
    const server = await serve(
      ['--port', String(port), '--database-url', join(dir, 'db.sqlite')],
      cleanEnv({ PORT: '1', LOG_LEVEL: 'warn', CONCLAVE_RATE_LIMIT: '0' }),
      url,
    );
    const project = /Project ID: +(\S+)/.exec(server.stdout())?.[1];
    const token = /API token: +(\S+)/.exec(server.stdout())?.[1];
    assert.ok(project && token, server.stdout());

    const listed = await runCli([
      '--url',
      url,
      '--project',
      project,
      '--token',
      token,
      'conferences',
      'list',
      '--json',
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);

    server.child.kill('SIGTERM');
    assert.equal(await server.exit, 0);
  });

  it('stops on SIGINT with 0', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'conclave-serve-'));
    const server = await serve(
      [],
      cleanEnv({ PORT: String(port), DATABASE_URL: join(dir, 'db.sqlite'), LOG_LEVEL: 'warn' }),
      `http://127.0.0.1:${port}`,
    );
    server.child.kill('SIGINT');
    assert.equal(await server.exit, 0);
  });

  it('2 for a setting the server refuses', async () => {
    const r = await runCli(['serve', '--port', 'eighty']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PORT must be an integer/);
  });
});

describe('--help', () => {
  function* commands(command: Command): Generator<Command> {
    yield command;
    for (const sub of command.commands) yield* commands(sub);
  }

  it('every command has a description and examples', () => {
    const program = buildProgram();
    let count = 0;
    for (const command of commands(program)) {
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      command.outputHelp();
      assert.ok(command.description(), `${command.name()} has no description`);
      assert.match(text, /\nExamples:\n {2}\$ conclave /, `${command.name()} has no examples`);
      count++;
    }
    assert.ok(count >= 22, `only ${count} commands`);
  });

  it('exits 0 and prints to stdout', async () => {
    const r = await runCli(['conferences', 'import', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: conclave conferences import \[options\] <file>/);
    assert.match(r.stdout, /--skip <n>/);
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('progress', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it(
    'draws a progress line on a terminal, and nothing when piped',
    { skip: !hasScript },
    async () => {
      const server = await startConclave();
      try {
        const env = cleanEnv({
          CONCLAVE_URL: server.url,
          SIGNALWIRE_PROJECT_ID: server.projectId,
          SIGNALWIRE_API_TOKEN: server.apiToken,
        });
        const client = new RestClient({
          project: server.projectId,
          token: server.apiToken,
          host: server.url,
        });
        await client.video.conferences.create({ display_name: 'one' });
        await client.video.conferences.create({ display_name: 'two' });
        const args = ['conferences', 'list', '--all', '--page-size', '1', '--jsonl'];
        const piped = await runCli(args, { env });
        assert.equal(piped.stderr, '');
        // `script` gives the command a pseudo-terminal; stdout goes to a file so only stderr is one.
        const dir = mkdtempSync(join(tmpdir(), 'conclave-tty-'));
        const command = [process.execPath, BIN, ...args]
          .map((a) => `'${a}'`)
          .join(' ')
          .concat(` > ${join(dir, 'out.jsonl')}`);
        // Not spawnSync: the server answering the CLI runs in this process.
        const tty = spawn('script', ['-qec', command, '/dev/null'], {
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let screen = '';
        tty.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
        const status = await new Promise<number | null>((resolve) => tty.on('exit', resolve));
        assert.equal(status, 0, screen);
        assert.ok(screen.includes('\r\u001b[K'), JSON.stringify(screen));
        assert.match(screen, /\d+ conferences…/);
        assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8'), piped.stdout);
      } finally {
        await server.close();
      }
    },
  );
});
