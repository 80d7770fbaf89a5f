import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

/**
 * The event outbox and webhooks (docs/webhooks.md). `events` is written in the same transaction
 * as the change it tells of; its `seq` is the event's id (ascending in commit order per session,
 * so events order and resume by it). `dispatched` is 0 until the delivery worker has made the
 * event's deliveries. Endpoints, their deliveries (one per event and endpoint, ordered per
 * `ordering_key`) and every delivery attempt are kept per project.
 */
export function events(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('seq', schema.sequenceType, (c) =>
          schema.engine === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('ordering_key', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('dispatched', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('events_by_project')
        .on('events')
        .columns(['project_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('events_by_project_time')
        .on('events')
        .columns(['project_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('events_undispatched')
        .on('events')
        .column('seq')
        .where(sql.ref('dispatched'), '=', 0)
        .execute();

      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_until', 'bigint')
        .addColumn('failing_since', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_endpoints_by_project')
        .on('webhook_endpoints')
        .columns(['project_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('event_seq', 'bigint', (c) => c.notNull())
        .addColumn('ordering_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('first_attempt_at', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The worker's queue, and what holds a later event of the same session back.
      await db.schema
        .createIndex('webhook_deliveries_pending')
        .on('webhook_deliveries')
        .columns(['endpoint_id', 'ordering_key', 'event_seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .column('next_attempt_at')
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_by_endpoint')
        .on('webhook_deliveries')
        .columns(['endpoint_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('webhook_attempts')
        .addColumn('seq', schema.sequenceType, (c) =>
          schema.engine === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('event_seq', 'bigint', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_attempts_by_endpoint')
        .on('webhook_attempts')
        .columns(['endpoint_id', 'seq'])
        .execute();
    },
  };
}
