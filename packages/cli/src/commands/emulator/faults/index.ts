import type { Command } from 'commander';
import { withExamples } from '../../../command-support.js';
import { addCommand } from './add.js';
import { clearCommand } from './clear.js';
import { deleteCommand } from './delete.js';
import { listCommand } from './list.js';

/** `conclave emulator faults …` */
export function faultsCommands(emulator: Command): void {
  const group = emulator
    .command('faults')
    .description(
      'script faults: answer 429/500/503, add latency or drop the connection, for the next N ' +
        'requests matching a method and path (glob: * within a segment, ** across)',
    );
  withExamples(group, [
    'conclave emulator faults add --path "/api/video/conferences/*" --status 500 --count 3',
    'conclave emulator faults list',
    'conclave emulator faults clear',
  ]);
  addCommand(group);
  listCommand(group);
  deleteCommand(group);
  clearCommand(group);
}
