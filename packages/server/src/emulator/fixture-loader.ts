import { RowsConflictError, type RowBatch, type Store, type TableRow } from '../store/store.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  readRow,
  TransferError,
} from '../transfer/transfer-format.js';

export interface FixtureCounts {
  loaded: Record<string, number>;
  skipped: Record<string, number>;
}

/** Records a fixture holds that are loaded; every other kind is counted as skipped. */
const LOADED_TYPES = new Set(['conference', 'room']);

/**
 * Reads a `conclave export` file (JSON Lines) as a fixture for `projectId`: its conferences with
 * their tokens and streams, and its rooms with their streams, moved into that project with their
 * ids. Credentials (project, API tokens, signing keys) and session history are skipped. Throws
 * TransferError (the file's fault) with the line it stopped at.
 */
export function readFixture(text: string, projectId: string): { batch: RowBatch } & FixtureCounts {
  const conferences: TableRow<'conferences'>[] = [];
  const conferenceTokens: TableRow<'conference_tokens'>[] = [];
  const rooms: TableRow<'rooms'>[] = [];
  const streams: TableRow<'streams'>[] = [];
  const skipped: Record<string, number> = {};
  let sawHeader = false;
  let end: Record<string, unknown> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `line ${i + 1}`;
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (end) throw new TransferError(`${where}: data after the "end" line`);
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new TransferError(`${where}: not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TransferError(`${where}: not a JSON object`);
    }
    if (!sawHeader) {
      if (value.type !== 'header' || value.format !== EXPORT_FORMAT) {
        throw new TransferError(`${where}: not a Conclave export (no "${EXPORT_FORMAT}" header)`);
      }
      if (value.version !== EXPORT_VERSION) {
        throw new TransferError(
          `${where}: export format version ${String(value.version)}; this Conclave reads version ${EXPORT_VERSION}`,
        );
      }
      sawHeader = true;
      continue;
    }
    if (value.type === 'end') {
      end = (value.counts ?? {}) as Record<string, unknown>;
      continue;
    }
    if (typeof value.type !== 'string') throw new TransferError(`${where}: a record needs a type`);
    if (!LOADED_TYPES.has(value.type)) {
      skipped[value.type] = (skipped[value.type] ?? 0) + 1;
      continue;
    }
    if (value.type === 'conference') {
      const row = { ...readRow('conferences', value.row, where), project_id: projectId };
      conferences.push(row);
      for (const token of ownedRows('conference_tokens', value.tokens, where)) {
        if (token.conference_id !== row.id) {
          throw new TransferError(`${where}: a token of another conference`);
        }
        conferenceTokens.push({ ...token, project_id: projectId });
      }
      streams.push(...ownStreams(value.streams, row.id, projectId, where));
    } else {
      const row = { ...readRow('rooms', value.row, where), project_id: projectId };
      rooms.push(row);
      streams.push(...ownStreams(value.streams, row.id, projectId, where));
    }
  }
  if (!sawHeader) throw new TransferError('the fixture is empty');
  // A hand-written fixture may leave the end line out; an export's must agree with what was read.
  if (end) {
    for (const [table, n] of [
      ['conferences', conferences.length],
      ['rooms', rooms.length],
    ] as const) {
      if (end[table] !== undefined && end[table] !== n) {
        throw new TransferError(
          `the "end" line counts ${String(end[table])} ${table}, the file holds ${n}`,
        );
      }
    }
  }
  const loaded: Record<string, number> = {};
  const batch: RowBatch = {};
  if (conferences.length) batch.conferences = conferences;
  if (conferenceTokens.length) batch.conference_tokens = conferenceTokens;
  if (rooms.length) batch.rooms = rooms;
  if (streams.length) batch.streams = streams;
  for (const [table, rows] of Object.entries(batch)) loaded[table] = rows.length;
  return { batch, loaded, skipped };
}

function ownedRows<T extends 'conference_tokens' | 'streams'>(
  table: T,
  value: unknown,
  where: string,
): TableRow<T>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TransferError(`${where}: ${table} must be an array`);
  return value.map((row) => readRow(table, row, where));
}

function ownStreams(
  value: unknown,
  ownerId: string,
  projectId: string,
  where: string,
): TableRow<'streams'>[] {
  return ownedRows('streams', value, where).map((stream) => {
    if (stream.room_id !== ownerId) throw new TransferError(`${where}: a stream of another owner`);
    return { ...stream, project_id: projectId };
  });
}

/** Thrown when the fixture's rows are already stored (same id anywhere, or same name here). */
export class FixtureConflictError extends Error {
  constructor(cause: unknown) {
    super(
      'a conference, room, token or stream of the fixture is already stored (the same id, in ' +
        'this project or another, or the same name in this project): reset the project first, ' +
        'or load it into one project only',
      { cause },
    );
    this.name = 'FixtureConflictError';
  }
}

/** Writes the fixture's rows in one transaction: all of them, or none. */
export async function loadFixtureRows(store: Store, batch: RowBatch): Promise<void> {
  try {
    await store.insertRows(batch);
  } catch (error) {
    if (error instanceof RowsConflictError) throw new FixtureConflictError(error);
    throw error;
  }
}
