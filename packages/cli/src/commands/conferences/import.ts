import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { CreateConferenceRequest } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, wholeNumber, withExamples } from '../../command-support.js';
import { CREATE_FIELDS, parseFieldValue, READ_ONLY_FIELDS } from '../../conference-fields.js';
import { describeFailure, ReportedFailure, UsageError } from '../../errors.js';
import { outputMode, type OutputFlags } from '../../output/list-output.js';
import { Progress } from '../../output/progress.js';
import { note, write } from '../../output/stdout.js';
import {
  readRecords,
  recordFormat,
  RecordError,
  type InputRecord,
  type RecordFormat,
} from '../../records/record-reader.js';

interface ImportFlags extends OutputFlags {
  format?: string;
  skip?: number;
}

const FIELDS = new Map(CREATE_FIELDS.map((f) => [f.key, f]));
const READ_ONLY = new Set(READ_ONLY_FIELDS);

function checkColumns(file: string) {
  return (columns: string[]): void => {
    const unknown = columns.filter((c) => !FIELDS.has(c) && !READ_ONLY.has(c));
    if (unknown.length > 0) {
      throw new UsageError(
        `${file}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ` +
          `(known: ${[...FIELDS.keys()].join(', ')})`,
      );
    }
    const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
    if (duplicate) throw new UsageError(`${file}: column ${duplicate} appears twice`);
    if (!columns.includes('display_name')) {
      throw new UsageError(`${file}: a display_name column is required`);
    }
  };
}

/** The create body of a record, or why it has none. */
function bodyOf(record: InputRecord): { body: Record<string, unknown> } | { problem: string } {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.value)) {
    if (READ_ONLY.has(key) || value === null || value === '') continue;
    const field = FIELDS.get(key);
    if (!field) return { problem: `unknown field ${key}` };
    if (typeof value !== 'string') {
      body[key] = value;
      continue;
    }
    try {
      body[key] = parseFieldValue(field, value, key);
    } catch (error) {
      return { problem: (error as Error).message.replace(/^[^:]*: /, '') };
    }
  }
  return { body };
}

/** Roughly how many records a file holds, for the progress bar. */
async function countRecords(file: string, format: RecordFormat): Promise<number> {
  let lines = 0;
  let last = '\n';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    for (const c of chunk as string) if (c === '\n') lines++;
    last = (chunk as string).slice(-1);
  }
  if (last !== '\n') lines++;
  return format === 'csv' ? Math.max(lines - 1, 0) : lines;
}

export function importCommand(group: Command): Command {
  const command = group
    .command('import')
    .description(
      'create a conference for each record of a CSV file (a header row of field names) or a ' +
        'JSON Lines file (one object per line), in order; stops at the first record that fails, ' +
        'says which line it is and how to resume',
    )
    .argument('<file>', 'a .csv or .jsonl file, or - for standard input (with --format)')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--skip <n>', 'skip the first n records (to resume an import)', wholeNumber, 0)
    .option('--json', 'print a JSON summary when done')
    .option('--jsonl', 'print each created conference as a JSON line')
    .action(async (file: string, flags: ImportFlags, cmd: Command) => {
      const mode = outputMode(flags);
      const format = recordFormat(file, flags.format);
      const conferences = restClientFor(cmd).video.conferences;
      if (file !== '-') {
        await access(file).catch(() => {
          throw new UsageError(`cannot read ${file}`);
        });
      }
      const skip = flags.skip ?? 0;
      const probe = new Progress('');
      const total = probe.enabled && file !== '-' ? await countRecords(file, format) : undefined;
      const progress = new Progress('records', total);
      const input = file === '-' ? process.stdin : createReadStream(file);

      let seen = 0; // records read, skipped ones included
      let imported = 0;
      let failure: { line: number; lines: string[] } | undefined;
      try {
        for await (const record of readRecords(input, format, checkColumns(file))) {
          seen++;
          progress.tick();
          if (seen <= skip) continue;
          if ('problem' in record) {
            failure = { line: record.line, lines: [record.problem] };
            break;
          }
          const parsed = bodyOf(record);
          if ('problem' in parsed) {
            failure = { line: record.line, lines: [parsed.problem] };
            break;
          }
          try {
            const conference = await conferences.create(parsed.body as CreateConferenceRequest);
            imported++;
            if (mode === 'jsonl') await write(`${JSON.stringify(conference)}\n`);
          } catch (error) {
            failure = { line: record.line, lines: describeFailure(error) };
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        seen++;
        failure = { line: error.line, lines: [error.message] };
      } finally {
        progress.done();
        input.destroy();
      }

      if (failure) {
        const done = seen - 1;
        const where = file === '-' ? 'standard input' : file;
        const again = `conclave conferences import ${file === '-' ? '- --format ' + format : file}`;
        note(`conclave: import stopped at line ${failure.line} of ${where} (record ${seen}):`);
        for (const line of failure.lines) note(`  ${line}`);
        note(
          `${imported} conference${imported === 1 ? '' : 's'} imported by this run` +
            (done > 0 ? `; records 1–${done} are done.` : '.'),
        );
        note(`Fix line ${failure.line} and resume:  ${again} --skip ${done}`);
        note(`or leave record ${seen} out:   ${again} --skip ${seen}`);
        throw new ReportedFailure('import stopped');
      }

      const skipped = Math.min(skip, seen);
      if (mode === 'json') {
        await write(`${JSON.stringify({ imported, skipped, records: seen })}\n`);
      } else if (mode === 'table') {
        await write(
          `Imported ${imported} conference${imported === 1 ? '' : 's'}` +
            (skipped > 0 ? ` (skipped the first ${skipped} records)` : '') +
            '\n',
        );
      }
    });
  return withExamples(command, [
    'conclave conferences import conferences.csv',
    'conclave conferences import conferences.jsonl --skip 120',
    'conclave conferences export --format jsonl | conclave --profile staging conferences import - --format jsonl',
  ]);
}
