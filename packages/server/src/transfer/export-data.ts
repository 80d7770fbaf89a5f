import type { Cursor, OwnedTable, ScannedTable, Store, TableRow } from '../store/store.js';
import {
  canonicalRow,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  TransferError,
  SINGLE_ROW_RECORDS,
  zeroCounts,
  type ExportEnd,
  type ExportHeader,
  type ExportRecord,
  type TableCounts,
} from './transfer-format.js';

export interface ExportOptions {
  /** Export this project only; by default every project. */
  projectId?: string | undefined;
  /** Rows read per query; default 1000. */
  pageSize?: number;
  /** The export's timestamp, for reproducible files in tests. */
  now?: () => Date;
  /** Called after each page with the rows exported so far, by table. */
  onProgress?: (counts: TableCounts) => void;
}

/**
 * Streams a database's data (or one project's) as JSON Lines: each string holds one or more whole
 * lines, each ending in `\n`. Reads page by page in list order, so memory stays flat and each read is an index range
 * scan whatever the table size. The data is read as it is while the export runs: stop writes
 * first for a consistent copy.
 *
 * @example
 *   await pipeline(Readable.from(exportData(store)), createWriteStream('conclave.jsonl'));
 */
export async function* exportData(
  store: Store,
  options: ExportOptions = {},
): AsyncGenerator<string, void, undefined> {
  const pageSize = options.pageSize ?? 1000;
  const counts = zeroCounts();
  const header: ExportHeader = {
    type: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    engine: store.engine,
    exported_at: (options.now?.() ?? new Date()).toISOString(),
    project_id: options.projectId ?? null,
  };
  yield line(header);

  const projects = options.projectId
    ? await store.scanRows('projects', options.projectId, undefined, 1)
    : scan(store, 'projects', undefined, pageSize);
  let any = false;
  for await (const project of projects) {
    any = true;
    counts.projects++;
    yield line({ type: 'project', row: canonicalRow('projects', project) });
    for await (const row of scan(store, 'api_tokens', project.id, pageSize)) {
      counts.api_tokens++;
      yield line({ type: 'api_token', row: canonicalRow('api_tokens', row) });
    }
    for await (const page of scanPages(store, 'conferences', project.id, pageSize)) {
      const ids = page.map((c) => c.id);
      const [tokens, streams] = await Promise.all([
        ownedBy(store, 'conference_tokens', project.id, ids, (t) => t.conference_id),
        ownedBy(store, 'streams', project.id, ids, (s) => s.room_id),
      ]);
      let chunk = '';
      for (const row of page) {
        const record = {
          type: 'conference' as const,
          row: canonicalRow('conferences', row),
          tokens: tokens.get(row.id) ?? [],
          streams: streams.get(row.id) ?? [],
        };
        counts.conferences++;
        counts.conference_tokens += record.tokens.length;
        counts.streams += record.streams.length;
        chunk += line(record);
      }
      yield chunk;
      options.onProgress?.({ ...counts });
    }
    for await (const page of scanPages(store, 'rooms', project.id, pageSize)) {
      const streams = await ownedBy(
        store,
        'streams',
        project.id,
        page.map((r) => r.id),
        (s) => s.room_id,
      );
      let chunk = '';
      for (const row of page) {
        const own = streams.get(row.id) ?? [];
        counts.rooms++;
        counts.streams += own.length;
        chunk += line({ type: 'room', row: canonicalRow('rooms', row), streams: own });
      }
      yield chunk;
      options.onProgress?.({ ...counts });
    }
    for await (const row of scan(store, 'room_sessions', project.id, pageSize)) {
      counts.room_sessions++;
      yield line({ type: 'room_session', row: canonicalRow('room_sessions', row) });
    }
    for await (const row of scan(store, 'room_token_keys', project.id, pageSize)) {
      counts.room_token_keys++;
      yield line({ type: 'room_token_key', row: canonicalRow('room_token_keys', row) });
    }
    for (const [type, table] of Object.entries(SINGLE_ROW_RECORDS)) {
      for await (const row of scan(store, table, project.id, pageSize)) {
        counts[table]++;
        yield line({ type, row: canonicalRow(table, row) } as ExportRecord);
      }
    }
  }
  if (options.projectId && !any) {
    throw new TransferError(`no project ${options.projectId} in this database`);
  }
  const end: ExportEnd = { type: 'end', counts };
  yield line(end);
}

function line(value: ExportHeader | ExportRecord | ExportEnd): string {
  return JSON.stringify(value) + '\n';
}

/** Pages of a table in list order; the next page is read while the caller handles this one. */
async function* scanPages<T extends ScannedTable>(
  store: Store,
  table: T,
  projectId: string | undefined,
  pageSize: number,
): AsyncGenerator<TableRow<T>[]> {
  let next = store.scanRows(table, projectId, undefined, pageSize);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    // Every scanned table has the list key; Kysely cannot see that through the generic.
    const last = rows.at(-1)! as unknown as { created_at: number; id?: string; kid?: string };
    const after: Cursor = { createdAt: last.created_at, id: (last.id ?? last.kid)! };
    next =
      rows.length < pageSize
        ? Promise.resolve([])
        : store.scanRows(table, projectId, after, pageSize);
    // Keep a rejected read-ahead from being reported as unhandled if the consumer stops early.
    next.catch(() => {});
    yield rows;
  }
}

async function* scan<T extends ScannedTable>(
  store: Store,
  table: T,
  projectId: string | undefined,
  pageSize: number,
): AsyncGenerator<TableRow<T>> {
  for await (const page of scanPages(store, table, projectId, pageSize)) yield* page;
}

/** The rows of an owned table for a page of owners, by owner id, each in canonical form. */
async function ownedBy<T extends OwnedTable>(
  store: Store,
  table: T,
  projectId: string,
  ownerIds: string[],
  ownerOf: (row: TableRow<T>) => string,
): Promise<Map<string, TableRow<T>[]>> {
  const byOwner = new Map<string, TableRow<T>[]>();
  for (const row of await store.ownedRowsOf(table, projectId, ownerIds)) {
    const owner = ownerOf(row);
    const list = byOwner.get(owner) ?? [];
    list.push(canonicalRow(table, row));
    byOwner.set(owner, list);
  }
  return byOwner;
}
