import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { listCommand } from './list.js';

/** `conclave projects …` — the admin API (needs the admin token). */
export function projectsCommands(program: Command): void {
  const group = program
    .command('projects')
    .description('create, list and delete projects (admin API: needs CONCLAVE_ADMIN_TOKEN)');
  withExamples(group, [
    'conclave projects create Acme',
    'conclave projects list',
    'conclave projects delete 2f0c…',
  ]);
  createCommand(group);
  listCommand(group);
  deleteCommand(group);
}
