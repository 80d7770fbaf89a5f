import type { Command } from 'commander';
import {
  addStreamUrlOption,
  restClientFor,
  streamUrlOf,
  withExamples,
} from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';

/** `conclave streams …` — one stream of a room or a conference. */
export function streamsCommands(program: Command): void {
  const group = program
    .command('streams')
    .description(
      'show, change or delete one outbound stream (create and list them with `rooms` or ' +
        '`conferences`); Conclave stores the configuration and sends no media yet',
    );
  withExamples(group, [
    'conclave streams get 3c2e…',
    'conclave streams update 3c2e… --stream-url rtmps://backup.example.com/app/key',
    'conclave streams delete 3c2e…',
  ]);

  const get = group
    .command('get')
    .description('show one stream')
    .argument('<id>', 'the stream id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const stream = await restClientFor(cmd).video.streams.get(id);
      await printRecord(stream, outputMode(flags));
    });
  withExamples(get, ['conclave streams get 3c2e…', 'conclave streams get 3c2e… --json']);

  const update = addStreamUrlOption(
    group
      .command('update')
      .description("change a stream's address (PUT)")
      .argument('<id>', 'the stream id'),
  )
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const url = streamUrlOf(cmd);
      const stream = await restClientFor(cmd).video.streams.update(id, { url });
      await printRecord(stream, outputMode(flags));
    });
  withExamples(update, [
    'conclave streams update 3c2e… --stream-url rtmp://live.example.com/app/key',
  ]);

  const remove = group
    .command('delete')
    .description('delete streams')
    .argument('<id...>', 'one or more stream ids')
    .action(async (ids: string[], _flags: object, cmd: Command) => {
      const streams = restClientFor(cmd).video.streams;
      for (const id of ids) {
        await streams.delete(id);
        await write(`Deleted stream ${id}\n`);
      }
    });
  withExamples(remove, ['conclave streams delete 3c2e… 9a7b…']);
}
