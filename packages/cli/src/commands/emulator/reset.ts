import type { ProjectReset } from '@conclave/sdk';
import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { outputMode, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';

/** `3 conferences, 6 conference_tokens` — or `nothing`. */
export function describeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([table, n]) => `${n} ${table}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

export function describeReset(reset: ProjectReset): string {
  return (
    `Reset project ${reset.project_id} in ${reset.took_ms} ms: removed ` +
    `${describeCounts(reset.removed)}; ${reset.faults_cleared} fault(s) cleared\n`
  );
}

export function resetCommand(group: Command): Command {
  const command = group
    .command('reset')
    .description(
      'empty a project: end its live sessions, delete its conferences, rooms, sessions, ' +
        'recordings, logs and faults; keep the project, its API tokens and signing keys',
    )
    .argument('<project-id>', 'the project to empty')
    .option('--json', 'print the result as JSON')
    .action(async (projectId: string, flags: OutputFlags, cmd: Command) => {
      const reset = await adminClientFor(cmd).emulator.resetProject(projectId);
      if (outputMode(flags) === 'table') await write(describeReset(reset));
      else await write(`${JSON.stringify(reset, null, 2)}\n`);
    });
  return withExamples(command, ['conclave emulator reset 2f0c…']);
}
