import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

export function deleteCommand(group: Command): Command {
  const command = group
    .command('delete')
    .description('delete rooms and their streams (their past sessions stay readable)')
    .argument('<id...>', 'one or more room ids')
    .action(async (ids: string[], _flags: object, cmd: Command) => {
      const rooms = restClientFor(cmd).video.rooms;
      for (const id of ids) {
        await rooms.delete(id);
        await write(`Deleted room ${id}\n`);
      }
    });
  return withExamples(command, [
    'conclave rooms delete 6f1d…',
    'conclave rooms list --all --jsonl --ends-before 2024-01-01 | jq -r .id | xargs conclave rooms delete',
  ]);
}
