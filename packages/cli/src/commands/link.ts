import { joinUrl } from '@conclave/sdk';
import type { Command } from 'commander';
import { withExamples } from '../command-support.js';
import { resolveSettings, type GlobalFlags } from '../config/settings.js';
import { write } from '../output/stdout.js';

/** `conclave link <token>` — the join page's link for a token, on the configured server. */
export function linkCommand(program: Command): Command {
  const command = program
    .command('link')
    .description(
      "print a token's join link: the server's /join page, with the token in the URL's fragment " +
        '(browsers never send it, so it stays out of server logs)',
    )
    .argument('<token>', 'a conference token (vpt_…) or a room token (JWT)')
    .option('--name <name>', 'display name to fill in on the page (a room token’s user_name wins)')
    .addHelpText(
      'after',
      '\nThe link is built here, from the server URL (--url, CONCLAVE_URL or the profile): no\n' +
        'request is made and no project or API token is needed.\n',
    )
    .action(async (token: string, flags: { name?: string }, cmd: Command) => {
      const { url } = resolveSettings(cmd.optsWithGlobals<GlobalFlags>(), process.env);
      await write(`${joinUrl(url, token, flags.name === undefined ? {} : { name: flags.name })}\n`);
    });
  return withExamples(command, [
    'conclave link vpt_9f2c… --name "Ada Lovelace"',
    'conclave --url https://video.example.com link "$ROOM_TOKEN"',
    `conclave link "$(conclave conferences tokens 6f1d… --json | jq -r '.[] | select(.name == "Guest") | .token')"`,
  ]);
}
