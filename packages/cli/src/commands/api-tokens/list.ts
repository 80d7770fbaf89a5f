import type { ApiToken } from '@conclave/sdk';
import type { Command } from 'commander';
import {
  addPagingOptions,
  adminClientFor,
  pageQuery,
  printPages,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import type { Column } from '../../output/table.js';

const columns: Column<ApiToken>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'PREFIX', value: (t) => `${t.prefix}…` },
  { header: 'SCOPES', value: (t) => t.scopes.join(',') },
  { header: 'CREATED', value: (t) => t.created_at },
];

export function listCommand(group: Command): Command {
  const command = addPagingOptions(
    group
      .command('list')
      .description("list a project's API tokens (prefixes only: secrets are never shown again)")
      .argument('<project-id>', 'the project'),
  );
  command.action(async (projectId: string, flags: PagingFlags, cmd: Command) => {
    const pages = adminClientFor(cmd).apiTokens.list(projectId, pageQuery(flags));
    await printPages(pages, flags, columns, 'API tokens');
  });
  return withExamples(command, [
    'conclave api-tokens list 2f0c…',
    'conclave api-tokens list 2f0c… --json',
  ]);
}
