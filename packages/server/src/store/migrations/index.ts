import { sql, type Kysely, type Migration } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/**
 * Migrations for both engines. Column types are the ones both engines read the same way
 * (`bigint` is an INTEGER column on SQLite); where the SQL must differ, the engine is passed in.
 * Append new migrations; never edit one that has shipped.
 */
export function migrations(engine: Engine): Record<string, Migration> {
  // Ids are the keyset tiebreaker (D13): PostgreSQL compares them bytewise, as SQLite does,
  // whatever the database's collation, so both engines order a list the same way.
  const idType = engine === 'postgres' ? sql`text collate "C"` : 'text';
  return {
    '0001_foundation': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('projects')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('projects_order')
          .on('projects')
          .expression(sql`created_at desc, id desc`)
          .execute();

        await db.schema
          .createTable('api_tokens')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('api_tokens_order')
          .on('api_tokens')
          .expression(sql`project_id, created_at desc, id desc`)
          .execute();

        await db.schema
          .createTable('conferences')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text')
          .addColumn('description', 'text')
          .addColumn('join_from', 'bigint')
          .addColumn('join_until', 'bigint')
          .addColumn('quality', 'text', (c) => c.notNull())
          .addColumn('layout', 'text', (c) => c.notNull())
          .addColumn('size', 'text')
          .addColumn('record_on_start', 'integer', (c) => c.notNull())
          .addColumn('tone_on_entry_and_exit', 'integer', (c) => c.notNull())
          .addColumn('user_join_video_off', 'integer', (c) => c.notNull())
          .addColumn('room_join_video_off', 'integer', (c) => c.notNull())
          .addColumn('enable_chat', 'integer', (c) => c.notNull())
          .addColumn('enable_room_previews', 'integer')
          .addColumn('dark_primary', 'text')
          .addColumn('dark_background', 'text')
          .addColumn('dark_foreground', 'text')
          .addColumn('dark_success', 'text')
          .addColumn('dark_negative', 'text')
          .addColumn('light_primary', 'text')
          .addColumn('light_background', 'text')
          .addColumn('light_foreground', 'text')
          .addColumn('light_success', 'text')
          .addColumn('light_negative', 'text')
          .addColumn('meta', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('conferences_project_name', ['project_id', 'name'])
          .execute();
        // Keyset order (D13) with the filter columns carried in the index, so a filtered walk
        // rejects rows without visiting the table.
        await db.schema
          .createIndex('conferences_order')
          .on('conferences')
          .expression(
            engine === 'postgres'
              ? sql`project_id, created_at desc, id desc) include (join_from, join_until`
              : sql`project_id, created_at desc, id desc, join_from, join_until`,
          )
          .execute();

        await db.schema
          .createTable('conference_tokens')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('conference_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('token', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('conference_tokens_order')
          .on('conference_tokens')
          .expression(sql`conference_id, created_at desc, id desc`)
          .execute();

        await db.schema
          .createTable('room_sessions')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('conference_id', 'text')
          .addColumn('room_id', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('layout', 'text')
          .addColumn('quality', 'text')
          .addColumn('fps', 'integer')
          .addColumn('max_members', 'integer')
          .addColumn('join_from', 'bigint')
          .addColumn('join_until', 'bigint')
          .addColumn('remove_at', 'bigint')
          .addColumn('remove_after_seconds_elapsed', 'integer')
          .addColumn('record_on_start', 'integer', (c) => c.notNull())
          .addColumn('enable_room_previews', 'integer', (c) => c.notNull())
          .addColumn('audio_video_sync', 'integer', (c) => c.notNull())
          .addColumn('start_time', 'bigint', (c) => c.notNull())
          .addColumn('end_time', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('room_sessions_active_conference')
          .on('room_sessions')
          .columns(['conference_id'])
          .where(sql.ref('status'), '=', 'in-progress')
          .execute();
        await db.schema
          .createIndex('room_sessions_order')
          .on('room_sessions')
          .expression(sql`project_id, created_at desc, id desc`)
          .execute();
      },
    },
    '0002_rooms_streams': {
      async up(db: Kysely<unknown>) {
        // Rooms (issue 5). A conference's backing room is not a row here: its id is the
        // conference id (docs/decisions.md, Rooms).
        await db.schema
          .createTable('rooms')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text')
          .addColumn('description', 'text')
          .addColumn('max_members', 'integer', (c) => c.notNull())
          .addColumn('quality', 'text', (c) => c.notNull())
          .addColumn('fps', 'integer', (c) => c.notNull())
          .addColumn('join_from', 'bigint')
          .addColumn('join_until', 'bigint')
          .addColumn('remove_at', 'bigint')
          .addColumn('remove_after_seconds_elapsed', 'integer')
          .addColumn('layout', 'text', (c) => c.notNull())
          .addColumn('record_on_start', 'integer', (c) => c.notNull())
          .addColumn('tone_on_entry_and_exit', 'integer', (c) => c.notNull())
          .addColumn('room_join_video_off', 'integer', (c) => c.notNull())
          .addColumn('user_join_video_off', 'integer', (c) => c.notNull())
          .addColumn('enable_room_previews', 'integer')
          .addColumn('sync_audio_video', 'integer')
          .addColumn('meta', 'text')
          .addColumn('prioritize_handraise', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('rooms_project_name', ['project_id', 'name'])
          .execute();
        await db.schema
          .createIndex('rooms_order')
          .on('rooms')
          .expression(
            engine === 'postgres'
              ? sql`project_id, created_at desc, id desc) include (join_from, join_until`
              : sql`project_id, created_at desc, id desc, join_from, join_until`,
          )
          .execute();
        await db.schema
          .createIndex('room_sessions_active_room')
          .on('room_sessions')
          .columns(['room_id'])
          .where(sql.ref('status'), '=', 'in-progress')
          .execute();

        // Streams of a room or a conference: `room_id` is the room's id or the conference's
        // (its backing room). Configuration only; width/height/fps stay null until media is sent.
        await db.schema
          .createTable('streams')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('room_id', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('stream_type', 'text', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('fps', 'integer')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('streams_order')
          .on('streams')
          .expression(sql`project_id, room_id, created_at desc, id desc`)
          .execute();

        // Room-token signing keys: one current key per project (retired_at null), retired keys
        // kept for a grace period. The secret never leaves the server.
        await db.schema
          .createTable('room_token_keys')
          .addColumn('kid', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('retired_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('room_token_keys_current')
          .on('room_token_keys')
          .column('project_id')
          .unique()
          .where(sql.ref('retired_at'), 'is', null)
          .execute();
      },
    },
    '0003_sessions_recordings_logs': {
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
        await db.schema
          .createIndex('room_sessions_by_room')
          .on('room_sessions')
          .expression(sql`project_id, room_id, created_at desc, id desc`)
          .execute();

        // Members of a session (times in Unix ms).
        await db.schema
          .createTable('room_session_members')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('room_session_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('join_time', 'bigint', (c) => c.notNull())
          .addColumn('leave_time', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('room_session_members_order')
          .on('room_session_members')
          .expression(sql`project_id, room_session_id, created_at desc, id desc`)
          .execute();

        // Events of a session, some about one recording or one member; payload is JSON text.
        await db.schema
          .createTable('room_session_events')
          .addColumn('id', idType, (c) => c.primaryKey())
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
        await db.schema
          .createIndex('room_session_events_order')
          .on('room_session_events')
          .expression(sql`project_id, room_session_id, created_at desc, id desc`)
          .execute();
        await db.schema
          .createIndex('room_session_events_by_recording')
          .on('room_session_events')
          .expression(sql`project_id, room_recording_id, created_at desc, id desc`)
          .execute();

        // Recording metadata; the file lives behind MediaStorage under `storage_key`.
        await db.schema
          .createTable('room_recordings')
          .addColumn('id', idType, (c) => c.primaryKey())
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
        await db.schema
          .createIndex('room_recordings_order')
          .on('room_recordings')
          .expression(sql`project_id, created_at desc, id desc`)
          .execute();
        await db.schema
          .createIndex('room_recordings_by_session')
          .on('room_recordings')
          .expression(sql`project_id, room_session_id, created_at desc, id desc`)
          .execute();

        // One video log per session; `discarded_at` is set when its room or conference is deleted.
        await db.schema
          .createTable('video_logs')
          .addColumn('id', idType, (c) => c.primaryKey())
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
        await db.schema
          .createIndex('video_logs_order')
          .on('video_logs')
          .expression(sql`project_id, created_at desc, id desc`)
          .execute();

        // Per-project HMAC-SHA256 keys that sign media links; never in an API response.
        await db.schema
          .createTable('media_keys')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull().unique())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0004_live_sessions': {
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
          .where(
            sql<boolean>`status = 'in-progress' and node_id is not null and room_id is not null`,
          )
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
    },
  };
}
