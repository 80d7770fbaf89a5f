import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../../command-support.js';
import { write } from '../../../output/stdout.js';

export function clearCommand(group: Command): Command {
  const command = group
    .command('clear')
    .description('remove every scripted fault, or one project’s')
    .option('--project-id <id>', "only this project's")
    .action(async (flags: { projectId?: string }, cmd: Command) => {
      await adminClientFor(cmd).emulator.clearFaults(
        flags.projectId ? { project_id: flags.projectId } : {},
      );
      await write(
        flags.projectId
          ? `Cleared the faults of project ${flags.projectId}\n`
          : 'Cleared every fault\n',
      );
    });
  return withExamples(command, [
    'conclave emulator faults clear',
    'conclave emulator faults clear --project-id 2f0c…',
  ]);
}
