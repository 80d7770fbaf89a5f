import { sql, type Expression, type Kysely } from 'kysely';
import type { Engine } from './engine.js';

/**
 * The few places where the two engines' DDL differs, so each migration is written once for both.
 * Column types are the ones both engines read the same way (`bigint` is an INTEGER column on
 * SQLite).
 */
export interface SchemaKit {
  engine: Engine;
  /**
   * Ids are the keyset tiebreaker (D13): PostgreSQL compares them bytewise, as SQLite does,
   * whatever the database's collation, so both engines order a list the same way.
   */
  idType: 'text' | Expression<unknown>;
  /**
   * An ascending integer key the database assigns (with `autoIncrement` on SQLite, so a deleted
   * top value is never given again; an identity column on PostgreSQL).
   */
  sequenceType: 'integer' | 'bigint';
  /**
   * An index in list order (`key`, e.g. `project_id, created_at desc, id desc`). `carry` are
   * columns a filtered walk checks without visiting the table: INCLUDE columns on PostgreSQL,
   * trailing key columns on SQLite (which has no INCLUDE).
   */
  orderIndex(
    db: Kysely<unknown>,
    name: string,
    table: string,
    key: string,
    carry?: readonly string[],
  ): Promise<void>;
}

export function schemaKit(engine: Engine): SchemaKit {
  return {
    engine,
    idType: engine === 'postgres' ? sql`text collate "C"` : 'text',
    sequenceType: engine === 'postgres' ? 'bigint' : 'integer',
    async orderIndex(db, name, table, key, carry = []) {
      const columns =
        carry.length === 0
          ? key
          : engine === 'postgres'
            ? `${key}) include (${carry.join(', ')}`
            : `${key}, ${carry.join(', ')}`;
      await db.schema.createIndex(name).on(table).expression(sql.raw(columns)).execute();
    },
  };
}
