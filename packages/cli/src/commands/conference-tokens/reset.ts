import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';

export function resetCommand(group: Command): Command {
  const command = group
    .command('reset')
    .description('give a conference token a new value; the old one stops working at once')
    .argument('<token-id>', 'the token id (from `conferences tokens`)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const token = await restClientFor(cmd).video.conferenceTokens.reset(id);
      await printRecord(token, outputMode(flags));
    });
  return withExamples(command, [
    'conclave conference-tokens reset 0b9a…',
    'conclave conference-tokens reset 0b9a… --json | jq -r .token',
  ]);
}
