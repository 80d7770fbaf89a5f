/**
 * `GET /api/video/realtime`: the WebSocket endpoint of the realtime protocol (docs/realtime-protocol.md).
 * This file is the transport — frames in and out, validation, rate and time limits, heartbeats;
 * the decisions are LiveEngine's.
 */
import websocket from '@fastify/websocket';
import {
  CLIENT_MESSAGES,
  CLOSE_CODES,
  ErrorBody,
  REALTIME_MAX_FRAME_BYTES,
  REALTIME_MAX_SIGNAL_BYTES,
  REALTIME_PATH,
  REALTIME_SUBPROTOCOL,
  type ClientMessage,
  type MediaClientMessage,
  type RealtimeErrorCode,
} from '@conclave/schema';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/responses.js';
import { Refused, refusedMessage } from './admission.js';
import { ActionError, type LiveEngine, type Membership, type Peer } from './live-engine.js';
import { LiveSocket, MAX_DEPTH, tooDeep } from './live-socket.js';
import {
  FORWARDED_HEADER,
  forwardedHops,
  type ForwardedLink,
} from '../cluster/realtime-forward.js';
import type { WebSocket } from 'ws';

export interface RealtimeLimits {
  /** Ping every so often; a connection that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /** A connection must send `join` within this time. */
  joinTimeoutMs: number;
  /** Frames per second a connection may send (bursts of twice that). */
  framesPerSecond: number;
}

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats.default(ajv, ['uuid']);
type SignalFrame = Extract<ClientMessage, { type: 'signal' }>;

const validators = new Map<string, ValidateFunction>(
  Object.entries(CLIENT_MESSAGES).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** Actions that write or reach everyone, counted against ACTIONS_PER_SECOND. */
const ACTIONS = new Set([
  'member.update',
  'member.remove',
  'layout.set',
  'session.lock',
  'recording.start',
  'recording.stop',
  'chat',
  // Each makes the media worker parse and negotiate.
  'media.publish',
  'media.subscribe',
  'media.stop',
]);

type Parsed =
  | { ok: true; message: ClientMessage; bytes: number }
  | { ok: false; error: string; ref?: string | undefined };

function parse(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, error: 'frames are JSON text' };
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  if (tooDeep(buffer)) return { ok: false, error: `nested deeper than ${MAX_DEPTH} levels` };
  const text = buffer.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'a frame is a JSON object' };
  }
  const { type, id } = value as { type?: unknown; id?: unknown };
  // The request id, when there is a usable one, so the error answers its request.
  const ref = typeof id === 'string' && id.length <= 100 ? id : undefined;
  const validate = typeof type === 'string' ? validators.get(type) : undefined;
  if (!validate) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 50)) : typeof type;
    return { ok: false, error: `unknown type ${shown}`, ref };
  }
  if (!validate(value)) {
    const e = validate.errors?.[0];
    const where = e?.instancePath || '/';
    return { ok: false, error: `${type}: ${where} ${e?.message ?? 'invalid'}`, ref };
  }
  return { ok: true, message: value as ClientMessage, bytes: buffer.length };
}

class Connection extends LiveSocket implements Peer {
  alive = true;
  /** Carried on to the node hosting its session (several nodes): frames pass through. */
  link: ForwardedLink | undefined;
  /** Opened by another node for its client: served here, never sent on (but see `via`). */
  forwarded = false;
  /** The nodes that carried it here (`FORWARDED_HEADER`), when forwarded. */
  via: string | undefined;
  membership: Membership | undefined;
  joining = false;
  joinTimer: NodeJS.Timeout | undefined;

  reply(ref: string | undefined, error?: { code: RealtimeErrorCode; message: string }): void {
    if (error) this.send(JSON.stringify({ type: 'error', ...(ref ? { ref } : {}), ...error }));
    else if (ref !== undefined) this.send(JSON.stringify({ type: 'ack', ref }));
  }
}

/** Where a join belongs when several nodes serve (`ClusterNode`); undefined: here. `again`:
 *  asked after this node was refused the session (the registry is read afresh). */
export interface JoinRouter {
  place(token: string, again?: boolean): Promise<string | undefined>;
  /** What this node has lost, if anything: then it admits nobody new. */
  unavailable(): 'database' | 'bus' | undefined;
  forward(client: WebSocket, target: string, first: string, via?: string): ForwardedLink;
}

/** The words sent before a join refused by a node cut off (close 1013 `unavailable`). */
const UNAVAILABLE = {
  database: 'this node cannot reach its database; join again (another node may take you)',
  bus: 'this node cannot reach the other nodes (its message bus); join again',
};

export async function realtimeRoutes(
  app: FastifyInstance,
  engine: LiveEngine,
  limits: RealtimeLimits,
  router?: JoinRouter,
): Promise<void> {
  const connections = new Set<Connection>();

  await app.register(websocket, {
    options: {
      maxPayload: REALTIME_MAX_FRAME_BYTES,
      handleProtocols: (protocols) =>
        protocols.has(REALTIME_SUBPROTOCOL) ? REALTIME_SUBPROTOCOL : false,
    },
    // Sessions end (and their writes land) before the connections go: nobody is left in-progress.
    preClose: async function (this: FastifyInstance) {
      await engine.stop();
      for (const c of connections) c.close(1001, 'server shutting down');
      this.websocketServer.close();
    },
  });

  const heartbeat = setInterval(() => {
    for (const c of connections) {
      if (!c.alive) {
        // Told why if it can still hear; cut off either way.
        c.close(CLOSE_CODES.heartbeat_timeout, 'heartbeat_timeout');
        setTimeout(() => c.socket.terminate(), 1000).unref();
        connections.delete(c);
        void c.chain.then(() => {
          if (c.membership) engine.dropped(c.membership, c);
        });
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }, limits.heartbeatMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  /**
   * A signal: relayed at once (no database step). Its data is measured exactly only when the
   * whole frame is over the limit, since the frame's JSON is never shorter than the data's.
   */
  const relay = (c: Connection, membership: Membership, message: SignalFrame, bytes: number) => {
    if (
      bytes > REALTIME_MAX_SIGNAL_BYTES &&
      Buffer.byteLength(JSON.stringify(message.data ?? null)) > REALTIME_MAX_SIGNAL_BYTES
    ) {
      c.reply(message.id, { code: 'too_large', message: 'signal data is over 64 KiB' });
      return;
    }
    const outcome = engine.handle(membership, message);
    if (outcome instanceof ActionError) {
      c.reply(message.id, { code: outcome.code, message: outcome.message });
    } else {
      c.reply(message.id);
    }
  };

  const dispatch = async (c: Connection, message: ClientMessage, bytes: number): Promise<void> => {
    // Frames queued behind a close speak for nobody — but a `leave` sent before it still counts.
    if (!c.open && message.type !== 'leave') return;
    if (message.type === 'join') {
      if (c.membership || c.joining) {
        c.close(CLOSE_CODES.bad_message, 'bad_message');
        return;
      }
      c.joining = true;
      clearTimeout(c.joinTimer);
      // Cut off from its database or its bus, this node admits nobody new (closed 1013, join
      // again: the load balancer's /readyz check sends the client elsewhere); a member within its
      // grace period still takes its place back.
      const cutOff = router?.unavailable();
      if (cutOff) {
        const resumed =
          message.resume_token === undefined
            ? undefined
            : engine.resume(c, message.token, message.resume_token, () => c.open);
        c.joining = false;
        if (!resumed) {
          c.reply(message.id, { code: 'unavailable', message: UNAVAILABLE[cutOff] });
          c.close(1013, 'unavailable');
          return;
        }
        c.membership = resumed;
        if (!c.open) engine.dropped(resumed, c);
        else if (message.id !== undefined) c.reply(message.id);
        return;
      }
      if (router && !c.forwarded) {
        const target = await router.place(message.token);
        if (target && c.open) {
          c.link = router.forward(c.socket, target, JSON.stringify(message));
          return;
        }
      }
      try {
        c.membership = await engine.join(c, message, () => c.open);
      } catch (error) {
        if (
          error instanceof Refused &&
          error.reason === 'hosted_elsewhere' &&
          router &&
          forwardedHops(c.via) < 2 &&
          c.open
        ) {
          // Another node opened the session at the same moment and won: join there instead (a
          // join another node carried here goes on too, once: the winner serves it).
          const target = await router.place(message.token, true).catch(() => undefined);
          if (target && c.open) {
            c.link = router.forward(c.socket, target, JSON.stringify(message), c.via);
            return;
          }
        }
        if (error instanceof Refused) {
          // Why, in words and times, before the close (whose reason is one word).
          const refused = refusedMessage(error);
          if (refused) c.send(JSON.stringify(refused));
          c.close(error.code ?? CLOSE_CODES[error.reason], error.closeReason ?? error.reason);
        } else {
          app.log.error({ err: error }, 'realtime join failed');
          c.close(1011, 'unavailable');
        }
        return;
      } finally {
        c.joining = false;
      }
      // Closed while joining: its place is kept for the grace period, as for any drop.
      if (!c.open) engine.dropped(c.membership, c);
      else if (message.id !== undefined) c.reply(message.id);
      return;
    }
    const membership = c.membership;
    if (!membership) {
      c.close(CLOSE_CODES.bad_message, 'bad_message');
      return;
    }
    if (!engine.isCurrent(membership, c)) {
      // Replaced by a resume on another connection, or removed: this one speaks for nobody.
      c.membership = undefined;
      c.close(CLOSE_CODES.replaced, 'replaced');
      return;
    }
    if (message.type === 'leave') {
      c.membership = undefined;
      await engine.leave(membership);
      c.close(1000, 'left');
      return;
    }
    if (ACTIONS.has(message.type) && !c.actions.take()) {
      c.close(CLOSE_CODES.rate_limited, 'rate_limited');
      return;
    }
    if (message.type === 'signal') {
      relay(c, membership, message, bytes);
      return;
    }
    if (message.type === 'recording.start') {
      const started = await engine.startRecording(membership);
      if (started instanceof ActionError) {
        c.reply(message.id, { code: started.code, message: started.message });
      } else if (message.id !== undefined) {
        c.send(JSON.stringify({ type: 'ack', ref: message.id, recording_id: started.id }));
      }
      return;
    }
    if (message.type === 'recording.stop') {
      const refused = engine.stopRecording(membership, message.recording_id);
      if (refused) c.reply(message.id, { code: refused.code, message: refused.message });
      else c.reply(message.id);
      return;
    }
    if (message.type.startsWith('media.')) {
      // The media engine answers (media.answer, ack or error); only a refusal is ours.
      const refused = engine.handleMedia(membership, message as MediaClientMessage);
      if (refused) c.reply(message.id, { code: refused.code, message: refused.message });
      return;
    }
    const outcome = engine.handle(
      membership,
      message as Exclude<
        ClientMessage,
        { type: 'join' | 'leave' | 'signal' | `recording.${string}` } | MediaClientMessage
      >,
    );
    if (outcome instanceof ActionError) {
      c.reply(message.id, { code: outcome.code, message: outcome.message });
    } else if (outcome && !(await outcome)) {
      c.reply(message.id, { code: 'unavailable', message: 'could not be recorded' });
    } else {
      c.reply(message.id);
    }
  };

  app.route({
    method: 'GET',
    url: REALTIME_PATH,
    schema: {
      tags: ['Realtime'],
      security: [],
      operationId: 'realtime_connect',
      summary: 'Join a live session (WebSocket)',
      description:
        'Upgrade to a WebSocket and speak the realtime protocol, version 1 ' +
        '(docs/realtime-protocol.md in the repository): the first frame is ' +
        '`{"type":"join","token":…}` with a conference token or a room token. The token is ' +
        'the credential; no Authorization header is needed.',
      response: {
        101: { description: 'Switching Protocols: the realtime protocol follows' },
        426: { ...ErrorBody, description: 'A plain HTTP request: upgrade to WebSocket' },
        ...errorResponses(),
      },
    },
    // A plain HTTP request here is told to upgrade.
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket');
      throw new HttpError(426);
    },
    wsHandler: (socket, request) => {
      const c = new Connection(socket, limits.framesPerSecond);
      const via = request.headers[FORWARDED_HEADER];
      c.forwarded = forwardedHops(via) > 0;
      c.via = Array.isArray(via) ? via.join(',') : via;
      connections.add(c);
      c.joinTimer = setTimeout(() => {
        if (!c.membership && !c.joining) c.close(CLOSE_CODES.join_timeout, 'join_timeout');
      }, limits.joinTimeoutMs);
      socket.on('pong', () => {
        c.alive = true;
      });
      /** Runs `step` after every frame before it (frames are handled in the order sent). */
      const enqueue = (step: () => Promise<void> | void) =>
        c.enqueue(step, (error: unknown) => {
          request.log.error({ err: error }, 'realtime frame failed');
          c.close(1011, 'unavailable');
        });
      const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        c.alive = true;
        if (!c.frames.take()) {
          c.close(CLOSE_CODES.rate_limited, 'rate_limited');
          return;
        }
        if (c.link) {
          // The hosting node validates and answers.
          if (!isBinary)
            c.link.send(
              Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer),
            );
          return;
        }
        const parsed = parse(data, isBinary);
        if (!parsed.ok) {
          // Before joining, a bad frame ends the connection; after, it is answered (in turn).
          if (!c.membership && !c.joining) c.close(CLOSE_CODES.bad_message, 'bad_message');
          else enqueue(() => c.reply(parsed.ref, { code: 'bad_message', message: parsed.error }));
          return;
        }
        // The hot path: a signal with nothing ahead of it is relayed synchronously.
        if (
          parsed.message.type === 'signal' &&
          c.queued === 0 &&
          c.membership &&
          engine.isCurrent(c.membership, c)
        ) {
          relay(c, c.membership, parsed.message, parsed.bytes);
          return;
        }
        const { message, bytes } = parsed;
        enqueue(() => dispatch(c, message, bytes));
      };
      socket.on('message', (data, isBinary) => {
        // Nothing a client sends may throw out of a socket listener (it would end the process).
        try {
          onMessage(data, isBinary);
        } catch (error) {
          request.log.error({ err: error }, 'realtime frame failed');
          c.close(1011, 'unavailable');
        }
      });
      socket.on('close', (code) => {
        connections.delete(c);
        clearTimeout(c.joinTimer);
        c.link?.clientClosed(code);
        // After the frames already received (a `leave` among them still counts as one).
        void c.chain.then(() => {
          if (c.membership) engine.dropped(c.membership, c);
        });
      });
      socket.on('error', (error) => {
        request.log.debug({ err: error }, 'realtime socket error');
      });
    },
  });
}
