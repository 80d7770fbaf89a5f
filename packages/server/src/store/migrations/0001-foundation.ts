import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

export function foundation(schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(db, 'projects_order', 'projects', 'created_at desc, id desc');

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'api_tokens_order',
        'api_tokens',
        'project_id, created_at desc, id desc',
      );

      await db.schema
        .createTable('conferences')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
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
      await schema.orderIndex(
        db,
        'conferences_order',
        'conferences',
        'project_id, created_at desc, id desc',
        ['join_from', 'join_until'],
      );

      await db.schema
        .createTable('conference_tokens')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('token', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await schema.orderIndex(
        db,
        'conference_tokens_order',
        'conference_tokens',
        'conference_id, created_at desc, id desc',
      );

      await db.schema
        .createTable('room_sessions')
        .addColumn('id', schema.idType, (c) => c.primaryKey())
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
      await schema.orderIndex(
        db,
        'room_sessions_order',
        'room_sessions',
        'project_id, created_at desc, id desc',
      );
    },
  };
}
