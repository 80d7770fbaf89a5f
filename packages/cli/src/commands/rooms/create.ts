import type { CreateRoomRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { UsageError } from '../../errors.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { ROOM_CREATE_FIELDS } from '../../room-fields.js';
import { addBodyOptions, bodyFromOptions } from '../conferences/body-input.js';

export function createCommand(group: Command): Command {
  const command = group
    .command('create')
    .description('create a room')
    .option('--json', 'print JSON');
  addBodyOptions(command, ROOM_CREATE_FIELDS).action(
    async (flags: OutputFlags & Record<string, unknown>, cmd: Command) => {
      const body = bodyFromOptions(flags, ROOM_CREATE_FIELDS);
      if (typeof body.name !== 'string') {
        throw new UsageError('--name is required (or name in --data)');
      }
      const room = await restClientFor(cmd).video.rooms.create(body as CreateRoomRequest);
      await printRecord(room, outputMode(flags));
    },
  );
  return withExamples(command, [
    'conclave rooms create --name standup',
    'conclave rooms create --name standup --display-name Standup --max-members 10 --join-from 2030-01-01T09:00:00Z',
    `conclave rooms create --data '{"name":"retro","meta":{"team":"video"}}' --json`,
  ]);
}
