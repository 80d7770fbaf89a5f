import type { Command } from 'commander';
import {
  addPagingOptions,
  addStreamUrlOption,
  pageQuery,
  printPages,
  restClientFor,
  streamUrlOf,
  withExamples,
  type PagingFlags,
} from '../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../output/list-output.js';
import { STREAM_COLUMNS } from './streams/columns.js';

type Owner = 'rooms' | 'conferences';
const noun = (owner: Owner) => (owner === 'rooms' ? 'room' : 'conference');

/** `conclave rooms|conferences streams <id>`: a room's or conference's streams. */
export function ownerStreamsCommand(group: Command, owner: Owner): Command {
  const command = addPagingOptions(
    group
      .command('streams')
      .description(`list a ${noun(owner)}'s outbound streams`)
      .argument('<id>', `the ${noun(owner)} id`),
  );
  command.action(async (id: string, flags: PagingFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video[owner].listStreams(id, pageQuery(flags));
    await printPages(pages, flags, STREAM_COLUMNS, 'streams');
  });
  return withExamples(command, [
    `conclave ${owner} streams 6f1d…`,
    `conclave ${owner} streams 6f1d… --json | jq -r '.[].url'`,
  ]);
}

/** `conclave rooms|conferences create-stream <id> --stream-url rtmp://…`. */
export function ownerCreateStreamCommand(group: Command, owner: Owner): Command {
  const command = addStreamUrlOption(
    group
      .command('create-stream')
      .description(
        `add an outbound stream to a ${noun(owner)} (at most 5); Conclave stores the ` +
          'configuration and sends no media yet',
      )
      .argument('<id>', `the ${noun(owner)} id`),
  )
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const url = streamUrlOf(cmd);
      const stream = await restClientFor(cmd).video[owner].createStream(id, { url });
      await printRecord(stream, outputMode(flags));
    });
  return withExamples(command, [
    `conclave ${owner} create-stream 6f1d… --stream-url rtmp://live.example.com/app/key`,
    `conclave ${owner} create-stream 6f1d… --stream-url rtmps://live.example.com/app/key --json | jq -r .id`,
  ]);
}
