import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { clockCommands } from './clock.js';
import { dropMemberCommand } from './drop-member.js';
import { faultsCommands } from './faults/index.js';
import { loadCommand } from './load.js';
import { resetCommand } from './reset.js';

/** `conclave emulator …` — emulator mode (a server started with CONCLAVE_EMULATOR=1). */
export function emulatorCommands(program: Command): void {
  const group = program
    .command('emulator')
    .description(
      'emulator mode for tests: reset a project, load a fixture, script faults, move a ' +
        "project's test clock (admin API of a server started with CONCLAVE_EMULATOR=1: needs " +
        'CONCLAVE_ADMIN_TOKEN)',
    );
  withExamples(group, [
    'conclave emulator reset 2f0c…',
    'conclave emulator load 2f0c… fixture.jsonl --reset',
    'conclave emulator faults add --path "/api/video/conferences" --status 503 --count 2',
    'conclave emulator clock advance 1h',
  ]);
  resetCommand(group);
  loadCommand(group);
  faultsCommands(group);
  dropMemberCommand(group);
  clockCommands(group);
}
