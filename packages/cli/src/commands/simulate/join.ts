import type { AdminClient, SimulatedMember } from '@conclave/sdk';
import type { Command } from 'commander';
import { adminClientFor, positiveInteger, withExamples } from '../../command-support.js';
import { parseDuration, projectOf } from '../emulator/clock.js';
import { write } from '../../output/stdout.js';

interface JoinFlags {
  members: number;
  for?: number;
  name?: string;
  room?: boolean;
  media?: boolean;
}

const POLL_MS = 500;

function describe(m: SimulatedMember): string {
  switch (m.state) {
    case 'joined':
      return `${m.name} is back in (${m.id})`;
    case 'reconnecting':
      return `${m.name} lost its connection; its place is kept for the grace period`;
    case 'left':
      return `${m.name} left (${m.left_reason ?? 'left'})`;
  }
}

/** Prints what happens to the members until every one has left (or Ctrl-C makes them leave). */
async function follow(
  admin: AdminClient,
  project: string,
  members: SimulatedMember[],
): Promise<void> {
  const seen = new Map(members.map((m) => [m.id, m]));
  let interrupted = false;
  const leaveAll = () => {
    interrupted = true;
  };
  process.once('SIGINT', leaveAll);
  try {
    while ([...seen.values()].some((m) => m.state !== 'left')) {
      if (interrupted) {
        for (const m of seen.values()) {
          if (m.state !== 'left') {
            await admin.emulator.simulatedMemberAction(project, m.id, 'leave').catch(() => {});
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      for (const now of await admin.emulator.listSimulatedMembers(project)) {
        const before = seen.get(now.id);
        if (!before) continue;
        if (before.state !== now.state || (now.talking && !before.talking)) {
          await write(
            now.talking && !before.talking && now.state === 'joined'
              ? `${now.name} is talking\n`
              : `${describe(now)}\n`,
          );
        }
        seen.set(now.id, now);
      }
    }
  } finally {
    process.off('SIGINT', leaveAll);
  }
}

export function joinCommand(group: Command): Command {
  const command = group
    .command('join')
    .description(
      'simulated members join a conference — or a room, with --room — through the same ' +
        'admission and rules as people, and the command prints what happens to them; with ' +
        '--media each shows a test pattern with its name and plays a tone (at most 4)',
    )
    .argument('<conference>', 'the conference id (the room name with --room)')
    .requiredOption('--members <n>', 'how many', positiveInteger(500))
    .option(
      '--for <duration>',
      "then they leave: 60s, 5m, 1h (on the project's clock)",
      parseDuration,
    )
    .option('--name <prefix>', 'their names: "<prefix> 1", "<prefix> 2" …', 'Simulated')
    .option('--room', 'join the room of this name instead of a conference')
    .option('--media', 'each publishes a moving test pattern with its name and a tone')
    .action(async (target: string, flags: JoinFlags, cmd: Command) => {
      const admin = adminClientFor(cmd);
      const project = projectOf(cmd);
      const forSeconds =
        flags.for === undefined ? undefined : Math.max(1, Math.round(flags.for / 1000));
      const { joined, refused } = await admin.emulator.simulateMembers(project, {
        ...(flags.room ? { room_name: target } : { conference_id: target }),
        count: flags.members,
        name: flags.name ?? 'Simulated',
        ...(forSeconds === undefined ? {} : { for_seconds: forSeconds }),
        ...(flags.media ? { media: true } : {}),
      });
      for (const m of joined) {
        const media = m.tone_hz === null ? '' : ` (test pattern and a ${m.tone_hz} Hz tone)`;
        await write(`${m.name} joined session ${m.room_session_id} as member ${m.id}${media}\n`);
      }
      for (const r of refused) await write(`${r.name} was refused: ${r.reason} (${r.message})\n`);
      await write(`${joined.length} joined, ${refused.length} refused\n`);
      if (forSeconds === undefined || joined.length === 0) return;
      await follow(admin, project, joined);
      await write('Every simulated member has left\n');
    });
  return withExamples(command, [
    'conclave simulate join 2f0c… --members 5 --for 60s',
    'conclave simulate join lobby --room --members 3',
    'conclave simulate join 2f0c… --members 2 --media --for 5m',
  ]);
}
