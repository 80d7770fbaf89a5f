import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { joinCommand } from './join.js';

/** `conclave simulate …` — simulated members (emulator mode; the project of --project). */
export function simulateCommands(program: Command): void {
  const group = program
    .command('simulate')
    .description(
      'simulated members without media, for tests: they join through the same admission and ' +
        'rules as people (admin API of a server started with CONCLAVE_EMULATOR=1; the project is ' +
        '--project or SIGNALWIRE_PROJECT_ID)',
    );
  withExamples(group, ['conclave simulate join 2f0c… --members 5 --for 60s']);
  joinCommand(group);
}
