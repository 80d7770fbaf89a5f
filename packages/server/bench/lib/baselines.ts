import SQLite from 'better-sqlite3';

export interface LoopResult {
  opsPerSec: number;
  /** Operations per CPU-second of this process (robust to other load on the machine). */
  opsPerCpuSec: number;
  sql: string;
  /** Bytes of one serialised page. */
  bytes: number;
}

/**
 * Baseline (b): the first page read the way a store that keeps each conference's wire JSON would
 * read it at best, in a tight loop in this process with nothing around it: one statement prepared
 * once with better-sqlite3 (on a connection with the server's pragmas) reads the 50 rows by keyset
 * — `id`, `created_at` and the stored wire JSON, from the same conferences table and index the
 * server uses — and the page is `JSON.stringify`d.
 */
export async function inProcessLoop(options: {
  file: string;
  serverDir: string;
  projectId: string;
  pageSize: number;
  seconds: number;
  warmup: number;
}): Promise<LoopResult> {
  const database = new SQLite(options.file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('cache_size = -65536');
  database.pragma('temp_store = MEMORY');
  try {
    const sql =
      'select id, created_at, wire from conferences where project_id = ? ' +
      'order by created_at desc, id desc limit ?';
    const stmt = database.prepare(sql);
    const once = () => {
      const page = stmt.all(options.projectId, options.pageSize + 1) as unknown[];
      if (page.length > options.pageSize) page.length = options.pageSize;
      return JSON.stringify(page);
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
    return { opsPerSec: r.perSec, opsPerCpuSec: r.perCpuSec, sql, bytes };
  } finally {
    database.close();
  }
}
