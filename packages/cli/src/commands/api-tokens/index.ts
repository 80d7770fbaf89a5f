import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { revokeCommand } from './revoke.js';

/** `conclave api-tokens …` — the admin API (needs the admin token). */
export function apiTokensCommands(program: Command): void {
  const group = program
    .command('api-tokens')
    .description("create, list and revoke a project's API tokens (admin API)");
  withExamples(group, [
    'conclave api-tokens create 2f0c… --name ci',
    'conclave api-tokens list 2f0c…',
    'conclave api-tokens revoke 2f0c… 9b1e…',
  ]);
  createCommand(group);
  listCommand(group);
  revokeCommand(group);
}
