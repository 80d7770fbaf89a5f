import { EVENT_TYPES, type EventType } from '@conclave/schema';
import { InvalidArgumentError, type Command } from 'commander';
import {
  positiveInteger,
  restClientFor,
  wholeNumber,
  withExamples,
} from '../../command-support.js';
import { UsageError } from '../../errors.js';
import {
  addOutputOptions,
  outputMode,
  printList,
  printRecord,
  type OutputFlags,
} from '../../output/list-output.js';
import { write } from '../../output/stdout.js';
import { ATTEMPT_COLUMNS, DELIVERY_COLUMNS, ENDPOINT_COLUMNS } from './columns.js';
import { listenCommand } from './listen.js';

/** `--events a,b`: event types from the catalogue, or `*`. */
function eventTypes(text: string): (EventType | '*')[] {
  const types = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const type of types) {
    if (type !== '*' && !(EVENT_TYPES as string[]).includes(type)) {
      throw new InvalidArgumentError(
        `unknown event type ${type} (one of: *, ${EVENT_TYPES.join(', ')})`,
      );
    }
  }
  if (types.length === 0) throw new InvalidArgumentError('expected at least one event type');
  return types as (EventType | '*')[];
}

interface EndpointFlags extends OutputFlags {
  endpointUrl?: string;
  events?: (EventType | '*')[];
  description?: string;
  enable?: boolean;
  disable?: boolean;
}

interface ListFlags extends OutputFlags {
  limit?: number;
  before?: string;
}

/** `conclave webhooks …` — the project's webhook endpoints (Conclave's own API). */
export function webhooksCommands(program: Command): void {
  const group = program
    .command('webhooks')
    .description(
      'manage webhook endpoints: where events are POSTed, signed; their deliveries, attempts ' +
        'and replays (docs/webhooks.md)',
    );
  withExamples(group, [
    'conclave webhooks create --endpoint-url https://app.example.com/hooks --events session.started,session.ended',
    'conclave webhooks list',
    'conclave webhooks attempts 3f2a…',
    'conclave webhooks replay 3f2a… --since 2026-12-04T10:00:00Z',
  ]);

  const create = addOutputOptions(
    group
      .command('create')
      .description('create an endpoint; prints it with its secret (shown only now)')
      .requiredOption(
        '--endpoint-url <url>',
        'where events are POSTed (http:// or https://; --url is the server’s)',
      )
      .option('--events <types>', 'comma-separated event types, or * (default *)', eventTypes)
      .option('--description <text>', 'a note for people')
      .option('--disable', 'create it disabled'),
    { jsonl: false },
  ).action(async (flags: EndpointFlags, cmd: Command) => {
    const endpoint = await restClientFor(cmd).conclave.webhooks.create({
      url: flags.endpointUrl!,
      ...(flags.events ? { eventTypes: flags.events } : {}),
      ...(flags.description !== undefined ? { description: flags.description } : {}),
      ...(flags.disable ? { enabled: false } : {}),
    });
    await printRecord(endpoint, outputMode(flags));
  });
  withExamples(create, [
    'conclave webhooks create --endpoint-url https://app.example.com/hooks',
    "conclave webhooks create --endpoint-url https://app.example.com/hooks --events recording.completed --json | jq -r '.secret'",
  ]);

  const list = addOutputOptions(
    group.command('list').description('list the endpoints (without secrets)'),
  ).action(async (flags: OutputFlags, cmd: Command) => {
    const endpoints = await restClientFor(cmd).conclave.webhooks.list();
    await printList(endpoints, outputMode(flags), ENDPOINT_COLUMNS, 'webhook endpoints');
  });
  withExamples(list, ['conclave webhooks list', 'conclave webhooks list --json']);

  const get = addOutputOptions(
    group.command('get').description('show one endpoint').argument('<id>', 'the endpoint id'),
    { jsonl: false },
  ).action(async (id: string, flags: OutputFlags, cmd: Command) => {
    await printRecord(await restClientFor(cmd).conclave.webhooks.get(id), outputMode(flags));
  });
  withExamples(get, ['conclave webhooks get 3f2a…', 'conclave webhooks get 3f2a… --json']);

  const update = addOutputOptions(
    group
      .command('update')
      .description('change an endpoint; --enable turns on again one Conclave disabled')
      .argument('<id>', 'the endpoint id')
      .option('--endpoint-url <url>', 'where events are POSTed')
      .option('--events <types>', 'comma-separated event types, or *', eventTypes)
      .option('--description <text>', 'a note for people')
      .option('--enable', 'enable it')
      .option('--disable', 'disable it'),
    { jsonl: false },
  ).action(async (id: string, flags: EndpointFlags, cmd: Command) => {
    if (flags.enable && flags.disable)
      throw new UsageError('--enable and --disable cannot go together');
    const change = {
      ...(flags.endpointUrl !== undefined ? { url: flags.endpointUrl } : {}),
      ...(flags.events ? { eventTypes: flags.events } : {}),
      ...(flags.description !== undefined ? { description: flags.description } : {}),
      ...(flags.enable ? { enabled: true } : flags.disable ? { enabled: false } : {}),
    };
    if (Object.keys(change).length === 0) {
      throw new UsageError(
        'nothing to change: give --endpoint-url, --events, --description, --enable or --disable',
      );
    }
    const endpoint = await restClientFor(cmd).conclave.webhooks.update(id, change);
    await printRecord(endpoint, outputMode(flags));
  });
  withExamples(update, [
    'conclave webhooks update 3f2a… --enable',
    'conclave webhooks update 3f2a… --events member.joined,member.left',
  ]);

  const del = group
    .command('delete')
    .description('delete an endpoint with its deliveries')
    .argument('<id>', 'the endpoint id')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await restClientFor(cmd).conclave.webhooks.delete(id);
      await write(`Deleted webhook endpoint ${id}\n`);
    });
  withExamples(del, ['conclave webhooks delete 3f2a…']);

  const rotate = addOutputOptions(
    group
      .command('rotate-secret')
      .description('a new secret; the old one keeps signing too for a while; prints the new one')
      .argument('<id>', 'the endpoint id')
      .option(
        '--keep-previous-for <seconds>',
        'how long the old secret still signs (default 86400)',
        wholeNumber,
      ),
    { jsonl: false },
  ).action(async (id: string, flags: OutputFlags & { keepPreviousFor?: number }, cmd: Command) => {
    const endpoint = await restClientFor(cmd).conclave.webhooks.rotateSecret(
      id,
      flags.keepPreviousFor === undefined ? {} : { keepPreviousForSeconds: flags.keepPreviousFor },
    );
    await printRecord(endpoint, outputMode(flags));
  });
  withExamples(rotate, [
    'conclave webhooks rotate-secret 3f2a…',
    'conclave webhooks rotate-secret 3f2a… --keep-previous-for 3600 --json',
  ]);

  const listOptions = (command: Command) =>
    addOutputOptions(
      command
        .argument('<id>', 'the endpoint id')
        .option(
          '--limit <n>',
          'how many, newest first, 1 to 200 (default 50)',
          positiveInteger(200),
        )
        .option('--before <id>', 'older than this id (the last of the previous page)'),
    );
  const deliveries = listOptions(
    group.command('deliveries').description("list an endpoint's deliveries"),
  ).action(async (id: string, flags: ListFlags, cmd: Command) => {
    const items = await restClientFor(cmd).conclave.webhooks.listDeliveries(id, listQuery(flags));
    await printList(items, outputMode(flags), DELIVERY_COLUMNS, 'deliveries');
  });
  withExamples(deliveries, [
    'conclave webhooks deliveries 3f2a…',
    'conclave webhooks deliveries 3f2a… --limit 200 --json',
  ]);
  const attempts = listOptions(
    group
      .command('attempts')
      .description("list an endpoint's delivery attempts: status, time, response excerpt"),
  ).action(async (id: string, flags: ListFlags, cmd: Command) => {
    const items = await restClientFor(cmd).conclave.webhooks.listAttempts(id, listQuery(flags));
    await printList(items, outputMode(flags), ATTEMPT_COLUMNS, 'attempts');
  });
  withExamples(attempts, [
    'conclave webhooks attempts 3f2a…',
    'conclave webhooks attempts 3f2a… --before 120 --jsonl',
  ]);

  const replay = group
    .command('replay')
    .description('send again one delivery (--delivery) or every event since a time (--since)')
    .argument('<id>', 'the endpoint id')
    .option('--delivery <id>', 'the delivery to send again')
    .option('--since <time>', 'every event from this time (RFC 3339)')
    .action(async (id: string, flags: { delivery?: string; since?: string }, cmd: Command) => {
      if ((flags.delivery === undefined) === (flags.since === undefined)) {
        throw new UsageError('give --delivery or --since (one of them)');
      }
      const webhooks = restClientFor(cmd).conclave.webhooks;
      if (flags.delivery !== undefined) {
        const delivery = await webhooks.replayDelivery(id, flags.delivery);
        await write(`Queued delivery ${delivery.id} of event ${delivery.event_id}\n`);
      } else {
        const replayed = await webhooks.replaySince(id, flags.since!);
        await write(`Queued ${replayed} deliveries\n`);
      }
    });
  listenCommand(group);
  withExamples(replay, [
    'conclave webhooks replay 3f2a… --delivery 0193…',
    'conclave webhooks replay 3f2a… --since 2026-12-04T10:00:00Z',
  ]);
}

function listQuery(flags: ListFlags): { limit?: number; before?: string } {
  return {
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    ...(flags.before !== undefined ? { before: flags.before } : {}),
  };
}
