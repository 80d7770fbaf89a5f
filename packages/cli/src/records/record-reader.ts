import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

export type RecordFormat = 'csv' | 'jsonl';

/** One object read from a file, with the line it starts on. */
export interface InputRecord {
  line: number;
  value: Record<string, unknown>;
}

/** A record that cannot be read; later records can still be. */
export interface RecordProblem {
  line: number;
  problem: string;
}

/** A file that cannot be read past a line (broken CSV quoting). */
export class RecordError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/** `--format`, else the file's extension (`.csv`; `.jsonl`, `.ndjson`). */
export function recordFormat(path: string, flag: string | undefined): RecordFormat {
  const given = flag?.toLowerCase();
  if (given === 'csv' || given === 'jsonl') return given;
  if (given !== undefined) throw new UsageError(`--format must be csv or jsonl, not "${flag}"`);
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new UsageError(
    `cannot tell the format of ${path}: name it .csv or .jsonl, or pass --format`,
  );
}

/**
 * The records of a CSV file (the first row names the columns; `checkColumns` may refuse them)
 * or of a JSON Lines file (one object per line), read lazily. A record that cannot be read is
 * yielded as a `RecordProblem`, in its place, so it can be skipped like any other; CSV quoting
 * so broken that nothing after it can be trusted throws a `RecordError` when reached.
 */
export async function* readRecords(
  input: Readable,
  format: RecordFormat,
  checkColumns: (columns: string[]) => void = () => {},
): AsyncGenerator<InputRecord | RecordProblem> {
  input.setEncoding('utf8');
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, problem: 'not valid JSON' };
        continue;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, problem: 'not a JSON object' };
        continue;
      }
      yield { line, value: value as Record<string, unknown> };
    }
    return;
  }
  let columns: string[] | undefined;
  try {
    for await (const row of parseCsv(input as AsyncIterable<string>)) {
      if (!columns) {
        columns = row.fields.map((f) => f.trim());
        checkColumns(columns);
        continue;
      }
      if (row.fields.length !== columns.length) {
        yield {
          line: row.line,
          problem: `${row.fields.length} fields where the header has ${columns.length}`,
        };
        continue;
      }
      yield {
        line: row.line,
        value: Object.fromEntries(columns.map((c, i) => [c, row.fields[i]])),
      };
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new RecordError(error.line, error.message);
    throw error;
  }
}
