import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';

/**
 * `conclave room-sessions record` and `stop-recording`: start and stop recordings of a live
 * session through Conclave's own API (`client.conclave`), as a moderator would.
 */
export function recordingCommands(group: Command): void {
  const record = group
    .command('record')
    .description(
      'start recording a live session (the featured camera and everyone’s audio, WebM) until ' +
        'stop-recording or its end; prints the recording',
    )
    .argument('<id>', 'the live session id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const recording = await restClientFor(cmd).conclave.startRecording(id);
      await printRecord(recording, outputMode(flags));
    });
  withExamples(record, [
    'conclave room-sessions record 0b5c…',
    "conclave room-sessions record 0b5c… --json | jq -r '.id'",
  ]);

  const stop = group
    .command('stop-recording')
    .description(
      "stop a live session's recordings in progress (or the one --recording-id names); each " +
        'becomes completed once its file is finished',
    )
    .argument('<id>', 'the live session id')
    .option('--recording-id <id>', 'stop only this recording')
    .action(async (id: string, flags: { recordingId?: string }, cmd: Command) => {
      await restClientFor(cmd).conclave.stopRecording(
        id,
        flags.recordingId === undefined ? {} : { recordingId: flags.recordingId },
      );
      await write(
        flags.recordingId === undefined
          ? `Stopped the recordings of session ${id}\n`
          : `Stopped recording ${flags.recordingId}\n`,
      );
    });
  withExamples(stop, [
    'conclave room-sessions stop-recording 0b5c…',
    'conclave room-sessions stop-recording 0b5c… --recording-id 9e4a…',
  ]);
}
