import type { Kysely, Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

/**
 * The node registry (docs/several-nodes.md): each Conclave process sharing the database writes
 * where the others reach it, whether it takes new sessions, and its load, on every heartbeat.
 */
export function nodes(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('nodes')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .addColumn('sessions', 'integer', (c) => c.notNull())
        .addColumn('members', 'integer', (c) => c.notNull())
        .addColumn('packet_rate', 'integer', (c) => c.notNull())
        .execute();
    },
  };
}
