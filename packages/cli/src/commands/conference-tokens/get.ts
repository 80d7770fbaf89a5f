import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';

export function getCommand(group: Command): Command {
  const command = group
    .command('get')
    .description('show one conference token')
    .argument('<token-id>', 'the token id (from `conferences tokens`)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const token = await restClientFor(cmd).video.conferenceTokens.get(id);
      await printRecord(token, outputMode(flags));
    });
  return withExamples(command, ['conclave conference-tokens get 0b9a…']);
}
