import type { Selectable } from 'kysely';
import type { RoomTokenKeysTable } from '../../../store/database.js';
import type { StoreContext } from '../../../store/kysely/store-context.js';

export interface NewRoomTokenKey {
  kid: string;
  /** The HMAC key, base64url. */
  secret: string;
  /** Unix ms. */
  createdAt: number;
}

export interface RoomTokenKey extends NewRoomTokenKey {
  projectId: string;
  /** Unix ms; null for the current key. */
  retiredAt: number | null;
}

/** Room-token signing keys: one current key per project, retired ones kept for a grace period. */
export interface RoomTokenKeysStore {
  /** The project's current signing key; `candidate` is stored first when it has none. */
  ensureRoomTokenKey(projectId: string, candidate: NewRoomTokenKey): Promise<RoomTokenKey>;
  /** A signing key by id, current or retired, whatever its project (for verification). */
  getRoomTokenKey(kid: string): Promise<RoomTokenKey | undefined>;
  /**
   * Retires the current key at `next.createdAt` and makes `next` current; keys retired before
   * `pruneRetiredBefore` are deleted. Returns the new key and the one retired, if any.
   */
  rotateRoomTokenKey(
    projectId: string,
    next: NewRoomTokenKey,
    pruneRetiredBefore: number,
  ): Promise<{ current: RoomTokenKey; retired: RoomTokenKey | undefined }>;
}

export function rowToRoomTokenKey(row: Selectable<RoomTokenKeysTable>): RoomTokenKey {
  return {
    kid: row.kid,
    projectId: row.project_id,
    secret: row.secret,
    createdAt: Number(row.created_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  };
}

const keyRow = (projectId: string, key: NewRoomTokenKey) => ({
  kid: key.kid,
  project_id: projectId,
  secret: key.secret,
  created_at: key.createdAt,
  retired_at: null,
});

export function roomTokenKeysStore(ctx: StoreContext): RoomTokenKeysStore {
  return {
    async ensureRoomTokenKey(projectId, candidate) {
      const current = async () => {
        const row = await ctx.db
          .selectFrom('room_token_keys')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('retired_at', 'is', null)
          .executeTakeFirst();
        return row && rowToRoomTokenKey(row);
      };
      const found = await ctx.run(current);
      if (found) return found;
      const row = keyRow(projectId, candidate);
      // Two first uses at once: one current key per project (a unique index), the other wins.
      return ctx.insertOrFindWinner(
        () => ctx.db.insertInto('room_token_keys').values(row).execute(),
        rowToRoomTokenKey(row),
        current,
      );
    },

    async getRoomTokenKey(kid) {
      const row = await ctx.run(() =>
        ctx.db.selectFrom('room_token_keys').selectAll().where('kid', '=', kid).executeTakeFirst(),
      );
      return row && rowToRoomTokenKey(row);
    },

    async rotateRoomTokenKey(projectId, next, pruneRetiredBefore) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ctx.transaction(async (trx) => {
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
            const row = keyRow(projectId, next);
            await trx.insertInto('room_token_keys').values(row).execute();
            return {
              current: rowToRoomTokenKey(row),
              retired: retired && rowToRoomTokenKey(retired),
            };
          });
        } catch (error) {
          // Two rotations at once: the one whose new key lost the unique index tries again.
          if (attempt < 2 && ctx.isUniqueViolation(error)) continue;
          throw error;
        }
      }
    },
  };
}
