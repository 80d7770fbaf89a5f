import type { Project } from '@conclave/schema';
import type { Selectable } from 'kysely';
import { formatMillis } from '../lib/time.js';
import type { ProjectsTable } from '../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../store/kysely/keyset-page.js';
import type { StoreContext } from '../store/kysely/store-context.js';
import { apiTokenRow, type NewApiToken } from './api-tokens-store.js';
import type { Page, PageRequest } from '../store/store.js';

export interface ProjectsStore {
  /** Creating a project that is already stored (the same id) returns the stored one. */
  createProject(input: { id: string; name: string; createdAt: number }): Promise<Project>;
  getProject(id: string): Promise<Project | undefined>;
  listProjects(page: PageRequest): Promise<Page<Project>>;
  /** Deletes the project and every row it owns. */
  deleteProject(id: string): Promise<boolean>;
  /**
   * Deletes every row of the project but the project itself and the tables in `keep`, in one
   * transaction; how many went, by table (tables with none left out).
   */
  emptyProject(id: string, keep: readonly ProjectOwnedTable[]): Promise<Record<string, number>>;
  countProjects(): Promise<number>;
  /**
   * On a database without projects, creates `project` with its first API token and returns true;
   * false when a project exists. Processes starting together on an empty database agree on one.
   */
  createFirstProject(
    project: { id: string; name: string; createdAt: number },
    token: NewApiToken,
  ): Promise<boolean>;
}

export function rowToProject(row: Selectable<ProjectsTable>): Project {
  return { id: row.id, name: row.name, created_at: formatMillis(row.created_at) };
}

/** The advisory lock key (PostgreSQL) under which the first project is created. */
const FIRST_PROJECT_LOCK = 0x636f6e63; // "conc"

/** Every table with rows of a project, children before their parents. */
const OWNED_BY_PROJECT = [
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
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
  'events',
] as const;
export type ProjectOwnedTable = (typeof OWNED_BY_PROJECT)[number];

export function projectsStore(ctx: StoreContext): ProjectsStore {
  const get = async (id: string) => {
    const row = await ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && rowToProject(row);
  };
  return {
    createProject(input) {
      const row = { id: input.id, name: input.name, created_at: input.createdAt };
      // Processes starting together ensure the same bootstrap project (D19): the first one's
      // insert wins and the others find it there. Ids are otherwise minted fresh, never reused.
      return ctx.insertOrFindWinner(
        () => ctx.db.insertInto('projects').values(row).execute(),
        rowToProject(row),
        () => get(input.id),
      );
    },

    getProject(id) {
      return ctx.run(() => get(id));
    },

    async listProjects(page) {
      const rows = await ctx.run(() =>
        keysetPage<ProjectsTable & Keyed>(ctx.db.selectFrom('projects').selectAll(), page),
      );
      return mapPage(rows, rowToProject);
    },

    async countProjects() {
      const row = await ctx.run(() =>
        ctx.db
          .selectFrom('projects')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
      );
      return Number(row.n);
    },

    createFirstProject(project, token) {
      return ctx.lockedTransaction(FIRST_PROJECT_LOCK, async (db) => {
        const existing = await db.selectFrom('projects').select('id').limit(1).executeTakeFirst();
        if (existing) return false;
        await db
          .insertInto('projects')
          .values({ id: project.id, name: project.name, created_at: project.createdAt })
          .execute();
        await db.insertInto('api_tokens').values(apiTokenRow(token)).execute();
        return true;
      });
    },

    emptyProject(id, keep) {
      return ctx.transaction(async (trx) => {
        const removed: Record<string, number> = {};
        for (const table of OWNED_BY_PROJECT) {
          if (keep.includes(table)) continue;
          const result = await trx
            .deleteFrom(table)
            .where('project_id', '=', id)
            .executeTakeFirst();
          if (result.numDeletedRows > 0n) removed[table] = Number(result.numDeletedRows);
        }
        return removed;
      });
    },

    deleteProject(id) {
      return ctx.transaction(async (trx) => {
        for (const table of OWNED_BY_PROJECT) {
          await trx.deleteFrom(table).where('project_id', '=', id).execute();
        }
        const result = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },
  };
}
