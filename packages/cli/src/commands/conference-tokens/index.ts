import type { Command } from 'commander';
import { withExamples } from '../../command-support.js';
import { getCommand } from './get.js';
import { resetCommand } from './reset.js';

/** `conclave conference-tokens …` */
export function conferenceTokensCommands(program: Command): void {
  const group = program
    .command('conference-tokens')
    .description('show or reset one conference token');
  withExamples(group, [
    'conclave conference-tokens get 0b9a…',
    'conclave conference-tokens reset 0b9a…',
  ]);
  getCommand(group);
  resetCommand(group);
}
