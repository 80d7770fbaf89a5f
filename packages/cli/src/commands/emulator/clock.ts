import type { EmulatorClock } from '@conclave/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { adminClientFor, withExamples } from '../../command-support.js';
import { resolveSettings, type GlobalFlags } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import { outputMode, type OutputFlags } from '../../output/list-output.js';
import { write } from '../../output/stdout.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `90s`, `15m`, `1h30m`, `250ms`, `2d` → milliseconds; a bare number is seconds (`1.5` = 1500 ms).
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new InvalidArgumentError('expected a duration: 90s, 15m, 1h30m, 250ms, 2d');
  }
  return Math.round(
    parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0),
  );
}

/** `2030-01-01T09:00:00.000Z (frozen; 3 days ahead of the wall clock)` */
export function describeClock(clock: EmulatorClock): string {
  if (clock.offset_ms === undefined) return `${clock.time} (the wall clock)\n`;
  const offset = clock.offset_ms;
  const away =
    offset === 0
      ? 'at the wall clock'
      : `${formatDuration(Math.abs(offset))} ${offset > 0 ? 'ahead of' : 'behind'} the wall clock`;
  return `${clock.time} (${clock.frozen ? 'frozen' : 'running'}; ${away})\n`;
}

/** 93784005 → `1d 2h 3m 4.005s` */
function formatDuration(ms: number): string {
  const parts: string[] = [];
  let left = ms;
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  if (left > 0 || parts.length === 0) parts.push(`${left / 1000}s`);
  return parts.join(' ');
}

export function projectOf(cmd: Command): string {
  const { project } = resolveSettings(cmd.optsWithGlobals<GlobalFlags>(), process.env);
  if (!project) {
    throw new UsageError('a project id is needed (--project or SIGNALWIRE_PROJECT_ID)');
  }
  return project;
}

async function print(clock: EmulatorClock, flags: OutputFlags): Promise<void> {
  if (outputMode(flags) === 'table') await write(describeClock(clock));
  else await write(`${JSON.stringify(clock, null, 2)}\n`);
}

interface SetFlags extends OutputFlags {
  frozen?: boolean;
  running?: boolean;
}

/** `conclave emulator clock …` — the project's test clock (`--project` / SIGNALWIRE_PROJECT_ID). */
export function clockCommands(emulator: Command): void {
  const group = emulator
    .command('clock')
    .description(
      "the project's test clock: freeze, set and advance its time (join windows, removals, " +
        'grace periods and the times on its records follow it); the project is --project or ' +
        'SIGNALWIRE_PROJECT_ID',
    );
  withExamples(group, [
    'conclave emulator clock get',
    'conclave emulator clock set 2030-01-01T09:00:00Z --frozen',
    'conclave emulator clock advance 1h30m',
    'conclave emulator clock reset',
  ]);

  const get = group
    .command('get', { isDefault: true })
    .description("show the project's clock")
    .option('--json', 'print the clock as JSON')
    .action(async (flags: OutputFlags, cmd: Command) => {
      await print(await adminClientFor(cmd).emulator.getClock(projectOf(cmd)), flags);
    });
  withExamples(get, ['conclave emulator clock get', 'conclave emulator clock get --json']);

  const set = group
    .command('set')
    .description('set the clock to a time (RFC 3339); it runs from there unless frozen')
    .argument('<time>', 'RFC 3339 date-time, e.g. 2030-01-01T09:00:00Z')
    .option('--frozen', 'and freeze it there')
    .option('--running', 'and let it run from there')
    .option('--json', 'print the clock as JSON')
    .action(async (time: string, flags: SetFlags, cmd: Command) => {
      if (flags.frozen && flags.running) throw new UsageError('--frozen or --running, not both');
      const clock = await adminClientFor(cmd).emulator.setClock(projectOf(cmd), {
        time,
        ...(flags.frozen ? { frozen: true } : flags.running ? { frozen: false } : {}),
      });
      await print(clock, flags);
    });
  withExamples(set, ['conclave emulator clock set 2030-01-01T09:00:00Z --frozen']);

  const freeze = group
    .command('freeze')
    .description('stop the clock where it is')
    .option('--json', 'print the clock as JSON')
    .action(async (flags: OutputFlags, cmd: Command) => {
      const admin = adminClientFor(cmd);
      await print(await admin.emulator.setClock(projectOf(cmd), { frozen: true }), flags);
    });
  withExamples(freeze, ['conclave emulator clock freeze']);

  const unfreeze = group
    .command('unfreeze')
    .description('let a frozen clock run again, from where it stands')
    .option('--json', 'print the clock as JSON')
    .action(async (flags: OutputFlags, cmd: Command) => {
      const admin = adminClientFor(cmd);
      await print(await admin.emulator.setClock(projectOf(cmd), { frozen: false }), flags);
    });
  withExamples(unfreeze, ['conclave emulator clock unfreeze']);

  const advance = group
    .command('advance')
    .description(
      'move the clock forward; deadlines passed (removals, grace periods) take effect in order',
    )
    .argument('<duration>', '90s, 15m, 1h30m, 250ms, 2d (a bare number is seconds)', parseDuration)
    .option('--json', 'print the clock as JSON')
    .action(async (ms: number, flags: OutputFlags, cmd: Command) => {
      const admin = adminClientFor(cmd);
      await print(await admin.emulator.advanceClock(projectOf(cmd), { ms }), flags);
    });
  withExamples(advance, [
    'conclave emulator clock advance 90s',
    'conclave emulator clock advance 2d',
  ]);

  const reset = group
    .command('reset')
    .description('back to the wall clock')
    .action(async (_flags: object, cmd: Command) => {
      const admin = adminClientFor(cmd);
      const project = projectOf(cmd);
      await admin.emulator.resetClock(project);
      await write(`Project ${project} reads the wall clock again\n`);
    });
  withExamples(reset, ['conclave emulator clock reset']);
}
