import { FAULT_METHODS, FAULT_STATUSES, type CreateFaultRequest } from '@conclave/schema';
import { InvalidArgumentError, type Command } from 'commander';
import {
  adminClientFor,
  positiveInteger,
  wholeNumber,
  withExamples,
} from '../../../command-support.js';
import { outputMode, printRecord, type OutputFlags } from '../../../output/list-output.js';
import { parseDuration } from '../clock.js';

interface AddFlags extends OutputFlags {
  path: string;
  method?: CreateFaultRequest['method'];
  status?: CreateFaultRequest['status'];
  retryAfter?: number;
  latency?: number;
  drop?: boolean;
  count?: number;
  probability?: number;
  projectId?: string;
  frames?: boolean;
  for?: number;
}

function status(text: string): CreateFaultRequest['status'] {
  const n = Number(text);
  if (!(FAULT_STATUSES as readonly number[]).includes(n)) {
    throw new InvalidArgumentError(`expected one of ${FAULT_STATUSES.join(', ')}`);
  }
  return n as CreateFaultRequest['status'];
}

function method(text: string): CreateFaultRequest['method'] {
  const upper = text.toUpperCase();
  if (!(FAULT_METHODS as readonly string[]).includes(upper)) {
    throw new InvalidArgumentError(`expected one of ${FAULT_METHODS.join(', ')}`);
  }
  return upper as CreateFaultRequest['method'];
}

function probability(text: string): number {
  const p = Number(text);
  if (text.trim() === '' || !(p > 0 && p <= 1)) {
    throw new InvalidArgumentError('expected a number above 0, at most 1');
  }
  return p;
}

export function addCommand(group: Command): Command {
  const command = group
    .command('add')
    .description(
      'script a fault (give --status, --latency or --drop); with --frames, delay the realtime ' +
        'frames sent to live members (--latency)',
    )
    .requiredOption(
      '--path <glob>',
      'request path pattern: * within a segment, ** across (with --frames: ' +
        '/room_sessions/SESSION_ID/members/MEMBER_ID)',
    )
    .option('--frames', 'delay realtime frames to the members --path matches, not requests')
    .option('--method <method>', `${FAULT_METHODS.join(', ')} (default *)`, method)
    .option('--status <status>', `answer this status (${FAULT_STATUSES.join(', ')})`, status)
    .option('--retry-after <seconds>', 'Retry-After of a 429 or 503 (default 1)', wholeNumber)
    .option('--latency <ms>', 'wait this long first', wholeNumber)
    .option('--drop', 'close the connection without answering')
    .option(
      '--count <n>',
      'apply to this many requests (default: until cleared)',
      positiveInteger(1_000_000),
    )
    .option('--probability <p>', 'share of matching requests faulted (default 1)', probability)
    .option('--for <duration>', 'apply for this long, then stop: 30s, 5m', parseDuration)
    .option('--project-id <id>', "only this project's requests (default: every project)")
    .option('--json', 'print the fault as JSON')
    .action(async (flags: AddFlags, cmd: Command) => {
      const fault = await adminClientFor(cmd).emulator.addFault({
        path: flags.path,
        ...(flags.frames ? { target: 'frames' as const } : {}),
        ...(flags.for !== undefined ? { duration_ms: Math.max(1, flags.for) } : {}),
        ...(flags.method ? { method: flags.method } : {}),
        ...(flags.status !== undefined ? { status: flags.status } : {}),
        ...(flags.retryAfter !== undefined ? { retry_after: flags.retryAfter } : {}),
        ...(flags.latency !== undefined ? { latency_ms: flags.latency } : {}),
        ...(flags.drop ? { drop: true } : {}),
        ...(flags.count !== undefined ? { count: flags.count } : {}),
        ...(flags.probability !== undefined ? { probability: flags.probability } : {}),
        ...(flags.projectId ? { project_id: flags.projectId } : {}),
      });
      await printRecord(fault, outputMode(flags));
    });
  return withExamples(command, [
    'conclave emulator faults add --path /api/video/conferences --method POST --status 429 --retry-after 2 --count 1',
    'conclave emulator faults add --path "/api/video/**" --status 503 --probability 0.5 --project-id 2f0c…',
    'conclave emulator faults add --path "/api/video/rooms/*" --latency 2000',
    'conclave emulator faults add --frames --path "/room_sessions/9b1d…/members/*" --latency 800 --for 30s',
  ]);
}
