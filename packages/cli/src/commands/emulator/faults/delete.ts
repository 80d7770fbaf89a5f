import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../../command-support.js';
import { write } from '../../../output/stdout.js';

export function deleteCommand(group: Command): Command {
  const command = group
    .command('delete')
    .description('remove one scripted fault')
    .argument('<fault-id>', 'the fault to remove')
    .action(async (id: string, _flags: object, cmd: Command) => {
      await adminClientFor(cmd).emulator.deleteFault(id);
      await write(`Deleted fault ${id}\n`);
    });
  return withExamples(command, ['conclave emulator faults delete 6a1e…']);
}
