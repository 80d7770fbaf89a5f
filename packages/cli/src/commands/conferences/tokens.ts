import type { Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { TOKEN_COLUMNS } from './columns.js';

export function tokensCommand(group: Command): Command {
  const command = addPagingOptions(
    group
      .command('tokens')
      .description("list a conference's tokens (Moderator and Guest)")
      .argument('<id>', 'the conference id'),
  );
  command.action(async (id: string, flags: PagingFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.conferences.listConferenceTokens(id, pageQuery(flags));
    await printPages(pages, flags, TOKEN_COLUMNS, 'conference tokens');
  });
  return withExamples(command, [
    'conclave conferences tokens 6f1d…',
    `conclave conferences tokens 6f1d… --json | jq -r '.[] | select(.name == "Guest") | .token'`,
  ]);
}
