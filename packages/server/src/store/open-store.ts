import type { PostgresPoolSettings } from '../config.js';
import type { Store } from './store.js';
import { createSqliteStore, sqliteFilename } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  /** D19: a file path or `sqlite:` URL (SQLite), or `postgres://…` (PostgreSQL). */
  databaseUrl: string;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** PostgreSQL pool settings (config.ts reads them); the store's defaults where undefined. */
  postgres?: Partial<PostgresPoolSettings>;
}

/** Opens the store named by a database URL and applies pending migrations. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { createPostgresStore } = await import('./postgres/postgres-store.js');
    const store = createPostgresStore({ connectionString: url, ...options.postgres });
    await migrateOrClose(store);
    return store;
  }
  const store = createSqliteStore({
    filename: sqliteFilename(url),
    ...(options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {}),
  });
  await migrateOrClose(store);
  return store;
}

async function migrateOrClose(store: Store): Promise<void> {
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}
