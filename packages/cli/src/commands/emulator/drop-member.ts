import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

export function dropMemberCommand(group: Command): Command {
  const command = group
    .command('drop-member')
    .description(
      "cut a live member's connection as a network failure would; it keeps its place for the " +
        'reconnect grace period and may resume',
    )
    .argument('<project-id>', 'the project')
    .argument('<session-id>', 'the live session')
    .argument('<member-id>', 'the member')
    .action(
      async (projectId: string, sessionId: string, memberId: string, _f: object, cmd: Command) => {
        await adminClientFor(cmd).emulator.dropMember(projectId, sessionId, memberId);
        await write(`Dropped the connection of member ${memberId}\n`);
      },
    );
  return withExamples(command, ['conclave emulator drop-member 2f0c… 9b1d… 41aa…']);
}
