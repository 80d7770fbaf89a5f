import type { Project } from '@conclave/sdk';
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

const columns: Column<Project>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'NAME', value: (p) => p.name },
  { header: 'CREATED', value: (p) => p.created_at },
];

export function listCommand(group: Command): Command {
  const command = addPagingOptions(
    group.command('list').description('list projects, newest first'),
  );
  command.action(async (flags: PagingFlags, cmd: Command) => {
    const pages = adminClientFor(cmd).projects.list(pageQuery(flags));
    await printPages(pages, flags, columns, 'projects');
  });
  return withExamples(command, ['conclave projects list', 'conclave projects list --all --jsonl']);
}
