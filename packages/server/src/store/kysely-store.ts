import type { ActiveSession, ApiTokenScope, Conference } from '@conclave/schema';
import { Migrator, sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { migrations, type Engine } from './migrations/index.js';
import {
  conferenceFieldsToRow,
  rowToActiveSession,
  rowToApiToken,
  rowToConference,
  rowToConferenceRecord,
  rowToConferenceToken,
  rowToProject,
} from './rows.js';
import {
  NameTakenError,
  StoreUnavailableError,
  type AuthenticatedToken,
  type ConferenceFields,
  type ConferenceFilters,
  type ConferenceRecord,
  type Cursor,
  type NewConference,
  type NewRoomSession,
  type Page,
  type PageRequest,
  type Store,
} from './store.js';

/** What differs between the engines beyond SQL text: error classification and lifecycle. */
export interface EngineHooks {
  engine: Engine;
  isUniqueViolation(error: unknown): boolean;
  isConnectionError(error: unknown): boolean;
  /** Runs the migrations, under whatever lock the engine needs. */
  withMigrationLock(db: Kysely<Database>, run: () => Promise<void>): Promise<void>;
}

// Keyset queries work on any table with (created_at, id); Kysely cannot express that generically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnySelect = SelectQueryBuilder<Database, any, any>;
interface Keyed {
  created_at: number;
  id: string;
}

/**
 * One page of a list ordered by `created_at DESC, id DESC`. Forward pages fetch one extra row to
 * learn whether a next page exists; backward pages read ascending and then check for older rows.
 * Both are a single index range scan whatever the depth (D14).
 */
async function keysetPage<Row extends Keyed>(
  query: AnySelect,
  page: PageRequest,
): Promise<Page<Row>> {
  const key = sql.raw('(created_at, id)');
  if (page.before) {
    const b = page.before;
    const rows = (await query
      .where(({ eb }) => eb(key, b.inclusive ? '>=' : '>', eb.tuple(b.createdAt, b.id)) as never)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(page.limit)
      .execute()) as Row[];
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
  const rows = (await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute()) as Row[];
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
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations(this.engine) },
    });
    await this.hooks.withMigrationLock(this.db, async () => {
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    });
  }

  async ping(): Promise<void> {
    await this.run(() => sql`select 1`.execute(this.db));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ---- projects and API tokens -------------------------------------------------------------

  async createProject(input: { id: string; name: string; createdAt: number }) {
    const row = { id: input.id, name: input.name, created_at: input.createdAt };
    await this.run(() => this.db.insertInto('projects').values(row).execute());
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
    await this.run(() => this.db.insertInto('api_tokens').values(row).execute());
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

  async deleteConference(projectId: string, id: string) {
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
        return true;
      }),
    );
  }

  async listConferences(
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<Conference>> {
    let query = this.db.selectFrom('conferences').selectAll().where('project_id', '=', projectId);
    if (filters.startsAfter !== undefined) {
      query = query.where('join_from', '>=', filters.startsAfter);
    }
    if (filters.endsBefore !== undefined) {
      query = query.where('join_until', '<=', filters.endsBefore);
    }
    const rows = await this.run(() => keysetPage<Database['conferences'] & Keyed>(query, page));
    return mapPage(rows, rowToConference);
  }

  async activeConferenceSessions(projectId: string, conferenceIds: readonly string[]) {
    const out = new Map<string, ActiveSession>();
    if (conferenceIds.length === 0) return out;
    const rows = await this.run(() =>
      this.db
        .selectFrom('room_sessions')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('status', '=', 'in-progress')
        .where('conference_id', 'in', conferenceIds)
        .execute(),
    );
    for (const row of rows) {
      if (row.conference_id !== null) out.set(row.conference_id, rowToActiveSession(row));
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
    const flagOf = (v: boolean | undefined) => (v ? 1 : 0);
    await this.run(() =>
      this.db
        .insertInto('room_sessions')
        .values({
          id: input.id,
          project_id: input.projectId,
          conference_id: input.conferenceId ?? null,
          room_id: input.roomId ?? null,
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
        })
        .execute(),
    );
  }

  async endRoomSession(projectId: string, id: string, endTime: number) {
    const result = await this.run(() =>
      this.db
        .updateTable('room_sessions')
        .set({ status: 'completed', end_time: endTime })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .where('status', '=', 'in-progress')
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }
}
