import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { CONFERENCE_COLUMNS, SESSION_COLUMN } from './columns.js';

interface ListFlags extends PagingFlags {
  startsAfter?: string;
  endsBefore?: string;
  active?: boolean;
}

export function listCommand(group: Command): Command {
  const command = group
    .command('list')
    .description('list conferences, newest first')
    .option(
      '--starts-after <time>',
      'only those with join_from at or after this time (RFC 3339, a date, or Unix seconds)',
    )
    .option('--ends-before <time>', 'only those with join_until at or before this time')
    .option('--active', "include each conference's session in progress (include_active_session)");
  addPagingOptions(command).action(async (flags: ListFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.conferences.list({
      ...(flags.startsAfter !== undefined ? { starts_after: flags.startsAfter } : {}),
      ...(flags.endsBefore !== undefined ? { ends_before: flags.endsBefore } : {}),
      ...(flags.active ? { include_active_session: true } : {}),
      ...pageQuery(flags),
    });
    const columns = flags.active ? [...CONFERENCE_COLUMNS, SESSION_COLUMN] : CONFERENCE_COLUMNS;
    await printPages(pages, flags, columns, 'conferences');
  });
  return withExamples(command, [
    'conclave conferences list',
    'conclave conferences list --starts-after 2025-01-01 --ends-before 2025-12-31 --all',
    'conclave conferences list --active --page-size 10',
    "conclave conferences list --all --jsonl | jq -r '.name'",
  ]);
}
