import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFERENCE_TOKEN_TEMPLATES } from '@conclave/schema';
import SQLite from 'better-sqlite3';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { DataGenerator, valuesOf, type ConferenceRow } from './data.js';

/** What the scenarios need to know about the seeded data. */
export interface SeedInfo {
  rows: number;
  tokens: number;
  seconds: number;
  /** Ids spread evenly over the whole table, for get-by-id. */
  sampleIds: string[];
  /** Rows the filter window keeps. */
  filterMatches: number;
}

interface SeedInput {
  gen: DataGenerator;
  tokens: boolean;
  label: string;
  window: { startsAfter: number; endsBefore: number };
}

/** Opens the store with the server's own migrations (from its dist), then closes it. */
export async function migrateWithServer(serverDir: string, databaseUrl: string): Promise<void> {
  const mod = (await import(
    pathToFileURL(join(serverDir, 'dist', 'store', 'open-store.js')).href
  )) as typeof import('../../src/store/open-store.js');
  const store = await mod.openStore({ databaseUrl });
  await store.close();
}

function progressBar(label: string, what: string, total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(10)} ${what.padEnd(11)} [{bar}] {percentage}% | {value}/{total} | {speed}/s | ETA {eta_formatted}`,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { speed: '0' });
  return bar;
}

function advance(bar: cliProgress.SingleBar, done: number, started: number): void {
  const perSecond = done / ((performance.now() - started) / 1000);
  bar.update(done, { speed: Math.round(perSecond).toLocaleString('en-US') });
}

/** The server's own `conferenceWire` (from its dist): the wire JSON stored with each row. */
async function serverWire(serverDir: string): Promise<(row: ConferenceRow) => string> {
  const mod = (await import(
    pathToFileURL(join(serverDir, 'dist', 'routes', 'video', 'conferences', 'conference-rows.js'))
      .href
  )) as typeof import('../../src/routes/video/conferences/conference-rows.js');
  return (row) => mod.conferenceWire(row as never);
}

/** Generates the next `count` conferences, noting sample ids and filter hits. */
function chunk(
  input: SeedInput & { wire: (row: ConferenceRow) => string },
  count: number,
  stats: { sampleIds: string[]; filterMatches: number; sampleEvery: number },
): ConferenceRow[] {
  const { gen, window } = input;
  const confs: ConferenceRow[] = [];
  for (let k = 0; k < count && !gen.done; k++) {
    const i = gen.index;
    const row = gen.next();
    row.wire = input.wire(row);
    confs.push(row);
    if (i % stats.sampleEvery === 0) stats.sampleIds.push(row.id as string);
    const jf = row.join_from as number | null;
    const ju = row.join_until as number | null;
    if (jf !== null && ju !== null && jf >= window.startsAfter && ju <= window.endsBefore) {
      stats.filterMatches++;
    }
  }
  return confs;
}

function newStats(n: number) {
  return {
    sampleIds: [] as string[],
    filterMatches: 0,
    sampleEvery: Math.max(1, Math.floor(n / 1000)),
  };
}

/** The generator's columns; the seeders refuse a schema with a NOT NULL column it does not fill. */
const GENERATED = new Set([...Object.keys(new DataGenerator('x', 1, 0).next()), 'wire']);

/** D18: the two tokens each conference gets, as (name, scopes JSON, created_at offset). */
const TOKEN_TEMPLATES = CONFERENCE_TOKEN_TEMPLATES.map((t, k) => ({
  name: t.name,
  scopes: JSON.stringify(t.scopes),
  // As the server does: listed newest first, so Moderator (created_at + 1) sorts before Guest.
  offset: CONFERENCE_TOKEN_TEMPLATES.length - 1 - k,
}));

// ---- SQLite ----------------------------------------------------------------------------------

function sqliteColumns(db: SQLite.Database, table: string, known: ReadonlySet<string>): string[] {
  const info = db.pragma(`table_info(${table})`) as {
    name: string;
    notnull: number;
    dflt_value: unknown;
  }[];
  for (const c of info) {
    if (c.notnull && c.dflt_value === null && !known.has(c.name)) {
      throw new Error(`bench data generator does not fill ${table}.${c.name} (NOT NULL)`);
    }
  }
  return info.map((c) => c.name);
}

/** A random version-4 UUID, in SQLite SQL. */
const SQLITE_UUID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
  substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||
  substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;

/**
 * Bulk-loads the SQLite file the server has migrated.
 * - Conferences: one prepared INSERT per row (better-sqlite3 binds and steps that faster than a
 *   multi-row VALUES list or json_each — measured), 20,000 rows per transaction.
 * - Tokens: `INSERT … SELECT` from the conferences, in SQL (random ids and values), so 2 × N
 *   rows of ~1 KB never cross into JavaScript.
 * - An in-memory rollback journal (the file is thrown away if seeding fails; better-sqlite3's
 *   defensive mode refuses journal_mode = OFF), no syncs, a 1 GiB page cache.
 * - The plain indexes (not the PRIMARY KEY / UNIQUE ones) are dropped first and re-created after
 *   from their exact `CREATE INDEX` text in sqlite_master: the schema ends up exactly what the
 *   migrations made, and each index is built by one sort instead of N random B-tree inserts.
 * The file is left in WAL mode, as the server opens it.
 */
export async function seedSqlite(
  file: string,
  serverDir: string,
  seedInput: SeedInput,
): Promise<SeedInfo> {
  await migrateWithServer(serverDir, file);
  const input = { ...seedInput, wire: await serverWire(serverDir) };
  const started = performance.now();
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');

    const confCols = sqliteColumns(db, 'conferences', GENERATED);
    const plainIndexes = db
      .prepare(
        `select name, sql from sqlite_master where type = 'index' and sql is not null
         and tbl_name in ('conferences', 'conference_tokens')`,
      )
      .all() as { name: string; sql: string }[];
    for (const index of plainIndexes) db.exec(`drop index "${index.name}"`);

    const insert = db.prepare(
      `insert into conferences (${confCols.join(',')}) values (${confCols.map(() => '?').join(',')})`,
    );
    const insertChunk = db.transaction((rows: ConferenceRow[]) => {
      for (const row of rows) insert.run(valuesOf(row, confCols));
    });
    const stats = newStats(input.gen.n);
    let bar = progressBar(input.label, 'conferences', input.gen.n);
    try {
      while (!input.gen.done) {
        insertChunk(chunk(input, 20_000, stats));
        advance(bar, input.gen.index, started);
      }
    } finally {
      bar.stop();
    }

    let tokens = 0;
    if (input.tokens) {
      const tokensStarted = performance.now();
      const insertTokens = db.prepare(
        `insert into conference_tokens (id, project_id, conference_id, name, token, scopes, created_at)
         select ${SQLITE_UUID}, project_id, id, ?, 'vpt_' || lower(hex(randomblob(16))), ?, created_at + ?
         from conferences where rowid between ? and ?`,
      );
      const maxRowid = (
        db.prepare('select max(rowid) as m from conferences').get() as { m: number }
      ).m;
      bar = progressBar(input.label, 'tokens', input.gen.n * TOKEN_TEMPLATES.length);
      try {
        const STEP = 50_000;
        for (let lo = 1; lo <= maxRowid; lo += STEP) {
          db.transaction(() => {
            for (const t of TOKEN_TEMPLATES) {
              tokens += insertTokens.run(t.name, t.scopes, t.offset, lo, lo + STEP - 1).changes;
            }
          })();
          advance(bar, tokens, tokensStarted);
        }
      } finally {
        bar.stop();
      }
    }
    process.stderr.write(`  building ${plainIndexes.map((i) => i.name).join(', ')} …\n`);
    for (const index of plainIndexes) db.exec(index.sql);
    db.pragma('locking_mode = NORMAL');
    db.pragma('journal_mode = WAL');
    return {
      rows: input.gen.n,
      tokens,
      seconds: (performance.now() - started) / 1000,
      sampleIds: stats.sampleIds,
      filterMatches: stats.filterMatches,
    };
  } finally {
    db.close();
  }
}

// ---- PostgreSQL ------------------------------------------------------------------------------

export interface PostgresTarget {
  /** The URL the servers and the seeder use. */
  url: string;
  /** Database name when a fresh database was created (its backends are then identifiable). */
  database: string | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh place for the run: a new database when the role may create one, otherwise a new schema
 * (selected through the connection's `search_path`).
 */
export async function createPostgresTarget(baseUrl: string): Promise<PostgresTarget> {
  const name = `conclave_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      database: name,
      drop: () => run(`drop database if exists ${name} with (force)`),
    };
  } catch {
    await admin.query(`create schema ${name}`);
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${name}`);
    return {
      url: url.toString(),
      database: undefined,
      drop: () => run(`drop schema if exists ${name} cascade`),
    };
  } finally {
    await admin.end();
  }
}

async function postgresColumns(
  client: pg.Client,
  table: string,
  known: ReadonlySet<string>,
): Promise<{ name: string; type: string }[]> {
  const { rows } = await client.query<{
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
  }>(
    `select column_name, data_type, is_nullable, column_default from information_schema.columns
     where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
    [table],
  );
  if (rows.length === 0) throw new Error(`table ${table} not found after migration`);
  for (const c of rows) {
    if (c.is_nullable === 'NO' && c.column_default === null && !known.has(c.column_name)) {
      throw new Error(`bench data generator does not fill ${table}.${c.column_name} (NOT NULL)`);
    }
  }
  return rows.map((c) => ({ name: c.column_name, type: c.data_type }));
}

/**
 * Bulk-loads PostgreSQL the same way: conferences by `INSERT … SELECT * FROM unnest($1::text[], …)`
 * of 5,000 rows, tokens by `INSERT … SELECT` from the conferences in SQL, `synchronous_commit =
 * off` for the loading session only, plain indexes dropped and re-created from their exact
 * `pg_indexes.indexdef`. Then VACUUM ANALYZE, as autovacuum would do on its own soon after, so
 * index-only scans see an all-visible heap and the planner has statistics.
 */
export async function seedPostgres(
  url: string,
  serverDir: string,
  seedInput: SeedInput,
): Promise<SeedInfo> {
  await migrateWithServer(serverDir, url);
  const input = { ...seedInput, wire: await serverWire(serverDir) };
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('set synchronous_commit = off');
    await client.query(`set maintenance_work_mem = '256MB'`);
    const confCols = await postgresColumns(client, 'conferences', GENERATED);
    const { rows: plainIndexes } = await client.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes
       where schemaname = current_schema() and tablename in ('conferences', 'conference_tokens')
       and indexname not in (select conname from pg_constraint
                             where connamespace = current_schema()::regnamespace)`,
    );
    for (const index of plainIndexes) await client.query(`drop index "${index.indexname}"`);

    const confSql = `insert into conferences (${confCols.map((c) => c.name).join(',')})
      select * from unnest(${confCols.map((c, k) => `$${k + 1}::${c.type}[]`).join(',')})`;
    const stats = newStats(input.gen.n);
    let bar = progressBar(input.label, 'conferences', input.gen.n);
    try {
      while (!input.gen.done) {
        const rows = chunk(input, 5000, stats);
        await client.query(
          confSql,
          confCols.map((c) => rows.map((r) => r[c.name] ?? null)),
        );
        advance(bar, input.gen.index, started);
      }
    } finally {
      bar.stop();
    }

    let tokens = 0;
    if (input.tokens) {
      const tokensStarted = performance.now();
      bar = progressBar(input.label, 'tokens', input.gen.n * TOKEN_TEMPLATES.length);
      const { rows: range } = await client.query<{ lo: string; hi: string }>(
        'select min(created_at) as lo, max(created_at) as hi from conferences',
      );
      const lo = Number(range[0]!.lo);
      const hi = Number(range[0]!.hi) + 1;
      const slices = 20;
      try {
        for (let s = 0; s < slices; s++) {
          const from = lo + Math.floor(((hi - lo) * s) / slices);
          const to = lo + Math.floor(((hi - lo) * (s + 1)) / slices);
          for (const t of TOKEN_TEMPLATES) {
            const r = await client.query(
              `insert into conference_tokens (id, project_id, conference_id, name, token, scopes, created_at)
               select gen_random_uuid()::text, project_id, id, $1,
                      'vpt_' || md5(id || $1 || random()::text), $2, created_at + $3
               from conferences where created_at >= $4 and created_at < $5`,
              [t.name, t.scopes, t.offset, from, to],
            );
            tokens += r.rowCount ?? 0;
          }
          advance(bar, tokens, tokensStarted);
        }
      } finally {
        bar.stop();
      }
    }
    process.stderr.write(`  building ${plainIndexes.map((i) => i.indexname).join(', ')} …\n`);
    for (const index of plainIndexes) await client.query(index.indexdef);
    process.stderr.write('  vacuum analyze …\n');
    await client.query('vacuum analyze conferences');
    await client.query('vacuum analyze conference_tokens');
    return {
      rows: input.gen.n,
      tokens,
      seconds: (performance.now() - started) / 1000,
      sampleIds: stats.sampleIds,
      filterMatches: stats.filterMatches,
    };
  } finally {
    await client.end();
  }
}
