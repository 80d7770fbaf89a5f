import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

export function revokeCommand(group: Command): Command {
  const command = group
    .command('revoke')
    .description('revoke an API token: it is refused from the next request on')
    .argument('<project-id>', 'the project')
    .argument('<token-id>', 'the token (its id, from `api-tokens list`)')
    .action(async (projectId: string, tokenId: string, _flags: object, cmd: Command) => {
      await adminClientFor(cmd).apiTokens.revoke(projectId, tokenId);
      await write(`Revoked API token ${tokenId}\n`);
    });
  return withExamples(command, ['conclave api-tokens revoke 2f0c… 9b1e…']);
}
