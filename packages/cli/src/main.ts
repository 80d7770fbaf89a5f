import { ApiError, ConclaveError } from '@conclave/sdk';
import { CommanderError } from 'commander';
import { describeFailure, ReportedFailure, UsageError } from './errors.js';
import { buildProgram } from './program.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Runs one `conclave` invocation and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    // Commands that report their own outcome (export, import) leave it in process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help or version) already.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`conclave: ${error.message}\n(add --help for usage)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ReportedFailure) return EXIT_FAILED;
    const lines = describeFailure(error);
    process.stderr.write(`conclave: ${lines.join('\n')}\n`);
    if (!(error instanceof ApiError || error instanceof ConclaveError) && process.env.DEBUG) {
      process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    }
    return EXIT_FAILED;
  }
}
