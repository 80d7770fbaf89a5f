import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';

export interface ExportCommandOptions {
  /** The database to read (DATABASE_URL; default ./data/conclave.sqlite, as the server's). */
  database?: string | undefined;
  /** Export this project only; by default every project. */
  project?: string | undefined;
  /** Where to write the JSON Lines; stdout when absent or `-`. */
  file?: string | undefined;
}

/**
 * `conclave export`: writes a database's data (or one project's) as JSON Lines, for `conclave
 * import` to load into another database, of either engine. Talks to the database itself, not to
 * a server: stop writes to it (or the servers) first for a consistent copy. A progress bar on
 * stderr when it is a terminal. Resolves to the exit code: 0 done, 1 failed.
 */
export async function runExport(options: ExportCommandOptions): Promise<number> {
  // Loaded here so that client commands never load the server or its database drivers.
  const { exportData, openStore } = await import('@conclave/server');
  const databaseUrl = options.database || process.env.DATABASE_URL || './data/conclave.sqlite';
  const toStdout = options.file === undefined || options.file === '-';
  const started = Date.now();
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  let bar: cliProgress.SingleBar | undefined;
  try {
    store = await openStore({ databaseUrl });
    const total = await store.countRows('conferences', options.project);
    if (process.stderr.isTTY) {
      bar = new cliProgress.SingleBar(
        {
          format: 'exporting |{bar}| {percentage}% | {value}/{total} conferences | {eta_formatted}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    let counts = { projects: 0, conferences: 0, conference_tokens: 0, room_sessions: 0 };
    const lines = exportData(store, {
      projectId: options.project,
      onProgress: (c) => {
        counts = c;
        bar?.update(c.conferences);
      },
    });
    await pipeline(
      Readable.from(lines),
      toStdout ? process.stdout : createWriteStream(options.file!),
    );
    bar?.stop();
    process.stderr.write(
      `Exported ${counts.projects} project(s), ${counts.conferences} conferences, ` +
        `${counts.conference_tokens} conference tokens and ${counts.room_sessions} room sessions ` +
        `${toStdout ? '' : `to ${options.file} `}in ${seconds(started)}.\n`,
    );
    return 0;
  } catch (error) {
    bar?.stop();
    process.stderr.write(`conclave export: ${message(error)}\n`);
    if (!toStdout) {
      process.stderr.write(
        `${options.file} is incomplete (it has no "end" line); do not import it.\n`,
      );
    }
    return 1;
  } finally {
    await store?.close();
  }
}

export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
