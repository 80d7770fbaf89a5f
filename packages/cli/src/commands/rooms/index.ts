import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { ownerCreateStreamCommand, ownerStreamsCommand } from '../owner-streams.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { getCommand } from './get.js';
import { listCommand } from './list.js';
import { updateCommand } from './update.js';

/** `conclave rooms …` — the Video API (project id + API token). */
export function roomsCommands(program: Command): void {
  const group = program
    .command('rooms')
    .description('list, show, create, change and delete rooms, and their streams');
  withExamples(group, [
    'conclave rooms list --all',
    'conclave rooms create --name standup --max-members 10',
    'conclave rooms get standup',
    'conclave rooms create-stream 6f1d… --stream-url rtmp://live.example.com/app/key',
  ]);
  listCommand(group);
  getCommand(group);
  createCommand(group);
  updateCommand(group);
  deleteCommand(group);
  ownerStreamsCommand(group, 'rooms');
  ownerCreateStreamCommand(group, 'rooms');
}
