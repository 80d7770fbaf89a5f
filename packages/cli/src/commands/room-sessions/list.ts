import { Option, type Command } from 'commander';
import {
  addPagingOptions,
  pageQuery,
  printPages,
  restClientFor,
  withExamples,
  type PagingFlags,
} from '../../command-support.js';
import { SESSION_COLUMNS } from './columns.js';

interface ListFlags extends PagingFlags {
  roomId?: string;
  roomName?: string;
  roomNameMatches?: string;
  status?: 'in-progress' | 'completed';
}

export function listCommand(group: Command): Command {
  const command = group
    .command('list')
    .description('list sessions of rooms and conferences, newest first')
    .option('--room-id <id>', 'only the sessions of this room')
    .option('--room-name <name>', 'only the sessions of the room with this name')
    .option('--room-name-matches <text>', 'only the sessions whose room name contains this')
    .addOption(
      new Option('--status <status>', 'only sessions in this state').choices([
        'in-progress',
        'completed',
      ]),
    );
  addPagingOptions(command).action(async (flags: ListFlags, cmd: Command) => {
    const pages = restClientFor(cmd).video.roomSessions.list({
      ...(flags.roomId !== undefined ? { room_id: flags.roomId } : {}),
      ...(flags.roomName !== undefined ? { room_name: flags.roomName } : {}),
      ...(flags.roomNameMatches !== undefined ? { room_name_matches: flags.roomNameMatches } : {}),
      ...(flags.status !== undefined ? { status: flags.status } : {}),
      ...pageQuery(flags),
    });
    await printPages(pages, flags, SESSION_COLUMNS, 'sessions');
  });
  return withExamples(command, [
    'conclave room-sessions list',
    'conclave room-sessions list --room-name standup --status completed --all',
    'conclave room-sessions list --room-name-matches stand --page-size 10',
    "conclave room-sessions list --all --jsonl | jq -r '.id'",
  ]);
}
