import type { UpdateConferenceRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { UPDATE_FIELDS } from '../../conference-fields.js';
import { UsageError } from '../../errors.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { addBodyOptions, bodyFromOptions } from './body-input.js';

export function updateCommand(group: Command): Command {
  const command = group
    .command('update')
    .description(
      'change a conference (PUT); fields not given keep their values, and --display-name ' +
        'defaults to the current one',
    )
    .argument('<id>', 'the conference id')
    .option('--json', 'print JSON');
  addBodyOptions(command, UPDATE_FIELDS).action(
    async (id: string, flags: OutputFlags & Record<string, unknown>, cmd: Command) => {
      const body = bodyFromOptions(flags, UPDATE_FIELDS);
      if (Object.keys(body).length === 0) {
        throw new UsageError('nothing to change: give at least one field (see --help)');
      }
      const conferences = restClientFor(cmd).video.conferences;
      // The API wants display_name on every PUT (D8); keeping the current one is what people mean.
      if (body.display_name === undefined) {
        body.display_name = (await conferences.get(id)).display_name ?? undefined;
      }
      const conference = await conferences.update(id, body as UpdateConferenceRequest);
      await printRecord(conference, outputMode(flags));
    },
  );
  return withExamples(command, [
    'conclave conferences update 6f1d… --size large --enable-chat false',
    'conclave conferences update 6f1d… --display-name "Weekly all hands" --json',
  ]);
}
