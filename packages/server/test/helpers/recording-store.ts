import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Database } from '../../src/store/database.js';
import { createKyselyStore } from '../../src/store/kysely-store.js';
import type { Engine } from '../../src/store/migrations/index.js';

/**
 * The real store on a driver that runs nothing: every statement it would send is recorded, in
 * the engine's dialect. `take()` returns (and forgets) what was recorded so far.
 */
export function recordingStore(engine: Engine) {
  const statements: string[] = [];
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => (engine === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kdb) =>
        engine === 'postgres' ? new PostgresIntrospector(kdb) : new SqliteIntrospector(kdb),
      createQueryCompiler: () =>
        engine === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler(),
    },
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  const store = createKyselyStore(db, {
    engine,
    isUniqueViolation: () => false,
    isConnectionError: () => false,
    withMigrationLock: async (_db, run) => run(),
  });
  return { store, db, take: () => statements.splice(0) };
}
