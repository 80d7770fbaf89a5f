import { API_TOKEN_SCOPES, type ApiTokenScope } from '@conclave/schema';
import { InvalidArgumentError, type Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { note } from '../../output/stdout.js';

interface CreateFlags extends OutputFlags {
  name: string;
  scope?: ApiTokenScope[];
}

function scope(text: string, previous: ApiTokenScope[] = []): ApiTokenScope[] {
  if (!(API_TOKEN_SCOPES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`expected one of ${API_TOKEN_SCOPES.join(', ')}`);
  }
  return [...previous, text as ApiTokenScope];
}

export function createCommand(group: Command): Command {
  const command = group
    .command('create')
    .description('create an API token for a project; its secret is shown this once')
    .argument('<project-id>', 'the project the token is for')
    .requiredOption('--name <name>', 'what the token is for')
    .option(
      '--scope <scope>',
      `a scope the token carries, repeatable (${API_TOKEN_SCOPES.join(', ')}; default video)`,
      scope,
    )
    .option('--json', 'print the token as JSON')
    .action(async (projectId: string, flags: CreateFlags, cmd: Command) => {
      const token = await adminClientFor(cmd).apiTokens.create(projectId, {
        name: flags.name,
        ...(flags.scope ? { scopes: flags.scope } : {}),
      });
      const mode = outputMode(flags);
      await printRecord(token, mode);
      if (mode === 'table') note('Keep the token now: it is not shown again.');
    });
  return withExamples(command, [
    'conclave api-tokens create 2f0c… --name ci',
    'conclave api-tokens create 2f0c… --name ci --json | jq -r .token',
  ]);
}
