import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

export function deleteCommand(group: Command): Command {
  const command = group
    .command('delete')
    .description('delete conferences and their tokens')
    .argument('<id...>', 'one or more conference ids')
    .action(async (ids: string[], _flags: object, cmd: Command) => {
      const conferences = restClientFor(cmd).video.conferences;
      for (const id of ids) {
        await conferences.delete(id);
        await write(`Deleted conference ${id}\n`);
      }
    });
  return withExamples(command, [
    'conclave conferences delete 6f1d…',
    'conclave conferences list --all --jsonl --ends-before 2024-01-01 | jq -r .id | xargs conclave conferences delete',
  ]);
}
