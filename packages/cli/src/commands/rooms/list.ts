import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { ROOM_COLUMNS, ROOM_SESSION_COLUMN } from './columns.js';

interface ListFlags extends PagingFlags {
  startsAfter?: string;
  endsBefore?: string;
  active?: boolean;
}

export function listCommand(group: Command): Command {
  const command = group
    .command('list')
    .description("list rooms, newest first (a conference's own room is not one of them)")
    .option(
      '--starts-after <time>',
      'only those with join_from at or after this time (RFC 3339, a date, or Unix seconds)',
    )
    .option('--ends-before <time>', 'only those with join_until at or before this time')
    .option('--active', "include each room's session in progress (include_active_session)");
  addPagingOptions(command).action(async (flags: ListFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.rooms.list({
      ...(flags.startsAfter !== undefined ? { starts_after: flags.startsAfter } : {}),
      ...(flags.endsBefore !== undefined ? { ends_before: flags.endsBefore } : {}),
      ...(flags.active ? { include_active_session: true } : {}),
      ...pageQuery(flags),
    });
    const columns = flags.active ? [...ROOM_COLUMNS, ROOM_SESSION_COLUMN] : ROOM_COLUMNS;
    await printPages(pages, flags, columns, 'rooms');
  });
  return withExamples(command, [
    'conclave rooms list',
    'conclave rooms list --starts-after 2030-01-01 --ends-before 2030-12-31 --all',
    'conclave rooms list --active --page-size 10',
    "conclave rooms list --all --jsonl | jq -r '.name'",
  ]);
}
