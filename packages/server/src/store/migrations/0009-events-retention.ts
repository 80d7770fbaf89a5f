import type { Kysely, Migration } from 'kysely';

/**
 * The retention sweep's indexes (docs/webhooks.md, "What is kept"): events by age, and the
 * deliveries and attempts of an event, so that each round of the sweep reads only what it deletes.
 */
export function eventsRetention(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('events_by_time').on('events').column('created_at').execute();
      await db.schema
        .createIndex('webhook_deliveries_by_event')
        .on('webhook_deliveries')
        .column('event_seq')
        .execute();
      await db.schema
        .createIndex('webhook_attempts_by_event')
        .on('webhook_attempts')
        .column('event_seq')
        .execute();
    },
  };
}
