import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';

export function getCommand(group: Command): Command {
  const command = group
    .command('get')
    .description('show one conference')
    .argument('<id>', 'the conference id')
    .option('--active', 'include its session in progress, if any')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags & { active?: boolean }, cmd: Command) => {
      const conference = await restClientFor(cmd).video.conferences.get(
        id,
        flags.active ? { include_active_session: true } : {},
      );
      await printRecord(conference, outputMode(flags));
    });
  return withExamples(command, [
    'conclave conferences get 6f1d…',
    'conclave conferences get 6f1d… --active --json',
  ]);
}
