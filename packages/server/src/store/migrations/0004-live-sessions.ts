import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

export function liveSessions(_schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Which process hosts a live session and until when its lease runs (Unix ms): a session
      // whose host stopped renewing is ended by whichever process notices (docs/decisions.md).
      await db.schema.alterTable('room_sessions').addColumn('node_id', 'text').execute();
      await db.schema.alterTable('room_sessions').addColumn('lease_until', 'bigint').execute();
      await db.schema
        .createIndex('room_sessions_live')
        .on('room_sessions')
        .columns(['status', 'lease_until'])
        .execute();
      // At most one live (engine-hosted) session per conference or room, and per name for
      // auto-created sessions: two processes cannot both open one.
      await db.schema
        .createIndex('room_sessions_one_live_per_room')
        .on('room_sessions')
        .columns(['project_id', 'room_id'])
        .unique()
        .where(sql<boolean>`status = 'in-progress' and node_id is not null and room_id is not null`)
        .execute();
      await db.schema
        .createIndex('room_sessions_one_live_per_name')
        .on('room_sessions')
        .columns(['project_id', 'name'])
        .unique()
        .where(sql<boolean>`status = 'in-progress' and node_id is not null and room_id is null`)
        .execute();
      // A conference token is looked up by its value when someone joins (unique already);
      // members still present in a session, for active-session member counts.
      await db.schema
        .createIndex('room_session_members_present')
        .on('room_session_members')
        .columns(['room_session_id', 'leave_time'])
        .execute();
    },
  };
}
