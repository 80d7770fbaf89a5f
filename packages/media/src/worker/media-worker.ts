/**
 * A media worker: a thread of its own running the routers of the sessions it was given. It talks
 * to the server's thread by messages only (`WorkerCommand` in, `WorkerEvent` out), so a storm of
 * packets here never delays an HTTP answer or a join there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerMessage } from '@conclave/schema';
import {
  emptyCounts,
  type CallAnswerMessage,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerEvent,
} from '../media-types.js';
import { SessionRouter } from './session-router.js';
import { acceptUnverifiedStunResponses } from './stun-response-check.js';

const port = parentPort;
if (!port) throw new Error('media-worker runs as a worker thread');
const config = workerData as WorkerConfig;
const counts = emptyCounts();
const routers = new Map<string, SessionRouter>();
/** Outputs still finishing their files after their session ended ('end'): 'exit' waits for
 *  them as for those of the routers it closes. */
const finishing = new Set<Promise<void>>();

const post = (event: WorkerEvent) => port.postMessage(event);

acceptUnverifiedStunResponses();

// werift raises some errors from timers and socket callbacks; they concern one connection, and
// must not end every session of this worker.
process.on('uncaughtException', () => {
  counts.errors++;
});
process.on('unhandledRejection', () => {
  counts.errors++;
});

function router(session: string): SessionRouter {
  let r = routers.get(session);
  if (!r) {
    r = new SessionRouter(session, config, counts, {
      send: (member, message: ServerMessage | CallAnswerMessage) =>
        post({ ev: 'send', session, member, text: JSON.stringify(message) }),
      talking: (member, talking) => post({ ev: 'talking', session, member, talking }),
      output: (output, event) => post({ ev: 'output', session, output, event }),
      outputPid: (output, pid) => post({ ev: 'output.pid', session, output, pid }),
      syntheticPid: (member, pid) => post({ ev: 'synthetic.pid', session, member, pid }),
    });
    routers.set(session, r);
    counts.sessions++;
  }
  return r;
}

port.on('message', (command: WorkerCommand) => {
  try {
    switch (command.op) {
      case 'join':
        router(command.session).join(command.member, command.state);
        return;
      case 'update':
        routers.get(command.session)?.update(command.member, command.state);
        return;
      case 'leave': {
        const r = routers.get(command.session);
        if (!r) return;
        r.leave(command.member);
        return;
      }
      case 'end': {
        const r = routers.get(command.session);
        if (!r) return;
        for (const output of r.outputs.values()) {
          finishing.add(output.finished);
          void output.finished.then(() => finishing.delete(output.finished));
        }
        r.close();
        routers.delete(command.session);
        counts.sessions--;
        return;
      }
      case 'handle':
        routers.get(command.session)?.handle(command.member, command.message);
        return;
      case 'call':
        routers.get(command.session)?.call(command.member, command.ref, command.sdp);
        return;
      case 'show':
        routers.get(command.session)?.show(command.member, command.featured);
        return;
      case 'output.start':
        router(command.session).startOutput(command.spec);
        return;
      case 'output.show':
        routers.get(command.session)?.showOutput(command.output, command.featured);
        return;
      case 'output.stop':
        routers.get(command.session)?.stopOutput(command.output);
        return;
      case 'synthetic':
        routers.get(command.session)?.synthetic(command.member, command.spec);
        return;
      case 'stats':
        post({ ev: 'stats', ask: command.ask, counts: { ...counts } });
        return;
      case 'exit': {
        // Sockets are closed before the thread ends: ending a thread while its UDP sockets
        // receive can abort the whole process (seen with Node 20's worker.terminate()). Outputs
        // finish their files first (a drill or a crash-like exit reports them failed), those of
        // sessions ended just before included.
        const closing: Promise<unknown>[] = [...finishing];
        let outputs = finishing.size;
        const failure = command.code === 0 ? undefined : 'the media worker was restarted';
        for (const r of routers.values()) {
          outputs += r.outputs.size;
          closing.push(...r.close(failure));
        }
        routers.clear();
        const exit = () => process.exit(command.code);
        void Promise.allSettled(closing).then(() => setTimeout(exit, 50));
        setTimeout(exit, 1000 + (outputs > 0 ? config.outputs.stopTimeoutMs + 2000 : 0)).unref();
        return;
      }
    }
  } catch {
    counts.errors++;
  }
});

post({ ev: 'ready' });
