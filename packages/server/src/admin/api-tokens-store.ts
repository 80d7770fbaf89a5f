import type { ApiToken, ApiTokenScope } from '@conclave/schema';
import type { Statement } from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { formatMillis } from '../lib/time.js';
import type { ApiTokensTable } from '../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../store/kysely/keyset-page.js';
import { deleteInProject } from '../store/kysely/project-rows.js';
import type { StoreContext } from '../store/kysely/store-context.js';
import type { Page, PageRequest } from '../store/store.js';

export interface AuthenticatedToken {
  projectId: string;
  tokenHash: string;
  scopes: ApiTokenScope[];
}

export interface NewApiToken {
  id: string;
  projectId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: ApiTokenScope[];
  createdAt: number;
}

export interface ApiTokensStore {
  /** The same token (hash) stored twice, as by processes starting together, is stored once. */
  createApiToken(input: NewApiToken): Promise<ApiToken>;
  listApiTokens(projectId: string, page: PageRequest): Promise<Page<ApiToken>>;
  revokeApiToken(projectId: string, id: string): Promise<boolean>;
  findApiToken(projectId: string, tokenHash: string): Promise<AuthenticatedToken | undefined>;
}

export function rowToApiToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as ApiTokenScope[],
    created_at: formatMillis(row.created_at),
  };
}

export function apiTokenRow(input: NewApiToken) {
  return {
    id: input.id,
    project_id: input.projectId,
    name: input.name,
    prefix: input.prefix,
    token_hash: input.tokenHash,
    scopes: JSON.stringify(input.scopes),
    created_at: input.createdAt,
  };
}

type FoundToken = Pick<ApiTokensTable, 'project_id' | 'token_hash' | 'scopes'>;

export function apiTokensStore(ctx: StoreContext): ApiTokensStore {
  const sqlite = ctx.hooks.sqlite;
  let findStatement: Statement | undefined;
  return {
    createApiToken(input) {
      const row = apiTokenRow(input);
      return ctx.insertOrFindWinner(
        () => ctx.db.insertInto('api_tokens').values(row).execute(),
        rowToApiToken(row),
        async () => {
          const existing = await ctx.db
            .selectFrom('api_tokens')
            .selectAll()
            .where('token_hash', '=', input.tokenHash)
            .where('project_id', '=', input.projectId)
            .executeTakeFirst();
          return existing && rowToApiToken(existing);
        },
      );
    },

    async listApiTokens(projectId, page) {
      const rows = await ctx.run(() =>
        keysetPage<ApiTokensTable & Keyed>(
          ctx.db.selectFrom('api_tokens').selectAll().where('project_id', '=', projectId),
          page,
        ),
      );
      return mapPage(rows, rowToApiToken);
    },

    revokeApiToken(projectId, id) {
      return deleteInProject(ctx, 'api_tokens', projectId, id);
    },

    async findApiToken(projectId, tokenHash) {
      // Every API request asks this: on SQLite, a statement prepared once (outside another
      // caller's transaction, as for the conference list).
      const row =
        sqlite && !sqlite.inTransaction
          ? ((findStatement ??= sqlite.prepare(
              'select project_id, token_hash, scopes from api_tokens ' +
                'where token_hash = ? and project_id = ?',
            )).get(tokenHash, projectId) as FoundToken | undefined)
          : await ctx.run(() =>
              ctx.db
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
    },
  };
}
