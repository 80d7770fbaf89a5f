import type { CreateConferenceRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { CREATE_FIELDS } from '../../conference-fields.js';
import { UsageError } from '../../errors.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { addBodyOptions, bodyFromOptions } from './body-input.js';

export function createCommand(group: Command): Command {
  const command = group
    .command('create')
    .description('create a conference (with its Moderator and Guest tokens)')
    .option('--json', 'print JSON');
  addBodyOptions(command, CREATE_FIELDS).action(
    async (flags: OutputFlags & Record<string, unknown>, cmd: Command) => {
      const body = bodyFromOptions(flags, CREATE_FIELDS);
      if (typeof body.display_name !== 'string') {
        throw new UsageError('--display-name is required (or display_name in --data)');
      }
      const conference = await restClientFor(cmd).video.conferences.create(
        body as CreateConferenceRequest,
      );
      await printRecord(conference, outputMode(flags));
    },
  );
  return withExamples(command, [
    'conclave conferences create --display-name "All hands"',
    'conclave conferences create --display-name Standup --name standup --size small --join-from 2025-06-01T09:00:00Z',
    `conclave conferences create --data '{"display_name":"Retro","meta":{"team":"video"}}' --json`,
  ]);
}
