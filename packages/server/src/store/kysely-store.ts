import { Migrator, sql, type Kysely } from 'kysely';
import { apiTokensStore } from '../admin/api-tokens-store.js';
import { projectsStore } from '../admin/projects-store.js';
import { mediaKeysStore } from '../routes/media/media-keys-store.js';
import { conferenceTokensStore } from '../routes/video/conference-tokens/conference-tokens-store.js';
import { conferencesStore } from '../routes/video/conferences/conferences-store.js';
import { videoLogsStore } from '../routes/video/logs/video-logs-store.js';
import { roomRecordingsStore } from '../routes/video/room-recordings/room-recordings-store.js';
import { liveSessionsStore } from '../routes/video/room-sessions/live-sessions-store.js';
import { roomSessionsStore } from '../routes/video/room-sessions/room-sessions-store.js';
import { roomTokenKeysStore } from '../routes/video/room-tokens/room-token-keys-store.js';
import { roomsStore } from '../routes/video/rooms/rooms-store.js';
import { streamsStore } from '../routes/video/streams/streams-store.js';
import { transferStore } from '../transfer/transfer-store.js';
import { eventsStore } from '../events/events-store.js';
import { webhooksStore } from '../webhooks/webhooks-store.js';
import type { Database } from './database.js';
import { StoreContext, type EngineHooks } from './kysely/store-context.js';
import { migrations } from './migrations/index.js';
import type { Store } from './store.js';
import { nodesStore } from '../cluster/nodes-store.js';

export type { EngineHooks } from './kysely/store-context.js';

/** The store for both engines: Kysely builds the SQL, `hooks` supplies what differs. */
export interface KyselyStore extends Store {
  readonly db: Kysely<Database>;
}

/** Composes every resource's queries over one database into the Store port. */
export function createKyselyStore(db: Kysely<Database>, hooks: EngineHooks): KyselyStore {
  const ctx = new StoreContext(db, hooks);
  return {
    engine: hooks.engine,
    db,

    async migrate() {
      const migrationDb = hooks.migrationDb?.() ?? db;
      try {
        const schema = await hooks.migrationSchema?.(migrationDb);
        const migrator = new Migrator({
          db: migrationDb,
          provider: { getMigrations: async () => migrations(hooks.engine) },
          ...(schema ? { migrationTableSchema: schema } : {}),
        });
        await hooks.withMigrationLock(migrationDb, async () => {
          const { error } = await migrator.migrateToLatest();
          if (error) throw error;
        });
      } finally {
        if (migrationDb !== db) await migrationDb.destroy();
      }
    },

    async ping() {
      await ctx.run(() => sql`select 1`.execute(db));
    },

    async close() {
      await db.destroy();
      await hooks.afterClose?.();
    },

    ...projectsStore(ctx),
    ...apiTokensStore(ctx),
    ...conferencesStore(ctx),
    ...conferenceTokensStore(ctx),
    ...roomsStore(ctx),
    ...streamsStore(ctx),
    ...roomTokenKeysStore(ctx),
    ...roomSessionsStore(ctx),
    ...liveSessionsStore(ctx),
    ...roomRecordingsStore(ctx),
    ...mediaKeysStore(ctx),
    ...videoLogsStore(ctx),
    ...transferStore(ctx),
    ...eventsStore(ctx),
    ...webhooksStore(ctx),
    ...nodesStore(ctx),
  };
}
