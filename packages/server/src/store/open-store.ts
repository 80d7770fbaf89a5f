import type { Store } from './store.js';
import { createSqliteStore, sqliteFilename } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  /** D19: a file path or `sqlite:` URL (SQLite), or `postgres://…` (PostgreSQL). */
  databaseUrl: string;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** Where PostgreSQL pool settings (CONCLAVE_PG_*) are read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Opens the store named by a database URL and applies pending migrations. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { createPostgresStore, postgresOptionsFromEnv } =
      await import('./postgres/postgres-store.js');
    const store = createPostgresStore({
      connectionString: url,
      ...postgresOptionsFromEnv(options.env ?? process.env),
    });
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
