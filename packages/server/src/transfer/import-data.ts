import type { OwnedTable, RowBatch, Store, TableName, TableRow } from '../store/store.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  readRow,
  ADDED_TABLES,
  SINGLE_ROW_RECORDS,
  TABLE_NAMES,
  TransferError,
  zeroCounts,
  type TableCounts,
  type TransferTable,
} from './transfer-format.js';

export interface ImportProgress {
  /** Lines read so far. */
  lines: number;
  /** Every line up to this one is in the database: the `resumeFrom` to continue from. */
  committedLines: number;
  /** Rows this run wrote, by table. */
  imported: TableCounts;
}

export interface ImportOptions {
  /** Called after each batch is committed. */
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Continue an interrupted import of the same file: lines up to this number were committed by an
   * earlier run (its last `committedLines`; 0 starts over). Rows already stored are left alone, so
   * a number lower than the true one is safe.
   */
  resumeFrom?: number | undefined;
  /** Load this project only, leaving the file's others out. */
  projectId?: string | undefined;
  /** Lines written per transaction; default 1000. */
  batchSize?: number;
  /** Transactions written at once; default 3 on PostgreSQL, 1 on SQLite. */
  concurrency?: number;
}

export interface ImportResult {
  /** Lines in the file. */
  lines: number;
  /** Rows in the file (of `projectId`, if given), by table: verified to be in the database. */
  counts: TableCounts;
  projects: string[];
}

/** The rows one line of the file contributes. */
interface LineRows {
  projectId: string;
  rows: { [T in TableName]?: TableRow<T>[] };
}

/**
 * Loads an export (see `transfer-format.ts`) into `store`, one transaction per batch of lines,
 * then checks that the database holds, for each project in the file, exactly the rows the file
 * has. The projects must not exist in the target yet, unless resuming. Throws TransferError when
 * the file is malformed or incomplete, a write fails, or the counts disagree; its message says
 * how far the import got.
 *
 * @example
 *   const lines = createInterface({ input: createReadStream('conclave.jsonl'), crlfDelay: Infinity });
 *   await importData(store, lines, { onProgress: (p) => console.log(p.committedLines) });
 */
export async function importData(
  store: Store,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const resuming = options.resumeFrom !== undefined;
  const resumeFrom = options.resumeFrom ?? 0;
  const only = options.projectId;
  const file = new FileTally();
  const writer = new BatchWriter(store, options, resumeFrom);
  let lineNo = 0;

  try {
    for await (const raw of lines) {
      lineNo++;
      writer.linesRead = lineNo;
      const where = `line ${lineNo}`;
      const text = raw.trim();
      if (text === '') continue;
      const record = file.read(text, where);
      if (!record) continue;
      if (lineNo <= resumeFrom || (only !== undefined && record.projectId !== only)) continue;
      const project = record.rows.projects?.[0];
      if (project && !resuming && (await store.countRows('projects', project.id)) > 0) {
        throw new TransferError(
          `${where}: project ${project.id} already exists in the target database ` +
            `(import into a database without it, or resume an interrupted import)`,
        );
      }
      await writer.add(record.rows, lineNo);
    }
    await writer.finish();
  } catch (error) {
    // Let the other transactions finish, so the resume point reported is the true one.
    await writer.settled();
    const message = error instanceof Error ? error.message : String(error);
    throw new TransferError(
      `${message}; lines up to ${writer.committedLines} are in the database`,
      {
        cause: error,
      },
    );
  }

  const perProject = file.complete(lineNo, writer.committedLines);
  await store.refreshStatistics();
  if (only !== undefined) {
    const counts = perProject.get(only);
    if (!counts) throw new TransferError(`project ${only} is not in the file`);
    await verifyCounts(store, new Map([[only, counts]]));
    return { lines: lineNo, counts, projects: [only] };
  }
  await verifyCounts(store, perProject);
  return { lines: lineNo, counts: file.counts, projects: [...perProject.keys()] };
}

/** Reads the file line by line, checking its shape and counting its rows, per project too. */
class FileTally {
  readonly counts = zeroCounts();
  readonly perProject = new Map<string, TableCounts>();
  #sawHeader = false;
  #end: TableCounts | undefined;

  /** The rows of one (non-empty) line; undefined for the header and the end line. */
  read(text: string, where: string): LineRows | undefined {
    if (this.#end) throw new TransferError(`${where}: data after the "end" line`);
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new TransferError(`${where}: not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TransferError(`${where}: not a JSON object`);
    }
    if (!this.#sawHeader) {
      readHeader(value, where);
      this.#sawHeader = true;
      return undefined;
    }
    switch (value.type) {
      case 'project': {
        const row = readRow('projects', value.row, where);
        if (this.perProject.has(row.id)) {
          throw new TransferError(`${where}: project ${row.id} again`);
        }
        this.perProject.set(row.id, zeroCounts());
        this.#count(row.id, 'projects', 1, where);
        return { projectId: row.id, rows: { projects: [row] } };
      }
      case 'api_token': {
        const row = readRow('api_tokens', value.row, where);
        this.#count(row.project_id, 'api_tokens', 1, where);
        return { projectId: row.project_id, rows: { api_tokens: [row] } };
      }
      case 'conference': {
        const row = readRow('conferences', value.row, where);
        const tokens = readOwned('conference_tokens', value.tokens, row, where);
        const streams = readOwned('streams', value.streams, row, where);
        this.#count(row.project_id, 'conferences', 1, where);
        this.#count(row.project_id, 'conference_tokens', tokens.length, where);
        this.#count(row.project_id, 'streams', streams.length, where);
        return {
          projectId: row.project_id,
          rows: { conferences: [row], conference_tokens: tokens, streams },
        };
      }
      case 'room': {
        const row = readRow('rooms', value.row, where);
        const streams = readOwned('streams', value.streams, row, where);
        this.#count(row.project_id, 'rooms', 1, where);
        this.#count(row.project_id, 'streams', streams.length, where);
        return { projectId: row.project_id, rows: { rooms: [row], streams } };
      }
      case 'room_session': {
        const row = readRow('room_sessions', value.row, where);
        this.#count(row.project_id, 'room_sessions', 1, where);
        return { projectId: row.project_id, rows: { room_sessions: [row] } };
      }
      case 'room_token_key': {
        const row = readRow('room_token_keys', value.row, where);
        this.#count(row.project_id, 'room_token_keys', 1, where);
        return { projectId: row.project_id, rows: { room_token_keys: [row] } };
      }
      case 'room_session_member':
      case 'room_session_event':
      case 'room_recording':
      case 'video_log':
      case 'media_key': {
        const table = SINGLE_ROW_RECORDS[value.type];
        const row = readRow(table, value.row, where);
        this.#count(row.project_id, table, 1, where);
        return { projectId: row.project_id, rows: { [table]: [row] } };
      }
      case 'end':
        this.#end = readCounts(value.counts, where);
        return undefined;
      default:
        throw new TransferError(`${where}: unknown record type ${JSON.stringify(value.type)}`);
    }
  }

  /** Checks the file was whole: a header, and an end line whose counts match what was read. */
  complete(lines: number, committedLines: number): Map<string, TableCounts> {
    if (!this.#sawHeader) throw new TransferError('the file is empty');
    const end = this.#end;
    if (!end) {
      throw new TransferError(
        `the file stops at line ${lines} without its "end" line: it is incomplete ` +
          `(lines up to ${committedLines} are in the database)`,
      );
    }
    const off = TABLE_NAMES.filter((t) => end[t] !== this.counts[t]);
    if (off.length > 0) {
      throw new TransferError(
        `the file's rows disagree with its "end" line: ` +
          off.map((t) => `${t} ${this.counts[t]} read, ${end[t]} announced`).join('; '),
      );
    }
    return this.perProject;
  }

  #count(projectId: string, table: TransferTable, n: number, where: string): void {
    const counts = this.perProject.get(projectId);
    if (!counts) throw new TransferError(`${where}: row of project ${projectId}, not in the file`);
    counts[table] += n;
    this.counts[table] += n;
  }
}

/**
 * Writes rows in batches of whole lines, one transaction each, while the next batch is read: up
 * to `concurrency` transactions at once. `committedLines` only moves past a batch once every
 * batch before it is in too, so it is always a safe place to resume from.
 */
class BatchWriter {
  committedLines: number;
  linesRead = 0;
  readonly #imported = zeroCounts();
  readonly #inFlight: { batch: Batch; done: boolean; written: Promise<void> }[] = [];
  readonly #concurrency: number;
  readonly #batchSize: number;
  #batch = new Batch();

  constructor(
    private readonly store: Store,
    private readonly options: ImportOptions,
    resumeFrom: number,
  ) {
    this.committedLines = resumeFrom;
    this.#concurrency = options.concurrency ?? (store.engine === 'postgres' ? 3 : 1);
    this.#batchSize = options.batchSize ?? 1000;
  }

  async add(rows: LineRows['rows'], line: number) {
    this.#batch.add(rows, line);
    if (this.#batch.lines >= this.#batchSize) await this.#flush();
  }

  async finish() {
    await this.#flush();
    while (this.#inFlight.length > 0) await this.#inFlight[0]!.written;
  }

  async settled() {
    await Promise.allSettled(this.#inFlight.map((p) => p.written));
  }

  async #flush() {
    if (this.#batch.lines === 0) return;
    while (this.#inFlight.length >= this.#concurrency) await this.#inFlight[0]!.written;
    const entry = { batch: this.#batch, done: false, written: Promise.resolve() };
    this.#batch = new Batch();
    // Resuming, rows of lines already committed may come again: stored ones are left alone.
    const skipExisting = this.options.resumeFrom !== undefined;
    entry.written = this.store.insertRows(entry.batch.rows, { skipExisting }).then(
      () => {
        entry.done = true;
        this.#settle();
      },
      (error: unknown) => {
        throw new TransferError(
          `lines ${entry.batch.firstLine}–${entry.batch.lastLine} could not be written ` +
            `(${error instanceof Error ? error.message : String(error)})`,
        );
      },
    );
    entry.written.catch(() => {});
    this.#inFlight.push(entry);
  }

  #settle() {
    let moved = false;
    while (this.#inFlight[0]?.done) {
      const { batch } = this.#inFlight.shift()!;
      this.committedLines = batch.lastLine;
      for (const table of TABLE_NAMES) this.#imported[table] += batch.rows[table]?.length ?? 0;
      moved = true;
    }
    if (moved) {
      this.options.onProgress?.({
        lines: this.linesRead,
        committedLines: this.committedLines,
        imported: { ...this.#imported },
      });
    }
  }
}

class Batch {
  readonly rows: RowBatch = {};
  lines = 0;
  firstLine = 0;
  lastLine = 0;

  add(rows: LineRows['rows'], line: number) {
    for (const table of TABLE_NAMES) {
      const more = rows[table];
      if (more) ((this.rows[table] ??= []) as unknown[]).push(...more);
    }
    this.lines++;
    this.firstLine ||= line;
    this.lastLine = line;
  }
}

/** The tokens or streams a conference or room line carries: each must be its owner's. */
function readOwned<T extends OwnedTable>(
  table: T,
  value: unknown,
  owner: { id: string; project_id: string },
  where: string,
): TableRow<T>[] {
  if (!Array.isArray(value)) {
    throw new TransferError(
      `${where}: ${table === 'streams' ? 'streams' : 'tokens'} must be a list`,
    );
  }
  return value.map((v) => {
    const row = readRow(table, v, where);
    // Both owned tables have these columns; Kysely cannot see that through the generic.
    const r = row as unknown as Record<'id' | 'project_id' | 'conference_id' | 'room_id', string>;
    const ownerId = table === 'conference_tokens' ? r.conference_id : r.room_id;
    if (ownerId !== owner.id || r.project_id !== owner.project_id) {
      throw new TransferError(`${where}: ${table} row ${r.id} belongs to another owner`);
    }
    return row;
  });
}

function readHeader(value: Record<string, unknown>, where: string): void {
  if (value.type !== 'header' || value.format !== EXPORT_FORMAT) {
    throw new TransferError(`${where}: not a Conclave export (no "${EXPORT_FORMAT}" header)`);
  }
  if (value.version !== EXPORT_VERSION) {
    throw new TransferError(
      `${where}: export format version ${String(value.version)}; ` +
        `this Conclave reads version ${EXPORT_VERSION}`,
    );
  }
}

function readCounts(value: unknown, where: string): TableCounts {
  const counts = zeroCounts();
  const source = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  for (const table of TABLE_NAMES) {
    const n = source[table] === undefined && ADDED_TABLES.includes(table) ? 0 : source[table];
    if (!Number.isSafeInteger(n) || (n as number) < 0) {
      throw new TransferError(`${where}: counts.${table} must be a count`);
    }
    counts[table] = n as number;
  }
  return counts;
}

/** The database must hold, for each imported project, exactly the rows the file has. */
async function verifyCounts(store: Store, perProject: Map<string, TableCounts>): Promise<void> {
  const problems: string[] = [];
  for (const [projectId, expected] of perProject) {
    for (const table of TABLE_NAMES) {
      const actual = await store.countRows(table, projectId);
      if (actual !== expected[table]) {
        problems.push(
          `project ${projectId}: ${table} ${actual} in the database, ${expected[table]} in the file`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new TransferError(`the import does not match the file: ${problems.join('; ')}`);
  }
}
