import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  wholeNumber,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { EVENT_COLUMNS, MEMBER_COLUMNS, RECORDING_COLUMNS } from './columns.js';
import { listCommand } from './list.js';
import { recordingCommands } from './recording.js';

/** `conclave room-sessions …` — sessions of rooms and conferences; recordings of live ones. */
export function roomSessionsCommands(program: Command): void {
  const group = program
    .command('room-sessions')
    .description(
      'list and show sessions of rooms and conferences, their members, events and recordings ' +
        '(the live-session engine writes them); start and stop recording a live one',
    );
  withExamples(group, [
    'conclave room-sessions list --status in-progress',
    'conclave room-sessions get 0b5c…',
    'conclave room-sessions members 0b5c… --all',
    'conclave room-sessions recordings 0b5c… --json',
    'conclave room-sessions record 0b5c…',
  ]);
  listCommand(group);

  const get = group
    .command('get')
    .description('show one session')
    .argument('<id>', 'the session id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const session = await restClientFor(cmd).video.roomSessions.get(id);
      await printRecord(session, outputMode(flags));
    });
  withExamples(get, [
    'conclave room-sessions get 0b5c…',
    'conclave room-sessions get 0b5c… --json',
  ]);

  const members = addPagingOptions(
    group
      .command('members')
      .description("list a session's members")
      .argument('<id>', 'the session id'),
  ).action(async (id: string, flags: PagingFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomSessions.listMembers(id, pageQuery(flags));
    await printPages(pages, flags, MEMBER_COLUMNS, 'members');
  });
  withExamples(members, [
    'conclave room-sessions members 0b5c…',
    "conclave room-sessions members 0b5c… --all --jsonl | jq -r '.name'",
  ]);

  const events = addPagingOptions(
    group
      .command('events')
      .description("list a session's events")
      .argument('<id>', 'the session id'),
  ).action(async (id: string, flags: PagingFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomSessions.listEvents(id, pageQuery(flags));
    await printPages(pages, flags, EVENT_COLUMNS, 'events');
  });
  withExamples(events, [
    'conclave room-sessions events 0b5c…',
    'conclave room-sessions events 0b5c… --all --json',
  ]);

  const recordings = addMediaTtlOption(
    addPagingOptions(
      group
        .command('recordings')
        .description("list a session's recordings")
        .argument('<id>', 'the session id'),
    ),
  ).action(async (id: string, flags: PagingFlags & MediaTtlFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomSessions.listRecordings(id, {
      ...mediaTtlQuery(flags),
      ...pageQuery(flags),
    });
    await printPages(pages, flags, RECORDING_COLUMNS, 'recordings');
  });
  withExamples(recordings, [
    'conclave room-sessions recordings 0b5c…',
    "conclave room-sessions recordings 0b5c… --media-ttl 3600 --json | jq -r '.[].uri'",
  ]);
  recordingCommands(group);
}

export interface MediaTtlFlags {
  mediaTtl?: number;
}

/** `--media-ttl`: how long the signed `uri` of each recording stays valid. */
export function addMediaTtlOption(command: Command): Command {
  return command.option(
    '--media-ttl <seconds>',
    'seconds the signed uri of each recording stays valid, 0 to 604800 (default 900)',
    wholeNumber,
  );
}

export function mediaTtlQuery(flags: MediaTtlFlags): { media_ttl?: number } {
  return flags.mediaTtl !== undefined ? { media_ttl: flags.mediaTtl } : {};
}
