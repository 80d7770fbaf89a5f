import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import { message, seconds } from './export.js';

export interface ImportCommandOptions {
  /** The database to load into (DATABASE_URL; default ./data/conclave.sqlite, as the server's). */
  database?: string | undefined;
  /** Load only this project from the file, leaving its other projects out. */
  project?: string | undefined;
  /** The JSON Lines `conclave export` wrote; stdin when absent or `-`. */
  file?: string | undefined;
  /** Continue an interrupted import: the line number the failed run reported. */
  resumeFrom?: number | undefined;
}

/**
 * `conclave import`: loads a `conclave export` file into a database of either engine, migrating
 * it first. The file's projects must not be in it yet. Writes in batches, one transaction each,
 * and when interrupted says which `--resume-from` continues it; at the end it checks that the
 * database holds exactly the file's rows for each project. Import before starting Conclave on the
 * new database. Resolves to the exit code: 0 done, 1 failed, 2 usage error.
 */
export async function runImport(options: ImportCommandOptions): Promise<number> {
  if (
    options.resumeFrom !== undefined &&
    (!Number.isSafeInteger(options.resumeFrom) || options.resumeFrom < 0)
  ) {
    process.stderr.write('conclave import: --resume-from must be a line number ≥ 0\n');
    return 2;
  }
  const { importData, openStore } = await import('@conclave/server');
  const databaseUrl = options.database || process.env.DATABASE_URL || './data/conclave.sqlite';
  const fromStdin = options.file === undefined || options.file === '-';
  const started = Date.now();
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let committedLines = options.resumeFrom ?? 0;
  let interrupted = false;
  let onInterrupt: (() => void) | undefined;
  try {
    const input = fromStdin ? process.stdin : createReadStream(options.file!);
    const totalBytes = fromStdin ? 0 : statSync(options.file!).size;
    store = await openStore({ databaseUrl });
    let readBytes = 0;
    if (process.stderr.isTTY) {
      const mb = (n: number) => (n / 1e6).toFixed(0);
      bar = new cliProgress.SingleBar(
        {
          format: totalBytes
            ? 'importing |{bar}| {percentage}% | {read}/{size} MB | {rows} conferences | {eta_formatted}'
            : 'importing | {read} MB | {rows} conferences',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalBytes || 1, 0, { read: '0', size: mb(totalBytes), rows: 0 });
      input.on('data', (chunk: Buffer | string) => {
        readBytes += chunk.length;
        bar?.update(readBytes, { read: mb(readBytes) });
      });
    }
    const lines = createInterface({ input, crlfDelay: Infinity });
    // Ctrl-C stops reading; the batches already sent are let finish, so the resume point is exact.
    onInterrupt = () => {
      interrupted = true;
      lines.close();
      if ('destroy' in input) input.destroy();
    };
    process.once('SIGINT', onInterrupt);
    const result = await importData(store, lines, {
      resumeFrom: options.resumeFrom,
      projectId: options.project,
      onProgress: (p) => {
        committedLines = p.committedLines;
        bar?.update(readBytes, { rows: p.imported.conferences });
      },
    });
    bar?.stop();
    const c = result.counts;
    process.stderr.write(
      `Imported ${c.projects} project(s), ${c.api_tokens} API tokens, ${c.conferences} ` +
        `conferences, ${c.conference_tokens} conference tokens and ${c.room_sessions} room ` +
        `sessions in ${seconds(started)}; the database holds exactly these rows.\n`,
    );
    return 0;
  } catch (error) {
    bar?.stop();
    process.stderr.write(
      `conclave import: ${interrupted ? `interrupted; lines up to ${committedLines} are in the database` : message(error)}\n`,
    );
    if (committedLines > 0 && !fromStdin) {
      process.stderr.write(
        `To continue: conclave import --file ${shellQuote(options.file!)} ` +
          `--resume-from ${committedLines}` +
          `${options.database ? ` --database ${shellQuote(options.database)}` : ''}\n`,
      );
    }
    return interrupted ? 130 : 1;
  } finally {
    if (onInterrupt) process.off('SIGINT', onInterrupt);
    await store?.close();
  }
}

/** A word the shell reads back as `text`. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
