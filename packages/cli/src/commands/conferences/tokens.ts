import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { UsageError } from '../../errors.js';
import { outputMode } from '../../output/list-output.js';
import { TOKEN_COLUMNS, joinLinkColumn } from './columns.js';

interface TokensFlags extends PagingFlags {
  links?: boolean;
}

export function tokensCommand(group: Command): Command {
  const command = addPagingOptions(
    group
      .command('tokens')
      .description("list a conference's tokens (Moderator and Guest)")
      .argument('<id>', 'the conference id'),
  ).option('--links', "add a JOIN LINK column: each token's link to the server's join page");
  command.action(async (id: string, flags: TokensFlags, cmd: Command) => {
    if (flags.links && outputMode(flags) !== 'table') {
      // JSON stays exactly what the API sends; `conclave link TOKEN` makes a link from a token.
      throw new UsageError(
        '--links adds a table column: leave out --json/--jsonl, or use `conclave link`',
      );
    }
    const client = restClientFor(cmd);
    const pages = client.video.conferences.listConferenceTokens(id, pageQuery(flags));
    const columns = flags.links
      ? [...TOKEN_COLUMNS, joinLinkColumn(client.baseUrl)]
      : TOKEN_COLUMNS;
    await printPages(pages, flags, columns, 'conference tokens');
  });
  return withExamples(command, [
    'conclave conferences tokens 6f1d…',
    'conclave conferences tokens 6f1d… --links',
    `conclave conferences tokens 6f1d… --json | jq -r '.[] | select(.name == "Guest") | .token'`,
  ]);
}
