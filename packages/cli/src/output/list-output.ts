import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { Progress } from './progress.js';
import { write } from './stdout.js';
import { renderRecord, renderTable, type Column } from './table.js';

export type OutputMode = 'table' | 'json' | 'jsonl';

export interface OutputFlags {
  json?: boolean;
  jsonl?: boolean;
}

/** `--json` and `--jsonl`, on a command that prints objects. */
export function addOutputOptions(command: Command, { jsonl = true } = {}): Command {
  command.option('--json', 'print JSON (an array for lists) instead of a table');
  if (jsonl) command.option('--jsonl', 'print one JSON object per line');
  return command;
}

export function outputMode(flags: OutputFlags): OutputMode {
  if (flags.json && flags.jsonl) throw new UsageError('--json and --jsonl cannot go together');
  return flags.json ? 'json' : flags.jsonl ? 'jsonl' : 'table';
}

/** Prints one object: `key  value` lines, or JSON. */
export async function printRecord(record: object, mode: OutputMode): Promise<void> {
  if (mode === 'table') await write(renderRecord(record));
  else await write(`${JSON.stringify(record, null, mode === 'json' ? 2 : undefined)}\n`);
}

/**
 * Prints the items of a list. JSON Lines stream as they arrive; a table and a JSON array wait
 * for the last item. A progress counter runs on a terminal while pages load.
 */
export async function printList<T>(
  items: AsyncIterable<T> | Iterable<T>,
  mode: OutputMode,
  columns: Column<T>[],
  label: string,
): Promise<number> {
  const progress = new Progress(label);
  const rows: T[] = [];
  let count = 0;
  try {
    for await (const item of items) {
      count++;
      progress.tick();
      if (mode === 'jsonl') await write(`${JSON.stringify(item)}\n`);
      else rows.push(item);
    }
  } finally {
    progress.done();
  }
  if (mode === 'json') await write(`${JSON.stringify(rows, null, 2)}\n`);
  if (mode === 'table')
    await write(rows.length > 0 ? renderTable(columns, rows) : `No ${label}.\n`);
  return count;
}
