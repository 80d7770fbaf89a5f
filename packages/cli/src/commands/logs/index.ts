import type { VideoLog } from '@conclave/sdk';
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
import type { Column } from '../../output/table.js';

/** A log that is not discarded, or undefined: a discarded log has only its id and dates. */
const live = (log: VideoLog) => ('discarded_at' in log ? undefined : log);

export const LOG_COLUMNS: Column<VideoLog>[] = [
  { header: 'ID', value: (l) => l.id },
  { header: 'TYPE', value: (l) => live(l)?.type },
  { header: 'ROOM', value: (l) => live(l)?.room_name },
  { header: 'STATUS', value: (l) => live(l)?.status ?? 'discarded' },
  { header: 'STARTED', value: (l) => live(l)?.started_at },
  { header: 'ENDED', value: (l) => live(l)?.ended_at },
  { header: 'CREATED', value: (l) => l.created_at },
];

interface ListFlags extends PagingFlags {
  includeDeleted?: boolean;
  createdBefore?: string;
  createdOn?: string;
  createdAfter?: string;
}

/** `conclave logs …` — video logs, one per session (a Conclave extension of the API). */
export function logsCommands(program: Command): void {
  const group = program
    .command('logs')
    .description(
      'list and show video logs: one per room or conference session, in-progress then ' +
        'completed (a Conclave extension)',
    );
  withExamples(group, [
    'conclave logs list --created-on 2030-01-15',
    'conclave logs list --include-deleted --all --jsonl',
    'conclave logs get 5d2f…',
  ]);

  const list = addPagingOptions(
    group
      .command('list')
      .description('list video logs, newest first')
      .option(
        '--include-deleted',
        'include the discarded logs of deleted rooms and conferences (only id and dates)',
      )
      .option(
        '--created-before <time>',
        'only those created before this time (RFC 3339, a date, or Unix seconds)',
      )
      .option('--created-on <date>', 'only those created on this UTC day')
      .option('--created-after <time>', 'only those created after this time'),
  ).action(async (flags: ListFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.logs.list({
      ...(flags.includeDeleted ? { include_deleted: true } : {}),
      ...(flags.createdBefore !== undefined ? { created_before: flags.createdBefore } : {}),
      ...(flags.createdOn !== undefined ? { created_on: flags.createdOn } : {}),
      ...(flags.createdAfter !== undefined ? { created_after: flags.createdAfter } : {}),
      ...pageQuery(flags),
    });
    await printPages(pages, flags, LOG_COLUMNS, 'logs');
  });
  withExamples(list, [
    'conclave logs list',
    'conclave logs list --created-after 2030-01-01 --created-before 2030-02-01 --all',
    'conclave logs list --created-on 2030-01-15 --include-deleted',
    'conclave logs list --all --jsonl | jq -r \'select(.status == "in-progress") | .url\'',
  ]);

  const get = group
    .command('get')
    .description('show one video log (a discarded one too, as id and dates)')
    .argument('<id>', 'the log id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: OutputFlags, cmd: Command) => {
      const log = await restClientFor(cmd).video.logs.get(id);
      await printRecord(log, outputMode(flags));
    });
  withExamples(get, ['conclave logs get 5d2f…', 'conclave logs get 5d2f… --json']);
}
