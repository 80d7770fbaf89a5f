import type { CreateRoomTokenRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { UsageError } from '../../errors.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { permissionsHelp, ROOM_TOKEN_FIELDS } from '../../room-fields.js';
import { addBodyOptions, bodyFromOptions } from '../conferences/body-input.js';

/** `conclave room-tokens create` */
export function roomTokensCommands(program: Command): void {
  const group = program
    .command('room-tokens')
    .description('issue room tokens: signed JWTs that admit one person to a room');
  withExamples(group, ['conclave room-tokens create --room-name standup --user-name Ada']);

  const create = group
    .command('create')
    .description('issue a room token carrying the given grants')
    .option('--json', 'print JSON');
  addBodyOptions(create, ROOM_TOKEN_FIELDS).action(
    async (flags: OutputFlags & Record<string, unknown>, cmd: Command) => {
      const body = bodyFromOptions(flags, ROOM_TOKEN_FIELDS);
      if (typeof body.room_name !== 'string') {
        throw new UsageError('--room-name is required (or room_name in --data)');
      }
      const token = await restClientFor(cmd).video.roomTokens.create(
        body as CreateRoomTokenRequest,
      );
      await printRecord(token, outputMode(flags));
    },
  );
  create.addHelpText('after', permissionsHelp());
  withExamples(create, [
    'conclave room-tokens create --room-name standup --user-name Ada',
    'conclave room-tokens create --room-name standup --permissions room.self.audio_mute,room.self.audio_unmute --join-until 2030-01-01T10:00:00Z',
    'conclave room-tokens create --room-name townhall --join-as audience --json | jq -r .token',
  ]);
}
