import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

/**
 * The event stream's position (docs/webhooks.md, "The event stream"): `events.position` is the
 * event's public id, given by the one dispatcher in the order events commit (`seq` is taken at
 * insert, and on PostgreSQL two transactions may commit out of `seq` order). It is null until the
 * dispatcher has seen the event. `event_stream_head` holds the last position given (one row,
 * `events`), so positions never repeat even when the retention sweep has deleted the newest
 * events. The events already stored keep their id: their position is their `seq`, and the head
 * starts after the highest.
 */
export function eventPositions(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('events').addColumn('position', 'bigint').execute();
      await sql`update "events" set "position" = "seq"`.execute(db);
      await db.schema
        .createIndex('events_by_position')
        .unique()
        .on('events')
        .columns(['project_id', 'position'])
        .execute();
      await db.schema
        .createTable('event_stream_head')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into "event_stream_head" ("id", "position") select 'events', coalesce(max("seq"), 0) from "events"`.execute(
        db,
      );
    },
  };
}
