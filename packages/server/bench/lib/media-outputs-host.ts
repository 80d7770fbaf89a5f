/**
 * The outputs run's media engine, in a process of its own (so /proc measures it alone): a
 * `WorkerMediaEngine` with one worker, driven by the bench over the fork IPC channel. Calls from
 * the bench's Chromium pages go through `call`; answers and output events come back as messages.
 */
import { WorkerMediaEngine, type OutputSpec } from '@conclave/media';

type Command =
  | { op: 'join'; session: string; member: string }
  | { op: 'call'; session: string; member: string; ref: string; sdp: string }
  | { op: 'show'; session: string; member: string; featured: string | null }
  | { op: 'start'; session: string; spec: OutputSpec }
  | { op: 'showOutput'; session: string; id: string; featured: string | null }
  | { op: 'stop'; session: string; id: string }
  | { op: 'stats' }
  | { op: 'close' };

const send = (message: unknown) => process.send?.(message);
const engine = new WorkerMediaEngine(
  {
    workers: 1,
    addresses: ['127.0.0.1'],
    portRange: undefined,
    iceServers: [],
    keyframeIntervalMs: 500,
  },
  {
    send: (_session, member, text) => send({ type: 'send', member, text }),
    talking: () => undefined,
    output: (_session, id, event) => send({ type: 'output', id, event }),
  },
);
send({ type: 'ready', outputsUnavailable: engine.outputsUnavailable });

process.on('message', (command: Command) => {
  switch (command.op) {
    case 'join':
      engine.join(command.session, command.member, {
        canPublish: true,
        audioMuted: false,
        videoMuted: false,
        deaf: false,
      });
      return;
    case 'call':
      engine.call(command.session, command.member, command.ref, command.sdp);
      return;
    case 'show':
      engine.show(command.session, command.member, command.featured);
      return;
    case 'start':
      engine.startOutput(command.session, command.spec);
      return;
    case 'showOutput':
      engine.showOutput(command.session, command.id, command.featured);
      return;
    case 'stop':
      engine.stopOutput(command.session, command.id);
      return;
    case 'stats':
      void engine.stats().then((stats) => send({ type: 'stats', stats: stats.total }));
      return;
    case 'close':
      void engine.close().then(() => process.exit(0));
      return;
  }
});
