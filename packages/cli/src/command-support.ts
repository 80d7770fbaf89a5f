import type { AdminClient, PagePromise, RestClient } from '@conclave/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { adminClient, resolveSettings, restClient, type GlobalFlags } from './config/settings.js';
import { UsageError } from './errors.js';
import { outputMode, printList, type OutputFlags } from './output/list-output.js';
import { note } from './output/stdout.js';
import type { Column } from './output/table.js';

/** The Video API client for this invocation's flags, environment and profile. */
export function restClientFor(command: Command): RestClient {
  return restClient(resolveSettings(command.optsWithGlobals<GlobalFlags>(), process.env));
}

/** The admin API client for this invocation's flags, environment and profile. */
export function adminClientFor(command: Command): AdminClient {
  return adminClient(resolveSettings(command.optsWithGlobals<GlobalFlags>(), process.env));
}

/** Adds an "Examples:" section to a command's `--help`. */
export function withExamples(command: Command, examples: string[]): Command {
  return command.addHelpText(
    'after',
    `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`,
  );
}

export function positiveInteger(max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    }
    return n;
  };
}

export function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Number(text);
}

export interface PagingFlags extends OutputFlags {
  pageSize?: number;
  pageToken?: string;
  all?: boolean;
}

/** `--page-size`, `--page-token`, `--all`, `--json`, `--jsonl`. */
export function addPagingOptions(command: Command): Command {
  return command
    .option('--page-size <n>', 'items per page, 1 to 1000 (default 50)', positiveInteger(1000))
    .option('--page-token <token>', 'start at this page (from a previous run)')
    .option('--all', 'follow links.next and print every page')
    .option('--json', 'print a JSON array instead of a table')
    .option('--jsonl', 'print one JSON object per line (streams with --all)');
}

/** The paging query of a list command's flags. */
export function pageQuery(flags: PagingFlags): { page_size?: number; page_token?: string } {
  return {
    ...(flags.pageSize !== undefined ? { page_size: flags.pageSize } : {}),
    ...(flags.pageToken !== undefined ? { page_token: flags.pageToken } : {}),
  };
}

/**
 * Prints one page, or with `--all` every page. When a table leaves pages out, a note on stderr
 * says how to get them.
 */
export async function printPages<T>(
  pages: PagePromise<T>,
  flags: PagingFlags,
  columns: Column<T>[],
  label: string,
): Promise<void> {
  const mode = outputMode(flags);
  if (flags.all) {
    await printList(pages, mode, columns, label);
    return;
  }
  const page = await pages;
  await printList(page.data, mode, columns, label);
  const next = page.nextPageParams();
  if (next && mode === 'table') {
    note(`More ${label}: add --all, or --page-token ${next.page_token ?? ''} for the next page.`);
  }
}

/** `--stream-url` on a stream command (`create-stream`, `streams update`); `--url` is the server's. */
export function addStreamUrlOption(command: Command): Command {
  return command.option(
    '--stream-url <address>',
    "the stream's address: rtmp://… or rtmps://… (required)",
  );
}

/**
 * The address given with `--stream-url`, or a usage error. The server checks the address itself
 * (422 naming `url`), so the one rule stays in the API's schema.
 */
export function streamUrlOf(command: Command): string {
  const { streamUrl, url } = command.optsWithGlobals<{ streamUrl?: string; url?: string }>();
  if (streamUrl) return streamUrl;
  // Before --stream-url, an rtmp:// --url was the stream's: say where it goes now.
  const hint = url && /^rtmps?:\/\//i.test(url) ? " (--url is the server's address)" : '';
  throw new UsageError(
    `--stream-url is required: the stream's address, rtmp://… or rtmps://…${hint}`,
  );
}
