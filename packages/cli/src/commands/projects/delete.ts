import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

export function deleteCommand(group: Command): Command {
  const command = group
    .command('delete')
    .description('delete a project and everything in it: conferences, tokens, API tokens')
    .argument('<project-id>', 'the project to delete')
    .action(async (id: string, _flags: object, cmd: Command) => {
      await adminClientFor(cmd).projects.delete(id);
      await write(`Deleted project ${id}\n`);
    });
  return withExamples(command, ['conclave projects delete 2f0c…']);
}
