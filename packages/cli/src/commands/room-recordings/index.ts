import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';
import { EVENT_COLUMNS, RECORDING_COLUMNS } from '../room-sessions/columns.js';
import { addMediaTtlOption, mediaTtlQuery, type MediaTtlFlags } from '../room-sessions/index.js';

/** `conclave room-recordings …` — recordings of sessions. */
export function roomRecordingsCommands(program: Command): void {
  const group = program
    .command('room-recordings')
    .description(
      'list, show and delete recordings, and list their events (each uri is a signed link to ' +
        'the file, valid for --media-ttl seconds)',
    );
  withExamples(group, [
    'conclave room-recordings list --all',
    'conclave room-recordings get 9e4a… --media-ttl 3600',
    'conclave room-recordings delete 9e4a…',
  ]);

  const list = addMediaTtlOption(
    addPagingOptions(group.command('list').description('list recordings, newest first')),
  ).action(async (flags: PagingFlags & MediaTtlFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomRecordings.list({
      ...mediaTtlQuery(flags),
      ...pageQuery(flags),
    });
    await printPages(pages, flags, RECORDING_COLUMNS, 'recordings');
  });
  withExamples(list, [
    'conclave room-recordings list',
    "conclave room-recordings list --all --media-ttl 3600 --jsonl | jq -r '.uri'",
  ]);

  const get = addMediaTtlOption(
    group.command('get').description('show one recording').argument('<id>', 'the recording id'),
  )
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags & MediaTtlFlags, cmd: Command) => {
      const recording = await restClientFor(cmd).video.roomRecordings.get(id, mediaTtlQuery(flags));
      await printRecord(recording, outputMode(flags));
    });
  withExamples(get, [
    'conclave room-recordings get 9e4a…',
    'conclave room-recordings get 9e4a… --media-ttl 60 --json | jq -r .uri',
  ]);

  const remove = group
    .command('delete')
    .description('delete recordings and their files')
    .argument('<id...>', 'one or more recording ids')
    .action(async (ids: string[], _flags: object, cmd: Command) => {
      const recordings = restClientFor(cmd).video.roomRecordings;
      for (const id of ids) {
        await recordings.delete(id);
        await write(`Deleted recording ${id}\n`);
      }
    });
  withExamples(remove, ['conclave room-recordings delete 9e4a… 1c8d…']);

  const events = addPagingOptions(
    group
      .command('events')
      .description("list a recording's events")
      .argument('<id>', 'the recording id'),
  ).action(async (id: string, flags: PagingFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomRecordings.listEvents(id, pageQuery(flags));
    await printPages(pages, flags, EVENT_COLUMNS, 'events');
  });
  withExamples(events, [
    'conclave room-recordings events 9e4a…',
    'conclave room-recordings events 9e4a… --all --json',
  ]);
}
