import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

export function roomsStreams(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Rooms. A conference's backing room is not a row here: its id is the
      // conference id (docs/decisions.md, Rooms).
      await db.schema
        .createTable('rooms')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
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
      await schema.orderIndex(db, 'rooms_order', 'rooms', 'project_id, created_at desc, id desc', [
        'join_from',
        'join_until',
      ]);
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
        .addColumn('id', schema.idType, (c) => c.primaryKey())
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
      await schema.orderIndex(
        db,
        'streams_order',
        'streams',
        'project_id, room_id, created_at desc, id desc',
      );

      // Room-token signing keys: one current key per project (retired_at null), retired keys
      // kept for a grace period. The secret never leaves the server.
      await db.schema
        .createTable('room_token_keys')
        .addColumn('kid', schema.idType, (c) => c.primaryKey())
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
  };
}
