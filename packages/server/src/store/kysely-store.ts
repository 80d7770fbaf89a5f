import { randomUUID } from 'node:crypto';
import type {
  ActiveSession,
  ApiTokenScope,
  Conference,
  Room,
  RoomSession,
  Stream,
} from '@conclave/schema';
import {
  Migrator,
  sql,
  type Insertable,
  type Kysely,
  type SelectQueryBuilder,
  type Transaction,
} from 'kysely';
import type { Database } from './database.js';
import { newOrderedId } from '../lib/ids.js';
import { migrations, type Engine } from './migrations/index.js';
import {
  conferenceFieldsToRow,
  rowToActiveSession,
  rowToApiToken,
  rowToConference,
  rowToConferenceRecord,
  rowToConferenceToken,
  rowToProject,
  roomFieldsToRow,
  rowToRoom,
  rowToRoomRecord,
  rowToRoomTokenKey,
  rowToStream,
} from './rows.js';
import { rowToEvent, rowToMember, rowToRoomSession } from './session-rows.js';
import {
  NameTakenError,
  StoreUnavailableError,
  type AuthenticatedToken,
  type ConferenceFields,
  type ConferenceFilters,
  type ConferenceRecord,
  type Cursor,
  type NewConference,
  type NewRoom,
  type FinishedRecording,
  type NewMember,
  type NewRecording,
  type NewRoomSession,
  type NewSessionEvent,
  type RecordingRow,
  type RoomSessionFilters,
  type VideoLogFilters,
  type VideoLogRow,
  type NewRoomTokenKey,
  type NewStream,
  type Page,
  type PageRequest,
  type RoomFields,
  type RoomFilters,
  type RoomRecord,
  type RoomTokenKey,
  type OwnedTable,
  type RowBatch,
  type ScannedTable,
  type Store,
  type TableName,
  type TableRow,
  StreamLimitError,
  type StreamOwner,
  type LiveSessionKey,
  type SessionWrite,
  LiveSessionConflictError,
} from './store.js';

/** What differs between the engines beyond SQL text: error classification and lifecycle. */
export interface EngineHooks {
  engine: Engine;
  isUniqueViolation(error: unknown): boolean;
  isConnectionError(error: unknown): boolean;
  /** Runs the migrations, under whatever lock the engine needs. */
  withMigrationLock(db: Kysely<Database>, run: () => Promise<void>): Promise<void>;
  /**
   * A separate connection for migrations, without the per-statement timeouts requests have (an
   * index build on a big table may take minutes); closed once they are done.
   */
  migrationDb?(): Kysely<Database>;
  /** The schema holding Kysely's migration tables, where the engine has schemas. */
  migrationSchema?(db: Kysely<Database>): Promise<string>;
  /** Waits for whatever else holds the database (SQLite's checkpoint thread) to let go. */
  afterClose?(): Promise<void>;
  /** Brings the planner's statistics up to date after a bulk load. */
  analyze?(db: Kysely<Database>, tables: readonly TableName[]): Promise<void>;
}

// Keyset queries work on any table with (created_at, id); Kysely cannot express that generically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnySelect = SelectQueryBuilder<Database, any, any>;
interface Keyed {
  created_at: number;
  id: string;
}

/**
 * Rows by the ids a key query selects, in the given order: the key query walks the index alone
 * (it may read past many rows a filter rejects), then only the page's rows are fetched.
 */
type FetchByIds = (ids: AnySelect) => AnySelect;

/**
 * One page of a list ordered by `created_at DESC, id DESC`. Forward pages fetch one extra row to
 * learn whether a next page exists; backward pages read ascending and then check for older rows.
 * Both are a single index range scan whatever the depth (D14). With `byIds`, the scan reads ids
 * only, so filters on columns the index carries are checked without visiting the table.
 */
async function keysetPage<Row extends Keyed>(
  query: AnySelect,
  page: PageRequest,
  byIds?: FetchByIds,
): Promise<Page<Row>> {
  const key = sql.raw('(created_at, id)');
  const fetch = async (q: AnySelect, direction: 'asc' | 'desc', limit: number) => {
    const keys = q.orderBy('created_at', direction).orderBy('id', direction).limit(limit);
    const rows = byIds
      ? byIds(keys.clearSelect().select('id'))
          .orderBy('created_at', direction)
          .orderBy('id', direction)
      : keys;
    return (await rows.execute()) as Row[];
  };
  if (page.before) {
    const b = page.before;
    const rows = await fetch(
      query.where(
        ({ eb }) => eb(key, b.inclusive ? '>=' : '>', eb.tuple(b.createdAt, b.id)) as never,
      ),
      'asc',
      page.limit,
    );
    rows.reverse();
    const last = rows.at(-1);
    const older: Cursor = last
      ? { createdAt: last.created_at, id: last.id }
      : { createdAt: b.createdAt, id: b.id, inclusive: !b.inclusive };
    const probe = await query
      .clearSelect()
      .select('id')
      .where(
        ({ eb }) =>
          eb(key, older.inclusive ? '<=' : '<', eb.tuple(older.createdAt, older.id)) as never,
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .execute();
    return {
      items: rows,
      hasNext: probe.length > 0,
      firstKey: rows[0] ? { createdAt: rows[0].created_at, id: rows[0].id } : b,
      lastKey: older,
    };
  }
  let q = query;
  const a = page.after;
  if (a) {
    q = q.where(
      ({ eb }) => eb(key, a.inclusive ? '<=' : '<', eb.tuple(a.createdAt, a.id)) as never,
    );
  }
  const rows = await fetch(q, 'desc', page.limit + 1);
  const hasNext = rows.length > page.limit;
  if (hasNext) rows.length = page.limit;
  const first = rows[0];
  const last = rows.at(-1);
  return {
    items: rows,
    hasNext,
    // An empty page after a cursor still needs a way back: everything at or newer than it.
    firstKey: first
      ? { createdAt: first.created_at, id: first.id }
      : a && { createdAt: a.createdAt, id: a.id, inclusive: !a.inclusive },
    lastKey: last ? { createdAt: last.created_at, id: last.id } : undefined,
  };
}

/** Parent tables before the rows that point at them. */
const TABLES_IN_WRITE_ORDER: readonly TableName[] = [
  'projects',
  'api_tokens',
  'conferences',
  'conference_tokens',
  'rooms',
  'streams',
  'room_sessions',
  'room_token_keys',
  'room_session_members',
  'room_session_events',
  'room_recordings',
  'video_logs',
  'media_keys',
];
/** Each table's primary key; the list key's tiebreaker where the table is walked in list order. */
const primaryKey = (table: TableName) => (table === 'room_token_keys' ? 'kid' : 'id');
// Bound parameters per INSERT: under SQLite's 32 766 and PostgreSQL's 65 535.
const PARAMETERS_PER_INSERT = 16_000;

/** Marks the video logs of a deleted room's or conference's sessions discarded (docs/decisions.md). */
async function discardLogs(
  trx: Transaction<Database>,
  projectId: string,
  column: 'room_id' | 'conference_id',
  id: string,
  at: number,
): Promise<void> {
  await trx
    .updateTable('video_logs')
    .set({ discarded_at: at })
    .where('project_id', '=', projectId)
    .where(column, '=', id)
    .where('discarded_at', 'is', null)
    .execute();
}

/** `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

function mapPage<Row, T>(page: Page<Row>, map: (row: Row) => T): Page<T> {
  return { ...page, items: page.items.map(map) };
}

/** The store for both engines: Kysely builds the SQL, `hooks` supplies what differs. */
export class KyselyStore implements Store {
  readonly engine: Engine;

  constructor(
    readonly db: Kysely<Database>,
    private readonly hooks: EngineHooks,
  ) {
    this.engine = hooks.engine;
  }

  /** Runs `fn`, turning connection failures into StoreUnavailableError (→ 503). */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (this.hooks.isConnectionError(error)) throw new StoreUnavailableError(error);
      throw error;
    }
  }

  async migrate(): Promise<void> {
    const db = this.hooks.migrationDb?.() ?? this.db;
    try {
      const schema = await this.hooks.migrationSchema?.(db);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations(this.engine) },
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      await this.hooks.withMigrationLock(db, async () => {
        const { error } = await migrator.migrateToLatest();
        if (error) throw error;
      });
    } finally {
      if (db !== this.db) await db.destroy();
    }
  }

  async ping(): Promise<void> {
    await this.run(() => sql`select 1`.execute(this.db));
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.hooks.afterClose?.();
  }

  // ---- projects and API tokens -------------------------------------------------------------

  async createProject(input: { id: string; name: string; createdAt: number }) {
    const row = { id: input.id, name: input.name, created_at: input.createdAt };
    try {
      await this.run(() => this.db.insertInto('projects').values(row).execute());
    } catch (error) {
      // Processes starting together ensure the same bootstrap project (D19): the first one's
      // insert wins and the others find it there. Ids are otherwise minted fresh, never reused.
      const existing = this.hooks.isUniqueViolation(error) && (await this.getProject(input.id));
      if (existing) return existing;
      throw error;
    }
    return rowToProject(row);
  }

  async getProject(id: string) {
    const row = await this.run(() =>
      this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row && rowToProject(row);
  }

  async listProjects(page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['projects'] & Keyed>(this.db.selectFrom('projects').selectAll(), page),
    );
    return mapPage(rows, rowToProject);
  }

  async countProjects() {
    const row = await this.run(() =>
      this.db
        .selectFrom('projects')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    return Number(row.n);
  }

  async deleteProject(id: string) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        for (const table of [
          'conference_tokens',
          'conferences',
          'room_sessions',
          'api_tokens',
          'streams',
          'rooms',
          'room_token_keys',
          'room_session_members',
          'room_session_events',
          'room_recordings',
          'video_logs',
          'media_keys',
        ] as const) {
          await trx.deleteFrom(table).where('project_id', '=', id).execute();
        }
        const result = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),
    );
  }

  async createApiToken(input: {
    id: string;
    projectId: string;
    name: string;
    prefix: string;
    tokenHash: string;
    scopes: ApiTokenScope[];
    createdAt: number;
  }) {
    const row = {
      id: input.id,
      project_id: input.projectId,
      name: input.name,
      prefix: input.prefix,
      token_hash: input.tokenHash,
      scopes: JSON.stringify(input.scopes),
      created_at: input.createdAt,
    };
    try {
      await this.run(() => this.db.insertInto('api_tokens').values(row).execute());
    } catch (error) {
      // As for projects: the same token ensured by several processes at once is stored once.
      if (!this.hooks.isUniqueViolation(error)) throw error;
      const existing = await this.run(() =>
        this.db
          .selectFrom('api_tokens')
          .selectAll()
          .where('token_hash', '=', input.tokenHash)
          .where('project_id', '=', input.projectId)
          .executeTakeFirst(),
      );
      if (!existing) throw error;
      return rowToApiToken(existing);
    }
    return rowToApiToken(row);
  }

  async listApiTokens(projectId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['api_tokens'] & Keyed>(
        this.db.selectFrom('api_tokens').selectAll().where('project_id', '=', projectId),
        page,
      ),
    );
    return mapPage(rows, rowToApiToken);
  }

  async revokeApiToken(projectId: string, id: string) {
    const result = await this.run(() =>
      this.db
        .deleteFrom('api_tokens')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  async findApiToken(
    projectId: string,
    tokenHash: string,
  ): Promise<AuthenticatedToken | undefined> {
    const row = await this.run(() =>
      this.db
        .selectFrom('api_tokens')
        .select(['project_id', 'token_hash', 'scopes'])
        .where('token_hash', '=', tokenHash)
        .where('project_id', '=', projectId)
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    return {
      projectId: row.project_id,
      tokenHash: row.token_hash,
      scopes: JSON.parse(row.scopes) as ApiTokenScope[],
    };
  }

  // ---- conferences -------------------------------------------------------------------------

  async createConference(projectId: string, input: NewConference): Promise<ConferenceRecord> {
    const row = {
      id: input.id,
      project_id: projectId,
      name: input.name,
      ...conferenceFieldsToRow(input),
      created_at: input.createdAt,
      updated_at: input.createdAt,
    };
    try {
      await this.run(() =>
        this.db.transaction().execute(async (trx: Transaction<Database>) => {
          await trx.insertInto('conferences').values(row).execute();
          await trx
            .insertInto('conference_tokens')
            .values(
              input.tokens.map((t, i) => ({
                id: t.id,
                project_id: projectId,
                conference_id: input.id,
                name: t.name,
                token: t.token,
                scopes: JSON.stringify(t.scopes),
                // Listed in creation order (newest first), so Moderator sorts before Guest.
                created_at: input.createdAt + input.tokens.length - 1 - i,
              })),
            )
            .execute();
        }),
      );
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw new NameTakenError();
      throw error;
    }
    return rowToConferenceRecord(row);
  }

  async getConference(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('conferences')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && rowToConferenceRecord(row);
  }

  async updateConference(
    projectId: string,
    id: string,
    fields: ConferenceFields,
    updatedAt: number,
  ) {
    const row = await this.run(() =>
      this.db
        .updateTable('conferences')
        .set({ ...conferenceFieldsToRow(fields), updated_at: updatedAt })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && rowToConferenceRecord(row);
  }

  async deleteConference(projectId: string, id: string, deletedAt = Date.now()) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx
          .deleteFrom('conferences')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await trx
          .deleteFrom('conference_tokens')
          .where('project_id', '=', projectId)
          .where('conference_id', '=', id)
          .execute();
        // Its streams belong to its backing room, whose id is the conference's.
        await trx
          .deleteFrom('streams')
          .where('project_id', '=', projectId)
          .where('room_id', '=', id)
          .execute();
        await discardLogs(trx, projectId, 'conference_id', id, deletedAt);
        return true;
      }),
    );
  }

  /**
   * A keyset page of conferences or rooms, filtered by their join window (D16). The filter may
   * reject most rows of the walk. PostgreSQL does best checking it in the order index (which
   * carries the join window) and then reading only the page's rows; SQLite already skips the
   * table for rows the index rejects, so there the extra step only costs (measured).
   */
  private joinWindowPage<T extends 'conferences' | 'rooms'>(
    table: T,
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<Database[T] & Keyed>> {
    let query = this.db
      .selectFrom(table as 'conferences')
      .selectAll()
      .where('project_id', '=', projectId);
    if (filters.startsAfter !== undefined) {
      query = query.where('join_from', '>=', filters.startsAfter);
    }
    if (filters.endsBefore !== undefined) {
      query = query.where('join_until', '<=', filters.endsBefore);
    }
    const filtered =
      this.engine === 'postgres' &&
      (filters.startsAfter !== undefined || filters.endsBefore !== undefined);
    const byIds: FetchByIds = (ids) =>
      this.db
        .selectFrom(table as 'conferences')
        .selectAll()
        .where('id', 'in', ids as never) as AnySelect;
    return this.run(() =>
      keysetPage<Database[T] & Keyed>(query as AnySelect, page, filtered ? byIds : undefined),
    );
  }

  async listConferences(
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<Conference>> {
    const rows = await this.joinWindowPage('conferences', projectId, filters, page);
    return mapPage(rows, rowToConference);
  }

  async activeConferenceSessions(projectId: string, conferenceIds: readonly string[]) {
    return this.activeSessions(projectId, 'conference_id', conferenceIds);
  }

  /** The in-progress session of each owner (conferences by `conference_id`, rooms by `room_id`). */
  private async activeSessions(
    projectId: string,
    owner: 'conference_id' | 'room_id',
    ids: readonly string[],
  ): Promise<Map<string, ActiveSession>> {
    const out = new Map<string, ActiveSession>();
    if (ids.length === 0) return out;
    const rows = await this.run(() =>
      this.db
        .selectFrom('room_sessions')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('status', '=', 'in-progress')
        .where(owner, 'in', ids)
        .execute(),
    );
    for (const row of rows) {
      const key = row[owner];
      if (key !== null) out.set(key, rowToActiveSession(row));
    }
    return out;
  }

  // ---- conference tokens -------------------------------------------------------------------

  async listConferenceTokens(projectId: string, conferenceId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['conference_tokens'] & Keyed>(
        this.db
          .selectFrom('conference_tokens')
          .selectAll()
          .where('conference_id', '=', conferenceId)
          .where('project_id', '=', projectId),
        page,
      ),
    );
    return mapPage(rows, rowToConferenceToken);
  }

  async getConferenceToken(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('conference_tokens')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && rowToConferenceToken(row);
  }

  async resetConferenceToken(projectId: string, id: string, newToken: string) {
    const row = await this.run(() =>
      this.db
        .updateTable('conference_tokens')
        .set({ token: newToken })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && rowToConferenceToken(row);
  }

  // ---- room sessions (written by the live-session engine) -----------------------------------

  async startRoomSession(input: NewRoomSession) {
    await this.run(() => this.db.transaction().execute((trx) => insertSession(trx, input)));
  }

  async endRoomSession(projectId: string, id: string, endTime: number) {
    return this.run(() =>
      this.db.transaction().execute((trx) => endSession(trx, projectId, id, endTime)),
    );
  }

  async applySessionWrites(writes: readonly SessionWrite[]) {
    if (writes.length === 0) return;
    await this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // Member and event rows are buffered and inserted many to a statement (a join storm's
        // batch is then two statements); anything that reads or updates rows flushes them first,
        // so the writes keep their order.
        let members: Insertable<Database['room_session_members']>[] = [];
        let events: Insertable<Database['room_session_events']>[] = [];
        const flush = async () => {
          for (let i = 0; i < members.length; i += INSERT_CHUNK) {
            await trx
              .insertInto('room_session_members')
              .values(members.slice(i, i + INSERT_CHUNK))
              .execute();
          }
          for (let i = 0; i < events.length; i += INSERT_CHUNK) {
            await trx
              .insertInto('room_session_events')
              .values(events.slice(i, i + INSERT_CHUNK))
              .execute();
          }
          members = [];
          events = [];
        };
        for (const write of writes) {
          switch (write.kind) {
            case 'member':
              members.push(memberRow(write.member));
              continue;
            case 'event':
              events.push(eventRow(write.event, write.roomId));
              continue;
          }
          await flush();
          switch (write.kind) {
            case 'start':
              try {
                await insertSession(trx, write.session);
              } catch (error) {
                if (this.hooks.isUniqueViolation(error)) throw new LiveSessionConflictError();
                throw error;
              }
              break;
            case 'left':
              await trx
                .updateTable('room_session_members')
                .set({ leave_time: write.at })
                .where('project_id', '=', write.projectId)
                .where('id', '=', write.memberId)
                .where('leave_time', 'is', null)
                .execute();
              break;
            case 'lock':
              await lockSession(trx, write.projectId, write.sessionId, write.locked, write.at);
              break;
            case 'end':
              await endSession(trx, write.projectId, write.sessionId, write.at);
              break;
          }
        }
        await flush();
      }),
    );
  }

  async findLiveSession(projectId: string, where: LiveSessionKey) {
    const row = await this.run(() => {
      let query = this.db
        .selectFrom('room_sessions')
        .select(['id', 'node_id', 'lease_until'])
        .where('project_id', '=', projectId)
        .where('status', '=', 'in-progress');
      if ('conferenceId' in where) query = query.where('conference_id', '=', where.conferenceId);
      else if ('roomId' in where) query = query.where('room_id', '=', where.roomId);
      else query = query.where('room_id', 'is', null).where('name', '=', where.name);
      return query.orderBy('start_time', 'desc').executeTakeFirst();
    });
    return row && { id: row.id, nodeId: row.node_id, leaseUntil: row.lease_until };
  }

  async liveSessionHost(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('room_sessions')
        .select(['node_id', 'lease_until'])
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .where('status', '=', 'in-progress')
        .executeTakeFirst(),
    );
    return row && { nodeId: row.node_id, leaseUntil: row.lease_until };
  }

  async renewSessionLeases(nodeId: string, sessionIds: readonly string[], leaseUntil: number) {
    let renewed = 0;
    for (let i = 0; i < sessionIds.length; i += INSERT_CHUNK) {
      const result = await this.run(() =>
        this.db
          .updateTable('room_sessions')
          .set({ lease_until: leaseUntil })
          .where('status', '=', 'in-progress')
          .where('node_id', '=', nodeId)
          .where('id', 'in', sessionIds.slice(i, i + INSERT_CHUNK))
          .executeTakeFirst(),
      );
      renewed += Number(result.numUpdatedRows);
    }
    return renewed;
  }

  async abandonedSessions(nodeId: string, now: number, own: boolean) {
    const rows = await this.run(() =>
      this.db
        .selectFrom('room_sessions')
        .select(['id', 'project_id', 'lease_until', 'start_time'])
        .where('status', '=', 'in-progress')
        .where((eb) => (own ? eb('node_id', '=', nodeId) : eb('lease_until', '<', now)))
        .limit(1000)
        .execute(),
    );
    return rows.map((row) => ({
      projectId: row.project_id,
      id: row.id,
      startTime: row.start_time,
      leaseUntil: row.lease_until,
    }));
  }

  async findConferenceTokenByValue(token: string) {
    // One round trip: the token and its conference (a join needs both).
    const row = await this.run(() =>
      this.db
        .selectFrom('conference_tokens as t')
        .innerJoin('conferences as c', (join) =>
          join.onRef('c.id', '=', 't.conference_id').onRef('c.project_id', '=', 't.project_id'),
        )
        .selectAll('c')
        .select(['t.id as token_id', 't.name as token_name', 't.scopes as token_scopes'])
        .where('t.token', '=', token)
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    const { token_id, token_name, token_scopes, ...conference } = row;
    return {
      id: token_id,
      projectId: conference.project_id,
      conferenceId: conference.id,
      name: token_name,
      scopes: JSON.parse(token_scopes) as string[],
      conference: rowToConferenceRecord(conference),
    };
  }

  async setRoomSessionLocked(projectId: string, id: string, locked: boolean, at: number) {
    return this.run(() =>
      this.db.transaction().execute((trx) => lockSession(trx, projectId, id, locked, at)),
    );
  }

  async addMember(input: NewMember) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const session = await trx
          .selectFrom('room_sessions')
          .select('id')
          .where('project_id', '=', input.projectId)
          .where('id', '=', input.roomSessionId)
          .executeTakeFirst();
        if (!session) return false;
        await trx.insertInto('room_session_members').values(memberRow(input)).execute();
        return true;
      }),
    );
  }

  async memberLeft(projectId: string, memberId: string, leaveTime: number) {
    const result = await this.run(() =>
      this.db
        .updateTable('room_session_members')
        .set({ leave_time: leaveTime })
        .where('project_id', '=', projectId)
        .where('id', '=', memberId)
        .where('leave_time', 'is', null)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  async addEvent(input: NewSessionEvent) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const session = await trx
          .selectFrom('room_sessions')
          .select('room_id')
          .where('project_id', '=', input.projectId)
          .where('id', '=', input.roomSessionId)
          .executeTakeFirst();
        if (!session) return false;
        await insertEvent(trx, input, session.room_id ?? input.roomSessionId);
        return true;
      }),
    );
  }

  async getRoomSession(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('room_sessions')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && rowToRoomSession(row);
  }

  async listRoomSessions(
    projectId: string,
    filters: RoomSessionFilters,
    page: PageRequest,
  ): Promise<Page<RoomSession>> {
    let query = this.db.selectFrom('room_sessions').selectAll().where('project_id', '=', projectId);
    if (filters.roomId !== undefined) query = query.where('room_id', '=', filters.roomId);
    if (filters.roomName !== undefined) query = query.where('name', '=', filters.roomName);
    if (filters.roomNameMatches !== undefined) {
      // Case-insensitive on both engines (SQLite's LIKE is, PostgreSQL's is not).
      const pattern = `%${escapeLike(filters.roomNameMatches.toLowerCase())}%`;
      query = query.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`);
    }
    if (filters.status !== undefined) query = query.where('status', '=', filters.status);
    const rows = await this.run(() => keysetPage<Database['room_sessions'] & Keyed>(query, page));
    return mapPage(rows, rowToRoomSession);
  }

  async listRoomSessionMembers(projectId: string, sessionId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['room_session_members'] & Keyed>(
        this.db
          .selectFrom('room_session_members')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('room_session_id', '=', sessionId),
        page,
      ),
    );
    return mapPage(rows, rowToMember);
  }

  async listRoomSessionEvents(projectId: string, sessionId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['room_session_events'] & Keyed>(
        this.db
          .selectFrom('room_session_events')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('room_session_id', '=', sessionId),
        page,
      ),
    );
    return mapPage(rows, rowToEvent);
  }

  // ---- room recordings -----------------------------------------------------------------------

  async startRecording(input: NewRecording) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const session = await trx
          .selectFrom('room_sessions')
          .select('room_id')
          .where('project_id', '=', input.projectId)
          .where('id', '=', input.roomSessionId)
          .executeTakeFirst();
        if (!session) return false;
        await trx
          .insertInto('room_recordings')
          .values({
            id: input.id,
            project_id: input.projectId,
            room_session_id: input.roomSessionId,
            status: 'recording',
            started_at: input.startedAt,
            finished_at: null,
            size_in_bytes: null,
            format: null,
            storage_key: null,
            created_at: input.startedAt,
            updated_at: input.startedAt,
          })
          .execute();
        await trx
          .insertInto('room_session_events')
          .values({
            id: randomUUID(),
            project_id: input.projectId,
            room_id: session.room_id ?? input.roomSessionId,
            room_session_id: input.roomSessionId,
            room_recording_id: input.id,
            room_participant_id: null,
            level: 'info',
            name: 'recording.started',
            payload: '{}',
            created_at: input.startedAt,
          })
          .execute();
        return true;
      }),
    );
  }

  async finishRecording(projectId: string, id: string, done: FinishedRecording) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const recording = await trx
          .updateTable('room_recordings')
          .set({
            status: 'completed',
            finished_at: done.finishedAt,
            size_in_bytes: done.sizeInBytes,
            format: done.format,
            storage_key: done.storageKey,
            updated_at: done.finishedAt,
          })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .where('status', '!=', 'completed')
          .returning(['room_session_id'])
          .executeTakeFirst();
        if (!recording) return false;
        const session = await trx
          .selectFrom('room_sessions')
          .select('room_id')
          .where('project_id', '=', projectId)
          .where('id', '=', recording.room_session_id)
          .executeTakeFirst();
        await trx
          .insertInto('room_session_events')
          .values({
            id: randomUUID(),
            project_id: projectId,
            room_id: session?.room_id ?? recording.room_session_id,
            room_session_id: recording.room_session_id,
            room_recording_id: id,
            room_participant_id: null,
            level: 'info',
            name: 'recording.ended',
            payload: JSON.stringify({ size_in_bytes: done.sizeInBytes, format: done.format }),
            created_at: done.finishedAt,
          })
          .execute();
        return true;
      }),
    );
  }

  async getRecording(projectId: string, id: string) {
    return this.run(() =>
      this.db
        .selectFrom('room_recordings')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }

  async listRecordings(projectId: string, sessionId: string | undefined, page: PageRequest) {
    let query = this.db
      .selectFrom('room_recordings')
      .selectAll()
      .where('project_id', '=', projectId);
    if (sessionId !== undefined) query = query.where('room_session_id', '=', sessionId);
    return this.run(() => keysetPage<RecordingRow & Keyed>(query, page));
  }

  async deleteRecording(projectId: string, id: string) {
    return this.run(() =>
      this.db
        .deleteFrom('room_recordings')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  async listRecordingEvents(projectId: string, recordingId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['room_session_events'] & Keyed>(
        this.db
          .selectFrom('room_session_events')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('room_recording_id', '=', recordingId),
        page,
      ),
    );
    return mapPage(rows, rowToEvent);
  }

  async findRecording(id: string) {
    return this.run(() =>
      this.db.selectFrom('room_recordings').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  async ensureMediaKey(
    projectId: string,
    candidate: { id: string; secret: string; createdAt: number },
  ): Promise<string> {
    const read = () =>
      this.db
        .selectFrom('media_keys')
        .select('secret')
        .where('project_id', '=', projectId)
        .executeTakeFirst();
    return this.run(async () => {
      const found = await read();
      if (found) return found.secret;
      // Racing first uses agree on one key: the unique project_id lets only one insert in.
      await this.db
        .insertInto('media_keys')
        .values({
          id: candidate.id,
          project_id: projectId,
          secret: candidate.secret,
          created_at: candidate.createdAt,
        })
        .onConflict((oc) => oc.column('project_id').doNothing())
        .execute();
      return (await read())!.secret;
    });
  }

  // ---- video logs ----------------------------------------------------------------------------

  async listVideoLogs(projectId: string, filters: VideoLogFilters, page: PageRequest) {
    let query = this.db.selectFrom('video_logs').selectAll().where('project_id', '=', projectId);
    if (!filters.includeDeleted) query = query.where('discarded_at', 'is', null);
    if (filters.createdBefore !== undefined) {
      query = query.where('created_at', '<', filters.createdBefore);
    }
    if (filters.createdAfter !== undefined) {
      query = query.where('created_at', '>', filters.createdAfter);
    }
    if (filters.createdOn !== undefined) {
      query = query
        .where('created_at', '>=', filters.createdOn.from)
        .where('created_at', '<', filters.createdOn.to);
    }
    return this.run(() => keysetPage<VideoLogRow & Keyed>(query, page));
  }

  async getVideoLog(projectId: string, id: string) {
    return this.run(() =>
      this.db
        .selectFrom('video_logs')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }

  // ---- rooms (issue 5) ---------------------------------------------------------------------

  async createRoom(projectId: string, input: NewRoom): Promise<RoomRecord> {
    const row = {
      id: input.id,
      project_id: projectId,
      name: input.name,
      ...roomFieldsToRow(input),
      fps: input.fps,
      created_at: input.createdAt,
      updated_at: input.createdAt,
    };
    try {
      await this.run(() => this.db.insertInto('rooms').values(row).execute());
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw new NameTakenError();
      throw error;
    }
    return rowToRoomRecord(row);
  }

  async getRoom(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('rooms')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && rowToRoomRecord(row);
  }

  async getRoomByName(projectId: string, name: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('rooms')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('name', '=', name)
        .executeTakeFirst(),
    );
    return row && rowToRoomRecord(row);
  }

  async updateRoom(projectId: string, id: string, fields: RoomFields, updatedAt: number) {
    const row = await this.run(() =>
      this.db
        .updateTable('rooms')
        .set({ ...roomFieldsToRow(fields), updated_at: updatedAt })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && rowToRoomRecord(row);
  }

  async deleteRoom(projectId: string, id: string, deletedAt = Date.now()) {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx
          .deleteFrom('rooms')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await trx
          .deleteFrom('streams')
          .where('project_id', '=', projectId)
          .where('room_id', '=', id)
          .execute();
        await discardLogs(trx, projectId, 'room_id', id, deletedAt);
        return true;
      }),
    );
  }

  async listRooms(projectId: string, filters: RoomFilters, page: PageRequest): Promise<Page<Room>> {
    const rows = await this.joinWindowPage('rooms', projectId, filters, page);
    return mapPage(rows, rowToRoom);
  }

  async activeRoomSessions(projectId: string, roomIds: readonly string[]) {
    return this.activeSessions(projectId, 'room_id', roomIds);
  }

  // ---- streams (issue 5) -------------------------------------------------------------------

  async createStream(
    projectId: string,
    owner: StreamOwner,
    input: NewStream,
    limit: number,
  ): Promise<Stream | undefined> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // A no-op write on the owner's row proves it exists and serialises the creates of one
        // owner (a row lock on PostgreSQL, the write lock on SQLite), so the count below holds.
        const table = owner.kind === 'room' ? 'rooms' : 'conferences';
        const touched = await trx
          .updateTable(table as 'rooms')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('project_id', '=', projectId)
          .where('id', '=', owner.id)
          .executeTakeFirst();
        if (touched.numUpdatedRows === 0n) return undefined;
        const { n } = await trx
          .selectFrom('streams')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('project_id', '=', projectId)
          .where('room_id', '=', owner.id)
          .executeTakeFirstOrThrow();
        if (Number(n) >= limit) throw new StreamLimitError(limit);
        const row = {
          id: input.id,
          project_id: projectId,
          room_id: owner.id,
          url: input.url,
          stream_type: input.streamType,
          width: null,
          height: null,
          fps: null,
          created_at: input.createdAt,
          updated_at: input.createdAt,
        };
        await trx.insertInto('streams').values(row).execute();
        return rowToStream(row);
      }),
    );
  }

  async listStreams(projectId: string, roomId: string, page: PageRequest) {
    const rows = await this.run(() =>
      keysetPage<Database['streams'] & Keyed>(
        this.db
          .selectFrom('streams')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('room_id', '=', roomId),
        page,
      ),
    );
    return mapPage(rows, rowToStream);
  }

  async getStream(projectId: string, id: string) {
    const row = await this.run(() =>
      this.db
        .selectFrom('streams')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row && rowToStream(row);
  }

  async updateStream(
    projectId: string,
    id: string,
    change: { url: string; streamType: string },
    updatedAt: number,
  ) {
    const row = await this.run(() =>
      this.db
        .updateTable('streams')
        .set({ url: change.url, stream_type: change.streamType, updated_at: updatedAt })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && rowToStream(row);
  }

  async deleteStream(projectId: string, id: string) {
    const result = await this.run(() =>
      this.db
        .deleteFrom('streams')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  // ---- room-token signing keys (issue 5) ---------------------------------------------------

  async ensureRoomTokenKey(projectId: string, candidate: NewRoomTokenKey): Promise<RoomTokenKey> {
    const current = () =>
      this.db
        .selectFrom('room_token_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
    const found = await this.run(current);
    if (found) return rowToRoomTokenKey(found);
    const row = {
      kid: candidate.kid,
      project_id: projectId,
      secret: candidate.secret,
      created_at: candidate.createdAt,
      retired_at: null,
    };
    try {
      await this.run(() => this.db.insertInto('room_token_keys').values(row).execute());
    } catch (error) {
      // Two first uses at once: one current key per project (a unique index), the other wins.
      if (!this.hooks.isUniqueViolation(error)) throw error;
      const winner = await this.run(current);
      if (!winner) throw error;
      return rowToRoomTokenKey(winner);
    }
    return rowToRoomTokenKey(row);
  }

  async getRoomTokenKey(kid: string) {
    const row = await this.run(() =>
      this.db.selectFrom('room_token_keys').selectAll().where('kid', '=', kid).executeTakeFirst(),
    );
    return row && rowToRoomTokenKey(row);
  }

  async rotateRoomTokenKey(projectId: string, next: NewRoomTokenKey, pruneRetiredBefore: number) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.run(() =>
          this.db.transaction().execute(async (trx) => {
            const retired = await trx
              .updateTable('room_token_keys')
              .set({ retired_at: next.createdAt })
              .where('project_id', '=', projectId)
              .where('retired_at', 'is', null)
              .returningAll()
              .executeTakeFirst();
            await trx
              .deleteFrom('room_token_keys')
              .where('project_id', '=', projectId)
              .where('retired_at', '<', pruneRetiredBefore)
              .execute();
            const row = {
              kid: next.kid,
              project_id: projectId,
              secret: next.secret,
              created_at: next.createdAt,
              retired_at: null,
            };
            await trx.insertInto('room_token_keys').values(row).execute();
            return {
              current: rowToRoomTokenKey(row),
              retired: retired && rowToRoomTokenKey(retired),
            };
          }),
        );
      } catch (error) {
        // Two rotations at once: the one whose new key lost the unique index tries again.
        if (attempt < 2 && this.hooks.isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  // ---- bulk transfer ---------------------------------------------------------------------------

  async scanRows<T extends ScannedTable>(
    table: T,
    projectId: string | undefined,
    after: Cursor | undefined,
    limit: number,
  ): Promise<TableRow<T>[]> {
    const key = primaryKey(table);
    let query = this.db.selectFrom(table as ScannedTable).selectAll() as AnySelect;
    if (projectId !== undefined) {
      query = query.where(table === 'projects' ? 'id' : 'project_id', '=', projectId);
    }
    if (after) {
      query = query.where(
        ({ eb }) =>
          eb(sql.raw(`(created_at, ${key})`), '<', eb.tuple(after.createdAt, after.id)) as never,
      );
    }
    const rows = await this.run(() =>
      query.orderBy('created_at', 'desc').orderBy(key, 'desc').limit(limit).execute(),
    );
    return rows as TableRow<T>[];
  }

  async ownedRowsOf<T extends OwnedTable>(
    table: T,
    projectId: string,
    ownerIds: readonly string[],
  ): Promise<TableRow<T>[]> {
    if (ownerIds.length === 0) return [];
    const owner = table === 'conference_tokens' ? 'conference_id' : 'room_id';
    const rows = await this.run(() =>
      (this.db.selectFrom(table as OwnedTable).selectAll() as AnySelect)
        .where('project_id', '=', projectId)
        .where(owner, 'in', ownerIds)
        .orderBy(owner)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    );
    return rows as TableRow<T>[];
  }

  async insertRows(batch: RowBatch, options: { skipExisting?: boolean } = {}) {
    await this.run(() =>
      this.db.transaction().execute(async (trx) => {
        for (const table of TABLES_IN_WRITE_ORDER) {
          const rows = batch[table];
          if (!rows || rows.length === 0) continue;
          const perInsert = Math.max(
            1,
            Math.floor(PARAMETERS_PER_INSERT / Object.keys(rows[0]!).length),
          );
          for (let i = 0; i < rows.length; i += perInsert) {
            const insert = trx.insertInto(table).values(rows.slice(i, i + perInsert) as never);
            await (
              options.skipExisting
                ? insert.onConflict((oc) => oc.column(primaryKey(table)).doNothing())
                : insert
            ).execute();
          }
        }
      }),
    );
  }

  async refreshStatistics() {
    const analyze = this.hooks.analyze;
    if (analyze) await this.run(() => analyze(this.db, TABLES_IN_WRITE_ORDER));
  }

  async countRows(table: TableName, projectId?: string) {
    let query = this.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n')) as AnySelect;
    if (projectId !== undefined) {
      query = query.where(table === 'projects' ? 'id' : 'project_id', '=', projectId);
    }
    const row = (await this.run(() => query.executeTakeFirstOrThrow())) as { n: number | string };
    return Number(row.n);
  }
}

// ---- live-session writes, shared by the single operations and applySessionWrites -------------

type Trx = Transaction<Database>;
const flagOf = (v: boolean | undefined) => (v ? 1 : 0);

/** Rows per multi-row INSERT (10 columns: well inside both engines' parameter limits). */
const INSERT_CHUNK = 500;

function memberRow(member: NewMember): Insertable<Database['room_session_members']> {
  return {
    id: member.id,
    project_id: member.projectId,
    room_session_id: member.roomSessionId,
    name: member.name,
    join_time: member.joinTime,
    leave_time: null,
    created_at: member.joinTime,
  };
}

function eventRow(event: NewSessionEvent, roomId: string) {
  return {
    id: event.id,
    project_id: event.projectId,
    room_id: roomId,
    room_session_id: event.roomSessionId,
    room_recording_id: event.roomRecordingId ?? null,
    room_participant_id: event.roomParticipantId ?? null,
    level: event.level,
    name: event.name,
    payload: JSON.stringify(event.payload),
    created_at: event.createdAt,
  };
}

async function insertEvent(trx: Trx, event: NewSessionEvent, roomId: string) {
  await trx.insertInto('room_session_events').values(eventRow(event, roomId)).execute();
}

/** A session's row, its `session.started` event and its video log (in-progress). */
async function insertSession(trx: Trx, input: NewRoomSession) {
  // A conference's backing room has the conference's id (docs/decisions.md, Rooms).
  const roomId = input.roomId ?? input.conferenceId ?? null;
  await trx
    .insertInto('room_sessions')
    .values({
      id: input.id,
      project_id: input.projectId,
      conference_id: input.conferenceId ?? null,
      room_id: roomId,
      name: input.name,
      display_name: input.displayName ?? null,
      status: 'in-progress',
      layout: input.layout ?? null,
      quality: input.quality ?? null,
      fps: input.fps ?? null,
      max_members: input.maxMembers ?? null,
      join_from: input.joinFrom ?? null,
      join_until: input.joinUntil ?? null,
      remove_at: input.removeAt ?? null,
      remove_after_seconds_elapsed: input.removeAfterSecondsElapsed ?? null,
      record_on_start: flagOf(input.recordOnStart),
      enable_room_previews: flagOf(input.enableRoomPreviews),
      audio_video_sync: flagOf(input.audioVideoSync),
      start_time: input.startTime,
      end_time: null,
      created_at: input.startTime,
      locked: 0,
      tone_on_entry_and_exit: flagOf(input.toneOnEntryAndExit ?? true),
      room_join_video_off: flagOf(input.roomJoinVideoOff),
      user_join_video_off: flagOf(input.userJoinVideoOff),
      prioritize_handraise: flagOf(input.prioritizeHandraise),
      updated_at: input.startTime,
      node_id: input.nodeId ?? null,
      lease_until: input.leaseUntil ?? null,
    })
    .execute();
  await insertEvent(
    trx,
    {
      id: input.startedEventId ?? newOrderedId(),
      projectId: input.projectId,
      roomSessionId: input.id,
      level: 'info',
      name: 'session.started',
      payload: {},
      createdAt: input.startTime,
    },
    roomId ?? input.id,
  );
  await trx
    .insertInto('video_logs')
    .values({
      id: newOrderedId(),
      project_id: input.projectId,
      room_session_id: input.id,
      conference_id: input.conferenceId ?? null,
      room_id: input.roomId ?? null,
      type: input.conferenceId ? 'video_conference_session' : 'video_room_session',
      room_name: input.name,
      status: 'in-progress',
      locked: 0,
      started_at: input.startTime,
      ended_at: null,
      discarded_at: null,
      created_at: input.startTime,
    })
    .execute();
}

/**
 * Ends an in-progress session: its end time, members still present leave at that time, a
 * `session.ended` event, its log completed. False when it is not in progress.
 */
async function endSession(trx: Trx, projectId: string, id: string, endTime: number) {
  const session = await trx
    .updateTable('room_sessions')
    .set({ status: 'completed', end_time: endTime, updated_at: endTime })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('status', '=', 'in-progress')
    .returning(['room_id', 'start_time'])
    .executeTakeFirst();
  if (!session) return false;
  // Nobody leaves before they joined, whatever end time a crash recovery estimates.
  await trx
    .updateTable('room_session_members')
    .set({
      leave_time: sql<number>`case when join_time > ${endTime} then join_time else ${endTime} end`,
    })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .where('leave_time', 'is', null)
    .execute();
  await insertEvent(
    trx,
    {
      id: newOrderedId(),
      projectId,
      roomSessionId: id,
      level: 'info',
      name: 'session.ended',
      payload: { duration: Math.max(0, Math.round((endTime - session.start_time) / 1000)) },
      createdAt: endTime,
    },
    session.room_id ?? id,
  );
  await trx
    .updateTable('video_logs')
    .set({ status: 'completed', ended_at: endTime })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .execute();
  return true;
}

async function lockSession(trx: Trx, projectId: string, id: string, locked: boolean, at: number) {
  const result = await trx
    .updateTable('room_sessions')
    .set({ locked: locked ? 1 : 0, updated_at: at })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await trx
    .updateTable('video_logs')
    .set({ locked: locked ? 1 : 0 })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .execute();
  return true;
}
