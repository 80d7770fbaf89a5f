import type { EventType } from '@conclave/schema';
import type { Database as SqliteConnection, Statement } from 'better-sqlite3';
import type { Insertable } from 'kysely';
import type { Database } from '../store/database.js';
import type { Trx } from '../store/kysely/store-context.js';

/**
 * The transactional outbox (docs/webhooks.md): a change appends its event in its own
 * transaction, so an event is stored exactly when its change commits. The delivery worker and the
 * event stream read the rows afterwards.
 */
export interface NewEvent {
  projectId: string;
  type: EventType;
  /** The object's id (a conference's, a member's…). */
  objectId: string;
  /** Events of one key are delivered in order: the session's id for what happens in a session. */
  orderingKey: string;
  /** The object as the REST API shows it: a value, or its JSON text when the caller has it. */
  object: object | string;
  /** What changed or why, where the object does not say. */
  detail?: Record<string, unknown> | undefined;
  /** Unix ms. */
  at: number;
}

type AppendListener = () => void;
const listeners = new Set<AppendListener>();

/**
 * Tells `listener` (the delivery worker, the event stream) soon after events are appended in this
 * process, so they look now instead of at their next poll. It may run before the appending
 * transaction commits: listeners look again a moment later, and their polls remain the backstop.
 */
export function onEventsAppended(listener: AppendListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let scheduled = false;
function appended(): void {
  if (scheduled || listeners.size === 0) return;
  scheduled = true;
  // After the turn in which SQLite's group commit runs (and a PostgreSQL commit's round trip).
  setTimeout(() => {
    scheduled = false;
    for (const listener of listeners) listener();
  }, 5);
}

const placedListeners = new Set<AppendListener>();

/**
 * Tells `listener` (the event stream) when this process's dispatcher has committed positions for
 * new events: they can be read by position now.
 */
export function onEventsPlaced(listener: AppendListener): () => void {
  placedListeners.add(listener);
  return () => placedListeners.delete(listener);
}

/** The dispatcher committed positions for new events. */
export function eventsPlaced(): void {
  for (const listener of placedListeners) listener();
}

/** Rows per multi-row INSERT (8 columns: well inside both engines' parameter limits). */
const INSERT_CHUNK = 500;

export function eventRow(event: NewEvent): Insertable<Database['events']> {
  return {
    project_id: event.projectId,
    type: event.type,
    object_id: event.objectId,
    ordering_key: event.orderingKey,
    data: typeof event.object === 'string' ? event.object : JSON.stringify(event.object),
    detail: event.detail === undefined ? null : JSON.stringify(event.detail),
    created_at: event.at,
  };
}

/** Appends events inside the caller's transaction `trx`, in the given order (one statement). */
export async function appendEvents(trx: Trx, events: readonly NewEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('events')
      .values(events.slice(i, i + INSERT_CHUNK).map(eventRow))
      .execute();
  }
  if (events.length > 0) appended();
}

const prepared = new WeakMap<SqliteConnection, Statement>();

/**
 * Appends one event inside the caller's transaction `trx`. With `sqlite` (the connection `trx`
 * runs on: `ctx.hooks.sqlite`), as a statement prepared once — a create's hot path — rather than
 * one Kysely builds each time; it runs inside the same transaction, on the same connection.
 */
export async function appendEvent(
  trx: Trx,
  event: NewEvent,
  sqlite?: SqliteConnection,
): Promise<void> {
  const row = eventRow(event);
  if (sqlite) {
    let statement = prepared.get(sqlite);
    if (!statement) {
      statement = sqlite.prepare(
        'insert into events (project_id, type, object_id, ordering_key, data, detail, created_at) ' +
          'values (?, ?, ?, ?, ?, ?, ?)',
      );
      prepared.set(sqlite, statement);
    }
    statement.run(
      row.project_id,
      row.type,
      row.object_id,
      row.ordering_key,
      row.data,
      row.detail,
      row.created_at,
    );
  } else {
    await trx.insertInto('events').values(row).execute();
  }
  appended();
}
