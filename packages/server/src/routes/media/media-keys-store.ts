import type { StoreContext } from '../../store/kysely/store-context.js';

/** Per-project HMAC keys that sign media links; never in an API response. */
export interface MediaKeysStore {
  /** The project's media-link signing secret; `candidate` is stored first when it has none. */
  ensureMediaKey(
    projectId: string,
    candidate: { id: string; secret: string; createdAt: number },
  ): Promise<string>;
}

export function mediaKeysStore(ctx: StoreContext): MediaKeysStore {
  return {
    ensureMediaKey(projectId, candidate) {
      const read = () =>
        ctx.db
          .selectFrom('media_keys')
          .select('secret')
          .where('project_id', '=', projectId)
          .executeTakeFirst();
      return ctx.run(async () => {
        const found = await read();
        if (found) return found.secret;
        // Racing first uses agree on one key: the unique project_id lets only one insert in.
        await ctx.db
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
    },
  };
}
