import { InvalidArgumentError, type Command } from 'commander';
import { withExamples } from '../command-support.js';
import { runExport } from './export.js';
import { runImport } from './import.js';

interface TransferFlags {
  database?: string;
  project?: string;
  file?: string;
  resumeFrom?: number;
}

function lineNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a line number ≥ 0');
  return Number(value);
}

const DIRECT =
  '\nThese two commands open the database itself (DATABASE_URL or --database), not a server: they\n' +
  'move a whole Conclave database between SQLite and PostgreSQL. Stop writes first for a\n' +
  'consistent copy. The file holds secrets (conference token values, signing keys): keep it safe.\n';

/**
 * `conclave export` / `conclave import`: move a database between engines. The one place the CLI
 * talks to a database instead of the API, because moving a database is not an API operation.
 */
export function databaseCommands(program: Command): void {
  const exportCommand = program
    .command('export')
    .description('write a whole database (or one project) as JSON Lines, for `conclave import`')
    .option('--database <url>', 'SQLite file or postgres://… to read (DATABASE_URL)')
    .option('--file <path>', 'where to write (default: stdout)')
    .addHelpText('after', DIRECT)
    .action(async (_flags: TransferFlags, command: Command) => {
      const flags = command.optsWithGlobals<TransferFlags>();
      process.exitCode = await runExport({
        database: flags.database,
        project: flags.project,
        file: flags.file,
      });
    });
  withExamples(exportCommand, [
    'conclave export --database ./data/conclave.sqlite --file conclave.jsonl',
    'conclave export --database ./data/conclave.sqlite --project 7f0c… > acme.jsonl',
  ]);

  const importCommand = program
    .command('import')
    .description('load a `conclave export` file into a database of either engine')
    .option('--database <url>', 'SQLite file or postgres://… to load into (DATABASE_URL)')
    .option('--file <path>', 'the export to load (default: stdin)')
    .option('--resume-from <line>', 'continue an interrupted import from this line', lineNumber)
    .addHelpText('after', DIRECT)
    .action(async (_flags: TransferFlags, command: Command) => {
      const flags = command.optsWithGlobals<TransferFlags>();
      process.exitCode = await runImport({
        database: flags.database,
        project: flags.project,
        file: flags.file,
        resumeFrom: flags.resumeFrom,
      });
    });
  withExamples(importCommand, [
    'conclave import --database postgres://conclave@db/conclave --file conclave.jsonl',
    'conclave export --database ./data/conclave.sqlite | conclave import --database postgres://…',
  ]);
}
