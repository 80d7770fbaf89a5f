import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../src/program.js';
import { startConclave, type Conclave } from '@conclave/testkit';
import { BIN, cleanEnv } from './helpers/run-cli.js';

const run = promisify(execFile);
const HEADING = '## The `conclave` command';
/** The address the README's commands use; the test points them at its own server instead. */
const README_URL = 'http://127.0.0.1:8080';

/** The CLI section: packages/cli/README.md, and the root README's copy of it when there is one. */
function sections(): { name: string; text: string }[] {
  const out = [
    {
      name: 'packages/cli/README.md',
      text: readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
    },
  ];
  const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = root.indexOf(HEADING);
  if (start >= 0) {
    const end = root.indexOf('\n## ', start + HEADING.length);
    out.push({ name: 'README.md', text: root.slice(start, end < 0 ? undefined : end) });
  }
  return out;
}

const shBlocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Shell words of one command line, quotes removed (enough for the examples we write). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
}

/** Every `conclave …` invocation in a shell line (after pipes, `$(`, `xargs`). */
function invocations(line: string): string[][] {
  const all = words(line.replace(/\$\(/g, ' ').replace(/[|;)]/g, ' | '));
  const out: string[][] = [];
  all.forEach((word, i) => {
    if (word !== 'conclave') return;
    const rest = all.slice(i + 1);
    const stop = rest.findIndex((w) => ['|', '>', '<', '&&', '#'].includes(w));
    out.push(stop < 0 ? rest : rest.slice(0, stop));
  });
  return out;
}

/** Fails unless `argv` names a command of the program and only options it has. */
function checkInvocation(program: Command, argv: string[], where: string): void {
  let command = program;
  const chain: Command[] = [program];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('-') && arg !== '-') {
      const flag = arg.split('=')[0]!;
      const option = chain
        .flatMap((c) => c.options)
        .find((o) => o.long === flag || o.short === flag || o.long === `--no-${flag.slice(2)}`);
      const builtIn = flag === '--help' || flag === '-h';
      assert.ok(option || builtIn, `${where}: conclave ${argv.join(' ')}: unknown option ${flag}`);
      if (option && (option.required || option.optional) && !arg.includes('=')) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === arg);
    if (sub) {
      command = sub;
      chain.push(sub);
    }
  }
  assert.equal(command.commands.length, 0, `${where}: conclave ${argv.join(' ')} names a group`);
}

describe('--help examples', () => {
  const program = buildProgram();

  it('every example of every --help names a real command and real options', () => {
    let checked = 0;
    const all: Command[] = [];
    const walk = (c: Command) => {
      all.push(c);
      c.commands.forEach(walk);
    };
    walk(program);
    for (const command of all) {
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      command.outputHelp();
      const examples = text
        .slice(text.indexOf('Examples:'))
        .split('\n')
        .filter((l) => l.startsWith('  $ '));
      for (const example of examples) {
        for (const argv of invocations(example.slice(4))) {
          checkInvocation(program, argv, `${command.name()} --help`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 40, `only ${checked} examples`);
  });
});

describe('the README, run as written', () => {
  let server: Conclave;
  before(async () => {
    server = await startConclave({ adminToken: 'change-me', emulator: true });
  });
  after(() => server.close());

  const hasJq = spawnSync('jq', ['--version']).status === 0;
  for (const { name, text } of sections()) {
    const title = `${name}: every command works, in order, against a real server`;
    it(title, { skip: hasJq ? false : 'the README uses jq, which is not installed' }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'conclave-readme-'));
      const shim = join(dir, 'bin', 'conclave');
      (await import('node:fs')).mkdirSync(join(dir, 'bin'));
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
      chmodSync(shim, 0o755);
      // `serve` runs until stopped; the serve tests cover it.
      const script = shBlocks(text)
        .join('\n')
        .split('\n')
        .filter((line) => !/\bconclave serve\b|^npm start/.test(line))
        .join('\n')
        .replaceAll(README_URL, server.url);
      const env = cleanEnv({ PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` });
      env.HOME = join(dir, 'home');
      delete env.XDG_CONFIG_HOME;
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env });
      assert.match(stdout, /Imported 2 conferences/);
      assert.match(stdout, /Deleted project [0-9a-f-]{36}/);
      assert.ok(existsSync(join(dir, 'conferences.jsonl')));
      assert.match(readFileSync(join(dir, 'conferences.csv'), 'utf8'), /^id,name,display_name,/);
    });
  }
});
