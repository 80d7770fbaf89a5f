import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';

export function getCommand(group: Command): Command {
  const command = group
    .command('get')
    .description('show one room, by id or by name')
    .argument('<id-or-name>', 'the room id, or its name')
    .option('--active', 'include its session in progress, if any')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags & { active?: boolean }, cmd: Command) => {
      const room = await restClientFor(cmd).video.rooms.get(
        id,
        flags.active ? { include_active_session: true } : {},
      );
      await printRecord(room, outputMode(flags));
    });
  return withExamples(command, [
    'conclave rooms get standup',
    'conclave rooms get 6f1d… --active --json',
  ]);
}
