import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { positiveInteger, restClientFor, withExamples } from '../../command-support.js';
import { EXPORT_COLUMNS } from '../../conference-fields.js';
import { Progress } from '../../output/progress.js';
import { write } from '../../output/stdout.js';
import { csvField } from '../../records/csv.js';
import { recordFormat, type RecordFormat } from '../../records/record-reader.js';

interface ExportFlags {
  output?: string;
  format?: string;
  startsAfter?: string;
  endsBefore?: string;
  pageSize?: number;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return csvField(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

export function exportCommand(group: Command): Command {
  const command = group
    .command('export')
    .description(
      'write every conference, newest first, as JSON Lines (default) or CSV — the formats ' +
        '`conferences import` reads',
    )
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--format <format>', 'jsonl or csv (default: from --output, else jsonl)')
    .option('--starts-after <time>', 'only those with join_from at or after this time')
    .option('--ends-before <time>', 'only those with join_until at or before this time')
    .option('--page-size <n>', 'conferences per request (default 1000)', positiveInteger(1000))
    .action(async (flags: ExportFlags, cmd: Command) => {
      const format: RecordFormat =
        flags.format !== undefined || flags.output !== undefined
          ? recordFormat(flags.output ?? '', flags.format)
          : 'jsonl';
      const conferences = restClientFor(cmd).video.conferences;
      const sink = flags.output ? createWriteStream(flags.output) : process.stdout;
      // On a terminal that is also showing the data, a progress line would garble it.
      const progress = new Progress('conferences exported', undefined);
      const showProgress = flags.output !== undefined || !process.stdout.isTTY;
      let count = 0;
      try {
        if (format === 'csv') await write(`${EXPORT_COLUMNS.join(',')}\n`, sink);
        for await (const conference of conferences.list({
          ...(flags.startsAfter !== undefined ? { starts_after: flags.startsAfter } : {}),
          ...(flags.endsBefore !== undefined ? { ends_before: flags.endsBefore } : {}),
          page_size: flags.pageSize ?? 1000,
        })) {
          const line =
            format === 'csv'
              ? EXPORT_COLUMNS.map((key) => csvCell(conference[key])).join(',')
              : JSON.stringify(conference);
          await write(`${line}\n`, sink);
          count++;
          if (showProgress) progress.tick();
        }
      } finally {
        progress.done();
        if (sink !== process.stdout) {
          sink.end();
          await finished(sink);
        }
      }
      if (flags.output) {
        await write(`Exported ${count} conference${count === 1 ? '' : 's'} to ${flags.output}\n`);
      }
    });
  return withExamples(command, [
    'conclave conferences export > conferences.jsonl',
    'conclave conferences export --output conferences.csv',
    'conclave conferences export --starts-after 2025-01-01 --format csv | head',
  ]);
}
