import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../src/store/database.js';

export interface LoopResult {
  opsPerSec: number;
  /** Operations per CPU-second of this process (robust to other load on the machine). */
  opsPerCpuSec: number;
  sql: string;
  /** Bytes of one serialised page. */
  bytes: number;
}

/**
 * Baseline (b): the first-page read the server does, done in a tight loop in this process, with
 * nothing around it — the SQL Kysely compiles for `listConferences` (same builder calls, same
 * dialect), run as one prepared better-sqlite3 statement on a connection with the server's
 * pragmas, the rows mapped by the server's own `rowToConference`, then `JSON.stringify`.
 */
export async function inProcessLoop(options: {
  file: string;
  serverDir: string;
  projectId: string;
  pageSize: number;
  seconds: number;
  warmup: number;
}): Promise<LoopResult> {
  const rows = (await import(
    pathToFileURL(
      join(options.serverDir, 'dist', 'routes', 'video', 'conferences', 'conference-rows.js'),
    ).href
  )) as typeof import('../../src/routes/video/conferences/conference-rows.js');
  const database = new SQLite(options.file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('cache_size = -65536');
  database.pragma('temp_store = MEMORY');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  try {
    const compiled = kysely
      .selectFrom('conferences')
      .selectAll()
      .where('project_id', '=', options.projectId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.pageSize + 1)
      .compile();
    const stmt = database.prepare(compiled.sql);
    const params = compiled.parameters as unknown[];
    const once = () => {
      const page = stmt.all(params) as Parameters<typeof rows.rowToConference>[0][];
      if (page.length > options.pageSize) page.length = options.pageSize;
      return JSON.stringify(page.map(rows.rowToConference));
    };
    const bytes = once().length;
    const run = (seconds: number) => {
      let ops = 0;
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      const end = started + seconds * 1000;
      let now = started;
      while (now < end) {
        for (let k = 0; k < 16; k++) once();
        ops += 16;
        now = performance.now();
      }
      const cpu = process.cpuUsage(cpu0);
      return {
        perSec: ops / ((now - started) / 1000),
        perCpuSec: ops / ((cpu.user + cpu.system) / 1e6),
      };
    };
    if (options.warmup > 0) run(options.warmup);
    const r = run(options.seconds);
    return { opsPerSec: r.perSec, opsPerCpuSec: r.perCpuSec, sql: compiled.sql, bytes };
  } finally {
    await kysely.destroy();
  }
}
