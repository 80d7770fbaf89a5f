import { createHmac, randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { note, write } from '../../output/stdout.js';
import { eventLine, untilSignalled } from '../events/index.js';

/** `whsec_` + 32 random bytes: what this session signs forwarded events with. */
function sessionSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}

/**
 * `conclave webhooks listen --forward-to URL`: the project's events, read from the event stream,
 * POSTed to a local URL signed as Conclave's deliveries are (`Conclave-Signature`), with a secret
 * of this session (as `stripe listen` does), for developing a webhook receiver.
 */
export function listenCommand(group: Command): void {
  const listen = group
    .command('listen')
    .description(
      'forward the project’s events to a local URL, signed as deliveries are, until SIGINT ' +
        '(for developing a receiver); prints the signing secret first',
    )
    .requiredOption(
      '--forward-to <url>',
      'where each event is POSTed, e.g. http://localhost:3000/hook',
    )
    .option('--after <id>', 'start after this event id (default: only events from now on)')
    .option('--secret <whsec>', 'sign with this secret (default: a new one, printed)')
    .action(async (flags: { forwardTo: string; after?: string; secret?: string }, cmd: Command) => {
      const client = restClientFor(cmd);
      const secret = flags.secret ?? sessionSecret();
      let after = flags.after;
      if (after === undefined) {
        // From now on: after the newest event kept.
        for (let page = await client.conclave.events({ limit: 500 }); page.length > 0;) {
          after = page.at(-1)!.id;
          page = await client.conclave.events({ after, limit: 500 });
        }
      }
      note(`Ready. Signing with ${secret} (Ctrl-C to stop)`);
      const events = client.conclave.eventStream({
        ...(after !== undefined ? { after } : {}),
        signal: untilSignalled(),
      });
      for await (const event of events) {
        const body = JSON.stringify(event);
        const t = Math.floor(Date.now() / 1000);
        const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
        let outcome: string;
        try {
          const response = await fetch(flags.forwardTo, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'conclave-signature': `t=${t},v1=${v1}`,
              'conclave-event-id': event.id,
              'conclave-event-type': event.type,
            },
            body,
          });
          outcome = String(response.status);
        } catch (error) {
          outcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
        }
        await write(`${eventLine(event).trimEnd()}  → ${outcome}\n`);
      }
    });
  withExamples(listen, ['conclave webhooks listen --forward-to http://localhost:3000/hook']);
}
