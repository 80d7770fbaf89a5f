import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { UsageError } from '../../errors.js';
import { outputMode, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';
import { describeCounts, describeReset } from './reset.js';

interface LoadFlags extends OutputFlags {
  reset?: boolean;
}

export function loadCommand(group: Command): Command {
  const command = group
    .command('load')
    .description(
      'load a fixture (a `conclave export` file) into a project: its conferences and rooms, ' +
        'with their ids, all or nothing',
    )
    .argument('<project-id>', 'the project to load into')
    .argument('<file>', 'the fixture, as `conclave export` writes it')
    .option('--reset', 'empty the project first (as `conclave emulator reset`)')
    .option('--json', 'print the result as JSON')
    .action(async (projectId: string, file: string, flags: LoadFlags, cmd: Command) => {
      let fixture: string;
      try {
        fixture = await readFile(file, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const loaded = await adminClientFor(cmd).emulator.loadFixture(projectId, fixture, {
        reset: flags.reset ?? false,
      });
      if (outputMode(flags) !== 'table') {
        await write(`${JSON.stringify(loaded, null, 2)}\n`);
        return;
      }
      if (loaded.reset) await write(describeReset(loaded.reset));
      await write(
        `Loaded ${describeCounts(loaded.loaded)} into project ${projectId} in ` +
          `${loaded.took_ms} ms` +
          (Object.keys(loaded.skipped).length > 0
            ? ` (skipped ${describeCounts(loaded.skipped)})`
            : '') +
          '\n',
      );
    });
  return withExamples(command, [
    'conclave export --database ./data/conclave.sqlite --project 2f0c… > fixture.jsonl',
    'conclave emulator load 2f0c… fixture.jsonl --reset',
  ]);
}
