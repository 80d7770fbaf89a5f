import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { ownerCreateStreamCommand, ownerStreamsCommand } from '../owner-streams.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { exportCommand } from './export.js';
import { getCommand } from './get.js';
import { importCommand } from './import.js';
import { listCommand } from './list.js';
import { tokensCommand } from './tokens.js';
import { updateCommand } from './update.js';

/** `conclave conferences …` — the Video API (project id + API token). */
export function conferencesCommands(program: Command): void {
  const group = program
    .command('conferences')
    .description(
      'list, show, create, change, delete, import and export video conferences, and their streams',
    );
  withExamples(group, [
    'conclave conferences list --all',
    'conclave conferences create --display-name "All hands"',
    'conclave conferences tokens 6f1d…',
    'conclave conferences export -o backup.jsonl',
  ]);
  listCommand(group);
  getCommand(group);
  createCommand(group);
  updateCommand(group);
  deleteCommand(group);
  tokensCommand(group);
  ownerStreamsCommand(group, 'conferences');
  ownerCreateStreamCommand(group, 'conferences');
  importCommand(group);
  exportCommand(group);
}
