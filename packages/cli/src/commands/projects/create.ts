import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../output/list-output.js';
import { note } from '../../output/stdout.js';

export function createCommand(group: Command): Command {
  const command = group
    .command('create')
    .description('create a project (it has no API token until you create one)')
    .argument('<name>', 'the project name')
    .option('--json', 'print the project as JSON')
    .action(async (name: string, flags: OutputFlags, cmd: Command) => {
      const project = await adminClientFor(cmd).projects.create({ name });
      const mode = outputMode(flags);
      await printRecord(project, mode);
      if (mode === 'table') note(`Next: conclave api-tokens create ${project.id} --name <name>`);
    });
  return withExamples(command, [
    'conclave projects create Acme',
    'conclave projects create Acme --json | jq -r .id',
  ]);
}
