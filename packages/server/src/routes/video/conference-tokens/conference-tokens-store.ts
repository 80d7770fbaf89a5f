import type { ConferenceToken } from '@conclave/schema';
import type { Selectable } from 'kysely';
import { appendEvent } from '../../../events/event-outbox.js';
import type { ConferenceTokensTable } from '../../../store/database.js';
import { keysetPage, mapPage, type Keyed } from '../../../store/kysely/keyset-page.js';
import { findInProject } from '../../../store/kysely/project-rows.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import type { Page, PageRequest } from '../../../store/store.js';
import { rowToConferenceRecord } from '../conferences/conference-rows.js';
import type { ConferenceRecord } from '../conferences/conferences-store.js';

/** A conference token found by its value, with its conference (what a join needs). */
export interface ConferenceTokenMatch {
  id: string;
  projectId: string;
  conferenceId: string;
  name: string | null;
  scopes: string[];
  conference: ConferenceRecord;
}

export interface ConferenceTokensStore {
  listConferenceTokens(
    projectId: string,
    conferenceId: string,
    page: PageRequest,
  ): Promise<Page<ConferenceToken>>;
  getConferenceToken(projectId: string, id: string): Promise<ConferenceToken | undefined>;
  /** A new value for the token (and a `conference_token.reset` event); undefined: no such token. */
  resetConferenceToken(
    projectId: string,
    id: string,
    newToken: string,
    at?: number,
  ): Promise<ConferenceToken | undefined>;
  /**
   * A conference token by its value, whatever its project (a join presents only the token), with
   * its conference; undefined when no conference has it.
   */
  findConferenceTokenByValue(token: string): Promise<ConferenceTokenMatch | undefined>;
}

export function rowToConferenceToken(row: Selectable<ConferenceTokensTable>): ConferenceToken {
  return {
    id: row.id,
    name: row.name,
    token: row.token,
    scopes: JSON.parse(row.scopes) as string[],
  };
}

export function conferenceTokensStore(ctx: StoreContext): ConferenceTokensStore {
  return {
    async listConferenceTokens(projectId, conferenceId, page) {
      const rows = await ctx.run(() =>
        keysetPage<ConferenceTokensTable & Keyed>(
          ctx.db
            .selectFrom('conference_tokens')
            .selectAll()
            .where('conference_id', '=', conferenceId)
            .where('project_id', '=', projectId),
          page,
        ),
      );
      return mapPage(rows, rowToConferenceToken);
    },

    async getConferenceToken(projectId, id) {
      const row = await findInProject(ctx, 'conference_tokens', projectId, id);
      return row && rowToConferenceToken(row);
    },

    resetConferenceToken(projectId, id, newToken, at = Date.now()) {
      return ctx.transaction(async (trx) => {
        const row = await trx
          .updateTable('conference_tokens')
          .set({ token: newToken })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        const token = rowToConferenceToken(row);
        await appendEvent(trx, {
          projectId,
          type: 'conference_token.reset',
          objectId: id,
          orderingKey: row.conference_id,
          object: token,
          at,
        });
        return token;
      });
    },

    async findConferenceTokenByValue(token) {
      // One round trip: the token and its conference (a join needs both).
      const row = await ctx.run(() =>
        ctx.db
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
    },
  };
}
