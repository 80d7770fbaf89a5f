import { createInterface } from 'node:readline';
import {
  CLOSE_CODES,
  joinRealtime,
  RealtimeClosedError,
  RealtimeError,
  type RealtimeEventType,
  type RealtimeSession,
} from '@conclave/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { withExamples } from '../command-support.js';
import { resolveSettings, type GlobalFlags } from '../config/settings.js';
import { ReportedFailure } from '../errors.js';

interface JoinFlags {
  name?: string;
  chat?: string[];
  leaveAfter?: number;
  stdinChat?: boolean;
  quiet?: boolean;
}

/** The events printed as they arrive, each as one JSON line with its `type`. */
const EVENTS: RealtimeEventType[] = [
  'member.joined',
  'member.left',
  'member.updated',
  'chat',
  'signal',
  'session.updated',
  'reconnecting',
  'reconnected',
];

/** `--leave-after`: seconds, a whole or decimal number ≥ 0. */
function seconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) {
    throw new InvalidArgumentError('expected a number of seconds ≥ 0');
  }
  return Number(text);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function printLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function fail(message: string): never {
  process.stderr.write(`conclave: ${message}\n`);
  throw new ReportedFailure(message);
}

/** `1006` with no reason: no answer at all, rather than a refusal. */
function describeClose({ code, reason }: { code: number; reason: string }): string {
  return reason ? `${code} ${reason}` : String(code);
}

/** The request failure of a chat, as a line for stderr. */
function describeRequestFailure(error: unknown): string {
  if (error instanceof RealtimeError) return error.message;
  if (error instanceof RealtimeClosedError) return `connection closed (${describeClose(error)})`;
  return error instanceof Error ? error.message : String(error);
}

/** `conclave join <token>` — a participant in a live session, over the realtime WebSocket. */
export function joinCommand(program: Command): Command {
  const command = program
    .command('join')
    .description(
      'join a live session with a conference token (vpt_…) or a room token, and print the ' +
        'session and its events as JSON lines until leaving',
    )
    .argument('<token>', 'a conference token (vpt_…) or a room token (JWT)')
    .option('--name <name>', 'display name (a room token’s user_name wins)')
    .option('--chat <text>', 'send this chat message once joined (repeatable)', collect)
    .option(
      '--leave-after <seconds>',
      'leave after this many seconds (default: stay until SIGINT or SIGTERM)',
      seconds,
    )
    .option(
      '--stdin-chat',
      'send each line of standard input as a chat message; leave at its end (unless --leave-after)',
    )
    .option('--quiet', 'print only the joined line, not the events')
    .addHelpText(
      'after',
      '\nOutput: one JSON object per line on stdout, each with a "type": first "joined" (the\n' +
        'session, member_id, members with oneself first, scopes), then each event as it arrives:\n' +
        'member.joined, member.left, member.updated, chat, signal, session.updated, reconnecting,\n' +
        'reconnected, and last "closed" (code and reason). The token is the credential: no\n' +
        'project or API token is needed, only the server (--url, CONCLAVE_URL or the profile).\n' +
        '\nExit codes: 0 left (after --leave-after, SIGINT or SIGTERM, or the end of --stdin-chat\n' +
        'input); 1 refused (e.g. "refused: 4410 too_early: joining opens at …"), unreachable, a\n' +
        'chat refused, or the session closed by the server (removed 4420, time_up 4421,\n' +
        'session_ended 4422 …), the code and reason on stderr; 2 usage error.\n',
    )
    .action(async (token: string, flags: JoinFlags, cmd: Command) => {
      const settings = resolveSettings(cmd.optsWithGlobals<GlobalFlags>(), process.env);
      await join(settings.url, token, flags);
    });
  return withExamples(command, [
    'conclave join vpt_9f2c… --name Ada',
    'conclave join vpt_9f2c… --name Ada --chat "Hello" --leave-after 10',
    'conclave join "$ROOM_TOKEN" --quiet --leave-after 60',
    'echo "Hello from a script" | conclave join vpt_9f2c… --name Bot --stdin-chat',
    'conclave join vpt_9f2c… | jq -r \'select(.type == "chat") | "\\(.name): \\(.text)"\'',
  ]);
}

async function join(url: string, token: string, flags: JoinFlags): Promise<void> {
  let session: RealtimeSession | undefined;
  /** Why this side ended the session, once it has decided to leave. */
  let leaving: 'left' | 'failed' | undefined;
  let failure: string | undefined;
  const leave = (why: 'left' | 'failed', message?: string) => {
    if (leaving) return;
    leaving = why;
    failure = message;
    void session?.leave();
  };
  // Listening before joining: a signal that comes as the joined line is read must not kill.
  const onSignal = () => {
    if (leaving) process.exit(1); // a second signal: stop waiting for the server
    leave('left');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let timer: NodeJS.Timeout | undefined;
  let lines: ReturnType<typeof createInterface> | undefined;

  try {
    const live = await connect(url, token, flags);
    session = live;
    printLine({
      type: 'joined',
      session: live.session,
      member_id: live.memberId,
      members: [...live.members.values()],
      scopes: live.scopes,
    });
    if (!flags.quiet) {
      for (const type of EVENTS) {
        live.on(type, (event) => printLine({ ...event, type }));
      }
      live.on('error', (error) =>
        printLine({ type: 'error', code: error.code, message: error.message }),
      );
    }
    if (leaving) void live.leave(); // signalled while joining

    void (async () => {
      for (const text of flags.chat ?? []) {
        if (leaving) return;
        try {
          await live.chat(text);
        } catch (error) {
          // Closed meanwhile: the close itself is reported below.
          if (leaving || error instanceof RealtimeClosedError) return;
          leave('failed', `chat refused: ${describeRequestFailure(error)}`);
          return;
        }
      }
      if (flags.leaveAfter !== undefined) {
        timer = setTimeout(() => leave('left'), flags.leaveAfter * 1000);
      }
      if (flags.stdinChat) {
        lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
        for await (const line of lines) {
          if (leaving) break;
          if (line.trim() === '') continue;
          try {
            await live.chat(line);
          } catch (error) {
            if (leaving || error instanceof RealtimeClosedError) break;
            process.stderr.write(`conclave: chat refused: ${describeRequestFailure(error)}\n`);
          }
        }
        if (flags.leaveAfter === undefined) leave('left');
      }
    })();

    const closed = await live.closed;
    if (!flags.quiet) printLine({ type: 'closed', ...closed });
    if (leaving === 'failed') fail(failure ?? 'failed');
    if (leaving !== 'left') {
      const why =
        closed.code === CLOSE_CODES.removed ||
        closed.code === CLOSE_CODES.time_up ||
        closed.code === CLOSE_CODES.session_ended ||
        closed.code === CLOSE_CODES.replaced
          ? 'the server ended the session for this member'
          : 'the connection closed';
      fail(`${why}: ${describeClose(closed)}`);
    }
  } finally {
    if (timer) clearTimeout(timer);
    lines?.close();
    if (flags.stdinChat) process.stdin.destroy();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Joins, or reports on stderr why not (refused, or no server there). */
async function connect(url: string, token: string, flags: JoinFlags): Promise<RealtimeSession> {
  try {
    return await joinRealtime({
      url,
      token,
      ...(flags.name === undefined ? {} : { name: flags.name }),
    });
  } catch (error) {
    if (error instanceof RealtimeClosedError) {
      if (error.code === 1006 || error.code === CLOSE_CODES.join_timeout) {
        fail(`could not join at ${url}: ${describeClose(error)} (is the server running there?)`);
      }
      // The server's own words when it sent them: "4410 too_early: joining opens at …".
      fail(`refused: ${describeClose(error)}${error.refusal ? `: ${error.refusal.message}` : ''}`);
    }
    fail(`could not join at ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
