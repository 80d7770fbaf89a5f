import type { UpdateRoomRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { UsageError } from '../../errors.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { ROOM_UPDATE_FIELDS } from '../../room-fields.js';
import { addBodyOptions, bodyFromOptions } from '../conferences/body-input.js';

export function updateCommand(group: Command): Command {
  const command = group
    .command('update')
    .description("change a room (PUT); fields not given keep their values, the name can't change")
    .argument('<id>', 'the room id')
    .option('--json', 'print JSON');
  addBodyOptions(command, ROOM_UPDATE_FIELDS).action(
    async (id: string, flags: OutputFlags & Record<string, unknown>, cmd: Command) => {
      const body = bodyFromOptions(flags, ROOM_UPDATE_FIELDS);
      if (Object.keys(body).length === 0) {
        throw new UsageError('nothing to change: give at least one field (see --help)');
      }
      const room = await restClientFor(cmd).video.rooms.update(id, body as UpdateRoomRequest);
      await printRecord(room, outputMode(flags));
    },
  );
  return withExamples(command, [
    'conclave rooms update 6f1d… --max-members 50 --quality 1080p',
    'conclave rooms update 6f1d… --display-name "Daily standup" --json',
  ]);
}
