import type { ActiveSession, Conference } from '@conclave/schema';
import { appendEvent } from '../../../events/event-outbox.js';
import { findInProject, updateInProject } from '../../../store/kysely/project-rows.js';
import { DirectPages } from '../../../store/kysely/direct-page.js';
import type { JoinWindowFilters } from '../../../store/kysely/join-window-page.js';
import { joinWindowPage, joinWindowQuery } from '../../../store/kysely/join-window-page.js';
import { mapPage } from '../../../store/kysely/keyset-page.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';
import { NameTakenError, type Cursor, type Page, type PageRequest } from '../../../store/store.js';
import { discardLogsOf } from '../logs/video-logs-store.js';
import { activeSessionsOf } from '../room-sessions/room-sessions-store.js';
import {
  conferenceFieldsToRow,
  conferenceWire,
  rowToConferenceFields,
  rowToConferenceRecord,
} from './conference-rows.js';

export type ConferenceFilters = JoinWindowFilters;

/** Conference fields as stored (times in Unix seconds, flags as booleans, meta parsed). */
export interface ConferenceFields {
  display_name: string | null;
  description: string | null;
  join_from: number | null;
  join_until: number | null;
  quality: string;
  layout: string;
  size: string | null;
  record_on_start: boolean;
  tone_on_entry_and_exit: boolean;
  user_join_video_off: boolean;
  room_join_video_off: boolean;
  enable_chat: boolean;
  enable_room_previews: boolean | null;
  dark_primary: string | null;
  dark_background: string | null;
  dark_foreground: string | null;
  dark_success: string | null;
  dark_negative: string | null;
  light_primary: string | null;
  light_background: string | null;
  light_foreground: string | null;
  light_success: string | null;
  light_negative: string | null;
  meta: Record<string, unknown> | null;
}

export interface NewConference extends ConferenceFields {
  id: string;
  name: string;
  createdAt: number;
  tokens: { id: string; name: string; token: string; scopes: readonly string[] }[];
}

/** A conference as the store reads it: its wire form, the raw join window, and its list key. */
export interface ConferenceRecord {
  wire: Conference;
  fields: ConferenceFields;
  key: Cursor;
}

export interface ConferencesStore {
  /** Stores the conference with its tokens; NameTakenError when the name is in use. */
  createConference(projectId: string, input: NewConference): Promise<ConferenceRecord>;
  getConference(projectId: string, id: string): Promise<ConferenceRecord | undefined>;
  /**
   * Applies `change` to the conference's current fields, atomically: concurrent updates of one
   * conference apply one after the other. Undefined when there is no such conference.
   */
  updateConference(
    projectId: string,
    id: string,
    change: (current: ConferenceFields) => ConferenceFields,
    updatedAt: number,
  ): Promise<ConferenceRecord | undefined>;
  /** Also discards the video logs of its sessions, at `deletedAt` (Unix ms, default now). */
  deleteConference(projectId: string, id: string, deletedAt?: number): Promise<boolean>;
  listConferences(
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<Conference>>;
  /** The same page, each conference as its wire JSON text (what the list route sends). */
  listConferenceWires(
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<string>>;
  /** The in-progress session of each given conference that has one. */
  activeConferenceSessions(
    projectId: string,
    conferenceIds: readonly string[],
  ): Promise<Map<string, ActiveSession>>;
}

interface WireRow {
  id: string;
  created_at: number;
  wire: string;
}

const WIRE_COLUMNS = ['id', 'created_at', 'wire'] as const;

export function conferencesStore(ctx: StoreContext): ConferencesStore {
  const direct = ctx.hooks.arrayQuery && new DirectPages(ctx.hooks.arrayQuery);
  const sqlite = ctx.hooks.sqlite;
  const wirePage = async (
    projectId: string,
    filters: ConferenceFilters,
    page: PageRequest,
  ): Promise<Page<string>> => {
    // The list's forward pages run on a statement prepared once per shape (E141, E150) — on
    // SQLite only outside another caller's transaction, whose uncommitted rows it would see.
    if (direct && !page.before && !sqlite?.inTransaction) {
      const parameters: unknown[] = [projectId];
      if (filters.startsAfter !== undefined) parameters.push(filters.startsAfter);
      if (filters.endsBefore !== undefined) parameters.push(filters.endsBefore);
      return ctx.run(() =>
        direct.page<string>(
          `${filters.startsAfter !== undefined ? 'from' : ''},${filters.endsBefore !== undefined ? 'until' : ''}`,
          parameters,
          () => joinWindowQuery(ctx, 'conferences', projectId, filters, WIRE_COLUMNS),
          page,
        ),
      );
    }
    const rows = await joinWindowPage<'conferences', WireRow>(
      ctx,
      'conferences',
      projectId,
      filters,
      page,
      WIRE_COLUMNS,
    );
    return mapPage(rows, (row) => row.wire);
  };
  return {
    async createConference(projectId, input) {
      const columns = {
        id: input.id,
        project_id: projectId,
        name: input.name,
        ...conferenceFieldsToRow(input),
        created_at: input.createdAt,
        updated_at: input.createdAt,
      };
      const row = { ...columns, wire: conferenceWire(columns) };
      try {
        await ctx.write(async (trx) => {
          await trx.insertInto('conferences').values(row).execute();
          // Its event, in the same transaction: the wire JSON already made for the row.
          await appendEvent(
            trx,
            {
              projectId,
              type: 'conference.created',
              objectId: input.id,
              orderingKey: input.id,
              object: row.wire,
              at: input.createdAt,
            },
            ctx.hooks.sqlite,
          );
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
        });
      } catch (error) {
        if (ctx.isUniqueViolation(error)) throw new NameTakenError();
        throw error;
      }
      return rowToConferenceRecord(row);
    },

    async getConference(projectId, id) {
      const row = await findInProject(ctx, 'conferences', projectId, id);
      return row && rowToConferenceRecord(row);
    },

    async updateConference(projectId, id, change, updatedAt) {
      const row = await updateInProject(
        ctx,
        'conferences',
        projectId,
        id,
        (current) => {
          const columns = {
            ...current,
            ...conferenceFieldsToRow(change(rowToConferenceFields(current))),
            updated_at: updatedAt,
          };
          return { ...columns, wire: conferenceWire(columns) };
        },
        (trx, updated) =>
          appendEvent(trx, {
            projectId,
            type: 'conference.updated',
            objectId: id,
            orderingKey: id,
            object: updated.wire ?? conferenceWire(updated),
            at: updatedAt,
          }),
      );
      return row && rowToConferenceRecord(row);
    },

    async deleteConference(projectId, id, deletedAt = Date.now()) {
      return ctx.transaction(async (trx) => {
        const deleted = await trx
          .deleteFrom('conferences')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!deleted) return false;
        await appendEvent(trx, {
          projectId,
          type: 'conference.deleted',
          objectId: id,
          orderingKey: id,
          object: deleted.wire ?? conferenceWire(deleted),
          at: deletedAt,
        });
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
        await discardLogsOf(trx, projectId, 'conference_id', id, deletedAt);
        return true;
      });
    },

    async listConferences(projectId, filters, page) {
      return mapPage(
        await wirePage(projectId, filters, page),
        (wire) => JSON.parse(wire) as Conference,
      );
    },

    listConferenceWires(projectId, filters, page) {
      return wirePage(projectId, filters, page);
    },

    activeConferenceSessions(projectId, conferenceIds) {
      return activeSessionsOf(ctx, projectId, 'conference_id', conferenceIds);
    },
  };
}
