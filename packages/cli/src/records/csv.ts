/** A CSV row with the line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** Malformed CSV at a line. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * Reads RFC 4180 CSV (quoted fields with commas, doubled quotes and line breaks; CRLF or LF;
 * a leading BOM) one row at a time, so a bad row is reported only when reached and every row
 * before it can be used. Blank lines are skipped.
 */
export async function* parseCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRow> {
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the current field began with a quote
  let inQuotes = false;
  let afterQuote = false; // just read a quote inside a quoted field: closing, or the first of ""
  let line = 1;
  let rowLine = 1;
  let first = true;

  const endRow = (): CsvRow | undefined => {
    const blank = fields.length === 0 && field === '' && !quoted;
    const row = blank ? undefined : { line: rowLine, fields: [...fields, field] };
    fields = [];
    field = '';
    quoted = false;
    return row;
  };

  for await (let chunk of chunks) {
    if (first) {
      first = false;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    for (const c of chunk) {
      if (afterQuote) {
        afterQuote = false;
        if (c === '"') {
          field += '"';
          inQuotes = true;
          continue;
        }
        if (c !== ',' && c !== '\n' && c !== '\r') {
          throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(c)} after a closing quote`);
        }
      } else if (inQuotes) {
        if (c === '"') {
          inQuotes = false;
          afterQuote = true;
        } else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        quoted = false;
      } else if (c === '\n') {
        const row = endRow();
        line++;
        rowLine = line;
        if (row) yield row;
      } else if (c === '\r') {
        // Part of a CRLF line end.
      } else if (c === '"') {
        if (field !== '' || quoted) {
          throw new CsvSyntaxError(line, 'a quote inside a field that does not start with one');
        }
        quoted = true;
        inQuotes = true;
      } else {
        if (quoted) throw new CsvSyntaxError(line, 'text after a closing quote');
        field += c;
      }
    }
  }
  if (inQuotes) throw new CsvSyntaxError(rowLine, 'a quoted field is never closed');
  const row = endRow();
  if (row) yield row;
}

/** One CSV field, quoted when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
