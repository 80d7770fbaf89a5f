import type { Kysely, Migration } from 'kysely';
import type { SchemaKit } from './schema-kit.js';

/** Deleting a project finds its conference tokens by `project_id` instead of reading them all. */
export function conferenceTokensByProject(_schema: SchemaKit): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('conference_tokens_by_project')
        .on('conference_tokens')
        .column('project_id')
        .execute();
    },
  };
}
