export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s+/g, ' ');
}

/** Columns aligned with two spaces between them; the last column is not padded. */
export function renderTable<T>(columns: Column<T>[], rows: readonly T[]): string {
  const grid = [
    columns.map((c) => c.header),
    ...rows.map((row) => columns.map((c) => cell(c.value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...grid.map((r) => [...r[i]!].length)));
  return grid
    .map((r) =>
      r
        .map((text, i) =>
          i === r.length - 1 ? text : text + ' '.repeat(widths[i]! - [...text].length),
        )
        .join('  '),
    )
    .join('\n')
    .concat('\n');
}

/** One object as `key  value` lines; nested values as JSON. */
export function renderRecord(record: object): string {
  const entries = Object.entries(record);
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries
    .map(([key, value]) => {
      const text =
        value === null || value === undefined
          ? '-'
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      return `${key.padEnd(width)}  ${text}`;
    })
    .join('\n')
    .concat('\n');
}
