import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

export function sessionsRecordingsLogs(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Session fields the wire shape carries that 0001 did not store.
      for (const [column, fallback] of [
        ['locked', 0],
        ['tone_on_entry_and_exit', 1],
        ['room_join_video_off', 0],
        ['user_join_video_off', 0],
        ['prioritize_handraise', 0],
        ['updated_at', 0],
      ] as const) {
        await db.schema
          .alterTable('room_sessions')
          .addColumn(column, column === 'updated_at' ? 'bigint' : 'integer', (c) =>
            c.notNull().defaultTo(fallback),
          )
          .execute();
      }
      await sql`update room_sessions set updated_at = created_at`.execute(db);
      await schema.orderIndex(
        db,
        'room_sessions_by_room',
        'room_sessions',
        'project_id, room_id, created_at desc, id desc',
      );

      // Members of a session (times in Unix ms).
      await db.schema
        .createTable('room_session_members')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('room_session_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('join_time', 'bigint', (c) => c.notNull())
        .addColumn('leave_time', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'room_session_members_order',
        'room_session_members',
        'project_id, room_session_id, created_at desc, id desc',
      );

      // Events of a session, some about one recording or one member; payload is JSON text.
      await db.schema
        .createTable('room_session_events')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('room_session_id', 'text', (c) => c.notNull())
        .addColumn('room_recording_id', 'text')
        .addColumn('room_participant_id', 'text')
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'room_session_events_order',
        'room_session_events',
        'project_id, room_session_id, created_at desc, id desc',
      );
      await schema.orderIndex(
        db,
        'room_session_events_by_recording',
        'room_session_events',
        'project_id, room_recording_id, created_at desc, id desc',
      );

      // Recording metadata; the file lives behind MediaStorage under `storage_key`.
      await db.schema
        .createTable('room_recordings')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('room_session_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('size_in_bytes', 'bigint')
        .addColumn('format', 'text')
        .addColumn('storage_key', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'room_recordings_order',
        'room_recordings',
        'project_id, created_at desc, id desc',
      );
      await schema.orderIndex(
        db,
        'room_recordings_by_session',
        'room_recordings',
        'project_id, room_session_id, created_at desc, id desc',
      );

      // One video log per session; `discarded_at` is set when its room or conference is deleted.
      await db.schema
        .createTable('video_logs')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('room_session_id', 'text', (c) => c.notNull().unique())
        .addColumn('conference_id', 'text')
        .addColumn('room_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('room_name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('discarded_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'video_logs_order',
        'video_logs',
        'project_id, created_at desc, id desc',
      );

      // Per-project HMAC-SHA256 keys that sign media links; never in an API response.
      await db.schema
        .createTable('media_keys')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().unique())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
