import type { ConclaveEvent } from '@conclave/sdk';
import type { Command } from 'commander';
import { restClientFor, withExamples } from '../../command-support.js';
import { write } from '../../output/stdout.js';

/** Stops at SIGINT or SIGTERM: the stream ends and the command exits 0. */
export function untilSignalled(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

/** One line per event for people: id, time, type, the object's id. */
export function eventLine(event: ConclaveEvent): string {
  const object = event.object as { id?: unknown };
  return `${event.id}  ${event.created_at}  ${event.type}  ${String(object.id ?? '-')}\n`;
}

/** `conclave events …` — the project's events (what webhooks deliver). */
export function eventsCommands(program: Command): void {
  const group = program
    .command('events')
    .description("the project's events: what webhooks deliver (docs/webhooks.md)");
  withExamples(group, ['conclave events tail', 'conclave events tail --json']);
  const tail = group
    .command('tail')
    .description(
      'print the project’s events as they happen (until SIGINT); resumes after a dropped ' +
        'connection without missing any',
    )
    .option('--after <id>', 'start after this event id (default: from the first event kept)')
    .option('--json', 'print one JSON event per line')
    .action(async (flags: { after?: string; json?: boolean }, cmd: Command) => {
      const events = restClientFor(cmd).conclave.eventStream({
        ...(flags.after !== undefined ? { after: flags.after } : {}),
        signal: untilSignalled(),
      });
      for await (const event of events) {
        await write(flags.json ? `${JSON.stringify(event)}\n` : eventLine(event));
      }
    });
  withExamples(tail, [
    'conclave events tail',
    "conclave events tail --after 1042 --json | jq -r '.type'",
  ]);
}
