import type { Fault } from '@conclave/sdk';
import type { Command } from 'commander';
import { adminClientFor, withExamples } from '../../../command-support.js';
import {
  addOutputOptions,
  outputMode,
  printList,
  type OutputFlags,
} from '../../../output/list-output.js';
import type { Column } from '../../../output/table.js';

interface ListFlags extends OutputFlags {
  projectId?: string;
}

function action(f: Fault): string {
  const parts: string[] = [];
  if (f.latency_ms > 0) parts.push(`+${f.latency_ms} ms`);
  if (f.drop) parts.push('drop');
  if (f.status !== null) parts.push(String(f.status));
  return parts.join(' ');
}

const columns: Column<Fault>[] = [
  { header: 'ID', value: (f) => f.id },
  { header: 'PROJECT', value: (f) => f.project_id ?? '*' },
  { header: 'METHOD', value: (f) => (f.target === 'frames' ? 'FRAMES' : f.method) },
  { header: 'PATH', value: (f) => f.path },
  { header: 'ACTION', value: action },
  { header: 'P', value: (f) => String(f.probability) },
  { header: 'APPLIED', value: (f) => String(f.applied) },
  { header: 'REMAINING', value: (f) => (f.remaining === null ? '∞' : String(f.remaining)) },
];

export function listCommand(group: Command): Command {
  const command = addOutputOptions(
    group
      .command('list')
      .description('list scripted faults (spent ones too), oldest first')
      .option('--project-id <id>', "only this project's"),
  );
  command.action(async (flags: ListFlags, cmd: Command) => {
    const faults = await adminClientFor(cmd).emulator.listFaults(
      flags.projectId ? { project_id: flags.projectId } : {},
    );
    await printList(faults, outputMode(flags), columns, 'faults');
  });
  return withExamples(command, [
    'conclave emulator faults list',
    'conclave emulator faults list --json',
  ]);
}
