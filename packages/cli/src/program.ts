import { VERSION } from '@conclave/sdk';
import { Command } from 'commander';
import { apiTokensCommands } from './commands/api-tokens/index.js';
import { conferenceTokensCommands } from './commands/conference-tokens/index.js';
import { conferencesCommands } from './commands/conferences/index.js';
import { databaseCommands } from './commands/database.js';
import { emulatorCommands } from './commands/emulator/index.js';
import { simulateCommands } from './commands/simulate/index.js';
import { projectsCommands } from './commands/projects/index.js';
import { roomTokensCommands } from './commands/room-tokens/index.js';
import { roomsCommands } from './commands/rooms/index.js';
import { roomSessionsCommands } from './commands/room-sessions/index.js';
import { roomRecordingsCommands } from './commands/room-recordings/index.js';
import { logsCommands } from './commands/logs/index.js';
import { streamsCommands } from './commands/streams/index.js';
import { webhooksCommands } from './commands/webhooks/index.js';
import { eventsCommands } from './commands/events/index.js';
import { serveCommand } from './commands/serve.js';
import { joinCommand } from './commands/join.js';
import { linkCommand } from './commands/link.js';
import { DEFAULT_URL } from './config/settings.js';
import { withExamples } from './command-support.js';

const CONFIGURATION = `
Configuration (flags win, then the environment, then the profile file):
  --url            CONCLAVE_URL            the server (default ${DEFAULT_URL})
  --project        SIGNALWIRE_PROJECT_ID   project id, for the Video API commands
  --token          SIGNALWIRE_API_TOKEN    API token, for the Video API commands
  --admin-token    CONCLAVE_ADMIN_TOKEN    admin token, for projects and api-tokens
  --profile        CONCLAVE_PROFILE        a profile of the profile file (chosen by name, it
                                           wins over the environment)
  --config         CONCLAVE_CONFIG         the profile file (default
                                           ~/.config/conclave/config.json)
  Profile file: {"defaultProfile": "local", "profiles": {"local": {"url": "…",
                 "project": "…", "token": "…", "adminToken": "…"}}}

Exit codes: 0 done, 1 the API refused or could not be reached (message and request id on
stderr), 2 usage error.`;

/**
 * The `conclave` command tree. Settings are applied before any subcommand is added, because
 * Commander copies them into subcommands only when they are created.
 */
export function buildProgram(): Command {
  const program = new Command('conclave')
    .description(
      'Conclave: run the server, and manage its projects, conferences, rooms, room tokens and ' +
        'streams, read its sessions, recordings and logs, join a live session, and make join links',
    )
    .version(VERSION, '-V, --version')
    .option('--url <url>', 'server URL (CONCLAVE_URL)')
    .option('--project <id>', 'project id (SIGNALWIRE_PROJECT_ID)')
    .option('--token <token>', 'API token (SIGNALWIRE_API_TOKEN)')
    .option('--admin-token <token>', 'admin token (CONCLAVE_ADMIN_TOKEN)')
    .option('--profile <name>', 'profile from the profile file (CONCLAVE_PROFILE)')
    .option('--config <file>', 'profile file (CONCLAVE_CONFIG)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  program.addHelpText('after', CONFIGURATION);
  withExamples(program, [
    'conclave serve',
    'conclave projects create Acme',
    'conclave --profile local conferences list --all',
    'conclave conferences create --display-name "All hands" --json',
    'conclave rooms create --name standup --max-members 10',
    'conclave room-tokens create --room-name standup --user-name Ada',
    'conclave join vpt_9f2c… --name Ada --chat "Hello" --leave-after 10',
    'conclave link vpt_9f2c… --name Ada',
  ]);
  serveCommand(program);
  projectsCommands(program);
  apiTokensCommands(program);
  conferencesCommands(program);
  conferenceTokensCommands(program);
  roomsCommands(program);
  roomTokensCommands(program);
  streamsCommands(program);
  roomSessionsCommands(program);
  roomRecordingsCommands(program);
  logsCommands(program);
  webhooksCommands(program);
  eventsCommands(program);
  emulatorCommands(program);
  simulateCommands(program);
  joinCommand(program);
  linkCommand(program);
  databaseCommands(program);
  return program;
}
