/**
 * `GET /api/video/relay`: the WebSocket endpoint SignalWire's browser SDK (`@signalwire/js` 3.x)
 * speaks to — JSON-RPC 2.0 with `signalwire.connect`, `signalwire.event`, Verto messages wrapped
 * in `video.message`, and the room methods. A translation layer over LiveEngine: a relay member
 * is an ordinary member of the same sessions, under the same rules, records and events as
 * Conclave's own `/api/video/realtime`. This file is the transport — framing, limits, liveness,
 * `signalwire.connect`; a client's state is RelayClient's, the room methods sw-methods'.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CLOSE_CODES, ErrorBody } from '@conclave/schema';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { RoomTokenRejected, verifyRoomToken, type RoomTokenGrants } from '../auth/room-tokens.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/responses.js';
import { admit, Refused, type Ticket } from '../realtime/admission.js';
import type { LiveEngine } from '../realtime/live-engine.js';
import { LiveSocket, MAX_DEPTH, tooDeep } from '../realtime/live-socket.js';
import type { Store } from '../store/store.js';
import { RelayClient, type RelayLink } from './relay-client.js';
import { RelayHub } from './relay-hub.js';
import { RELAY_PATH } from './relay-url.js';
import { BadParams, METHODS } from './sw-methods.js';
import {
  failed,
  refusalError,
  rpcError,
  rpcRequest,
  rpcResult,
  RPC_ERRORS,
  swAuthorization,
  swEvent,
  vertoReply,
  type JsonObject,
  type RpcError,
} from './sw-wire.js';
import { FORWARDED_HEADER, type ForwardedLink } from '../cluster/realtime-forward.js';
import type { JoinRouter } from '../realtime/realtime-routes.js';

export interface RelayLimits {
  /** `signalwire.ping` this often once connected; a client silent since the last one is dropped. */
  pingMs: number;
  /** A connection must send `signalwire.connect` within this time. */
  connectTimeoutMs: number;
  /** Frames per second a connection may send (bursts of twice that). */
  framesPerSecond: number;
  /** Connected relay sockets one project may have at once. */
  maxConnectionsPerProject: number;
  /** A dropped member's place is kept this long (LiveEngine's grace period). */
  graceMs: number;
}

/**
 * Frames larger than this are answered `-32600` (the socket stays open). The shared WebSocket
 * transport cuts frames over 128 KiB (close 1009), as for the realtime endpoint. An offer SDP is
 * at most 64 KiB (the media engine's limit), so an invite fits.
 */
export const RELAY_MAX_FRAME_BYTES = 96 * 1024;
/** Room methods that only read: not counted against ACTIONS_PER_SECOND. */
const READS = new Set([
  'video.members.get',
  'video.list_available_layouts',
  'video.recording.list',
  'video.playback.list',
  'video.stream.list',
]);
const MAX_TOKEN_LENGTH = 8192;
const MAX_ID_LENGTH = 100;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined &&
    (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}

/** One socket. */
class RelaySocket extends LiveSocket implements RelayLink {
  client: RelayClient | undefined;
  /** The project counted for this socket (once connected). */
  project: string | undefined;
  /** Heard from since the last ping. */
  heard = true;
  connectTimer: NodeJS.Timeout | undefined;
  connecting = false;
  /** Carried on to the node hosting its session (several nodes): frames pass through. */
  link: ForwardedLink | undefined;
  /** Opened by another node for its client: served here, never sent on. */
  forwarded = false;

  constructor(
    socket: WebSocket,
    framesPerSecond: number,
    readonly loopback: boolean,
  ) {
    super(socket, framesPerSecond);
  }

  reply(id: unknown, result: unknown): void {
    if (id !== undefined) this.send(rpcResult(id, result));
  }

  fail(id: unknown, error: RpcError): void {
    this.send(rpcError(id, error));
  }
}

export async function relayRoutes(
  app: FastifyInstance,
  engine: LiveEngine,
  store: Store,
  limits: RelayLimits,
  /** Shared with what else reads pins (recordings and streams). */
  hub = new RelayHub(),
  /** Several nodes: where a connect belongs (see realtime-routes' JoinRouter). */
  router?: JoinRouter,
): Promise<void> {
  const sockets = new Set<RelaySocket>();
  const perProject = new Map<string, number>();

  const ping = setInterval(() => {
    for (const c of sockets) {
      if (!c.client) continue;
      if (!c.heard) {
        c.close(CLOSE_CODES.heartbeat_timeout, 'heartbeat_timeout');
        setTimeout(() => c.socket.terminate(), 1000).unref();
        continue;
      }
      c.heard = false;
      c.send(rpcRequest('signalwire.ping', { timestamp: Date.now() / 1000 }));
    }
  }, limits.pingMs);
  ping.unref();
  app.addHook('onClose', async () => clearInterval(ping));
  // After the live sessions ended (their members were told): the sockets go.
  app.addHook('preClose', async () => {
    for (const c of sockets) c.close(1001, 'server shutting down');
  });

  const count = (c: RelaySocket, projectId: string): boolean => {
    if (c.project === projectId) return true;
    const n = perProject.get(projectId) ?? 0;
    if (n >= limits.maxConnectionsPerProject) return false;
    perProject.set(projectId, n + 1);
    c.project = projectId;
    return true;
  };
  const uncount = (c: RelaySocket) => {
    if (c.project === undefined) return;
    const n = (perProject.get(c.project) ?? 1) - 1;
    if (n <= 0) perProject.delete(c.project);
    else perProject.set(c.project, n);
    c.project = undefined;
  };
  const tooMany: RpcError = {
    code: CLOSE_CODES.rate_limited,
    message: 'this project has too many relay connections',
    data: { reason: 'too_many_connections' },
  };

  /** `signalwire.authorization.state`: an opaque value the SDK keeps and sends back. */
  const authorizationState = (c: RelaySocket, client: RelayClient) =>
    c.send(
      swEvent('signalwire.authorization.state', `conclave.${client.protocol}`, client.projectId, {
        authorization_state: createHash('sha256').update(client.protocol).digest('base64url'),
      }),
    );

  const connected = (c: RelaySocket, id: unknown, client: RelayClient) => {
    c.client = client;
    c.heard = true;
    clearTimeout(c.connectTimer);
    c.reply(id, client.connectResult);
    authorizationState(c, client);
  };

  async function connect(c: RelaySocket, id: unknown, params: JsonObject): Promise<void> {
    const authentication = params.authentication;
    const token = isObject(authentication) ? authentication.jwt_token : undefined;
    const protocol = params.protocol;
    if (
      typeof token !== 'string' ||
      token.length === 0 ||
      token.length > MAX_TOKEN_LENGTH ||
      (protocol !== undefined && typeof protocol !== 'string')
    ) {
      c.fail(id, { ...RPC_ERRORS.invalidParams, message: 'authentication.jwt_token is required' });
      return;
    }
    if (c.client) {
      if (c.client.holds(token)) c.reply(id, c.client.connectResult);
      else c.fail(id, RPC_ERRORS.alreadyConnected);
      return;
    }
    if (protocol) {
      // A reconnect: the same client (and member) again, or the SDK must start afresh.
      const client = hub.byProtocol(protocol);
      if (!client?.holds(token)) {
        c.fail(id, RPC_ERRORS.staleProtocol);
        return;
      }
      if (!count(c, client.projectId)) {
        c.fail(id, tooMany);
        return;
      }
      if (!client.attach(c)) {
        hub.forget(client);
        uncount(c);
        c.fail(id, RPC_ERRORS.staleProtocol);
        return;
      }
      connected(c, id, client);
      return;
    }
    let ticket: Ticket;
    let grants: RoomTokenGrants | undefined;
    try {
      ticket = await admit(store, token);
      engine.check(ticket);
      if (!token.startsWith('vpt_')) grants = await verifyRoomToken(store, token);
    } catch (error) {
      if (error instanceof Refused) {
        c.fail(id, refusalError(error));
        return;
      }
      if (error instanceof RoomTokenRejected) {
        c.fail(id, refusalError(new Refused('invalid_token', error.message)));
        return;
      }
      throw error;
    }
    if (!c.open) return;
    if (!count(c, ticket.projectId)) {
      c.fail(id, tooMany);
      return;
    }
    // The SDK reuses a protocol only if its second `_`-separated part is the signature.
    const signature = createHash('sha256').update(token).digest('hex').slice(0, 32);
    const random = randomBytes(16).toString('hex');
    const issued = `signalwire_${signature}_${random}`;
    const result = {
      identity: `${random}@conclave`,
      protocol: issued,
      // Non-empty ICE servers make the SDK insist on server-reflexive candidates in its offer.
      ice_servers: c.loopback ? [] : engine.media.iceServers,
      authorization: swAuthorization(ticket, grants, signature),
    };
    const client = new RelayClient(
      engine,
      hub,
      issued,
      token,
      ticket,
      grants,
      result,
      limits.graceMs,
    );
    hub.register(client);
    client.attach(c);
    connected(c, id, client);
  }

  /** `video.message`: a Verto message for the client's call. */
  async function verto(c: RelaySocket, id: unknown, params: JsonObject): Promise<void> {
    const client = c.client!;
    const message = params.message;
    if (!isObject(message)) {
      c.fail(id, { ...RPC_ERRORS.invalidParams, message: 'message is a Verto JSON-RPC object' });
      return;
    }
    if (message.method === undefined) {
      // The SDK's answer to a Verto request of ours (verto.answer, verto.bye …): acknowledged.
      c.reply(id, {});
      return;
    }
    const vertoParams = isObject(message.params) ? message.params : {};
    const dialog = isObject(vertoParams.dialogParams) ? vertoParams.dialogParams : {};
    const callId = dialog.callID ?? vertoParams.callID ?? params.callID;
    const validCall = typeof callId === 'string' && callId.length > 0 && callId.length <= 100;
    switch (message.method) {
      case 'verto.invite': {
        const sdp = vertoParams.sdp;
        if (!validCall || typeof sdp !== 'string' || sdp.length === 0) {
          c.fail(id, {
            ...RPC_ERRORS.invalidParams,
            message: 'verto.invite needs dialogParams.callID and sdp',
          });
          return;
        }
        if (dialog.screenShare === true || dialog.additionalDevice === true) {
          c.fail(id, {
            ...RPC_ERRORS.notSupported,
            message: 'screen sharing and additional devices are not supported by this server yet',
            data: { reason: 'not_supported' },
          });
          return;
        }
        const name = dialog.caller_id_name;
        await client.invite(
          c,
          message.id,
          callId,
          sdp,
          typeof name === 'string' && name.length > 0 && name.length <= 200 ? name : undefined,
          (outcome) => {
            if ('error' in outcome) c.fail(id, outcome.error);
            else c.reply(id, outcome.result);
          },
        );
        return;
      }
      case 'verto.bye': {
        if (!validCall) {
          c.fail(id, { ...RPC_ERRORS.invalidParams, message: 'verto.bye needs a callID' });
          return;
        }
        client.bye(callId);
        c.reply(id, vertoReply(message.id, 'CALL ENDED', callId));
        return;
      }
      default: {
        const method = typeof message.method === 'string' ? message.method.slice(0, 50) : '?';
        c.fail(id, { ...RPC_ERRORS.methodNotFound, message: `${method} is not supported` });
      }
    }
  }

  async function dispatch(c: RelaySocket, frame: JsonObject): Promise<void> {
    const { id, method } = frame;
    const params = frame.params === undefined ? {} : frame.params;
    if (method === 'signalwire.connect') {
      if (!isObject(params)) {
        c.fail(id, RPC_ERRORS.invalidParams);
        return;
      }
      c.connecting = true;
      // A client whose room is live on another node (or placed there) is carried on to it; so
      // is an SDK reconnect whose client this node does not hold.
      const authentication = params.authentication;
      const token = isObject(authentication) ? authentication.jwt_token : undefined;
      const protocol = params.protocol;
      // Cut off from its database or its bus, this node admits nobody new (a client it holds
      // still reconnects to its place).
      if (
        router?.unavailable() &&
        !c.client &&
        !(typeof protocol === 'string' && hub.byProtocol(protocol))
      ) {
        c.connecting = false;
        c.fail(id, {
          ...RPC_ERRORS.internal,
          message: 'This node cannot reach its database or the other nodes: connect again',
          data: { reason: 'unavailable' },
        });
        c.close(1013, 'unavailable');
        return;
      }
      if (
        router &&
        !c.forwarded &&
        !c.client &&
        typeof token === 'string' &&
        token.length <= MAX_TOKEN_LENGTH &&
        (typeof protocol !== 'string' || !hub.byProtocol(protocol))
      ) {
        const target = await router.place(token);
        if (target && c.open) {
          clearTimeout(c.connectTimer);
          c.link = router.forward(c.socket, target, JSON.stringify(frame));
          c.connecting = false;
          return;
        }
      }
      try {
        await connect(c, id, params);
      } finally {
        c.connecting = false;
      }
      return;
    }
    const client = c.client;
    if (!client || client.link !== c) {
      c.fail(id, RPC_ERRORS.notConnected);
      return;
    }
    if (!isObject(params)) {
      c.fail(id, { ...RPC_ERRORS.invalidParams, message: 'params is an object' });
      return;
    }
    if (method === 'video.message') {
      await verto(c, id, params);
      return;
    }
    if (method === 'signalwire.ping') {
      c.reply(id, { timestamp: Date.now() / 1000 });
      return;
    }
    if (method === 'signalwire.disconnect') {
      c.reply(id, {});
      return;
    }
    // Own properties only: `constructor` or `toString` are not methods.
    const handler =
      typeof method === 'string' && Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) {
      const shown = typeof method === 'string' ? method.slice(0, 50) : typeof method;
      c.fail(id, { ...RPC_ERRORS.methodNotFound, message: `Method not found: ${shown}` });
      return;
    }
    if (!client.inRoom) {
      c.fail(id, RPC_ERRORS.notInRoom);
      return;
    }
    const roomSessionId = params.room_session_id;
    if (roomSessionId !== undefined && roomSessionId !== client.sessionId) {
      c.reply(id, failed('404', 'not the room session of this connection'));
      return;
    }
    if (!READS.has(method as string) && !c.actions.take()) {
      c.reply(id, failed('429', 'too many requests: at most 20 a second'));
      return;
    }
    try {
      c.reply(id, await handler({ engine, hub, client, params }));
    } catch (error) {
      if (!(error instanceof BadParams)) throw error;
      c.fail(id, { ...RPC_ERRORS.invalidParams, message: error.message });
    }
  }

  app.route({
    method: 'GET',
    url: RELAY_PATH,
    // SignalWire's relay protocol, not part of the Video REST API's OpenAPI surface.
    schema: {
      hide: true,
      response: {
        426: { ...ErrorBody, description: 'A plain HTTP request: upgrade to WebSocket' },
        ...errorResponses(),
      },
    },
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket');
      throw new HttpError(426);
    },
    wsHandler: (socket, request) => {
      const c = new RelaySocket(
        socket,
        limits.framesPerSecond,
        isLoopback(request.socket.remoteAddress),
      );
      c.forwarded = request.headers[FORWARDED_HEADER] !== undefined;
      sockets.add(c);
      c.connectTimer = setTimeout(() => {
        if (!c.client && !c.connecting && !c.link) {
          c.close(CLOSE_CODES.join_timeout, 'join_timeout');
        }
      }, limits.connectTimeoutMs);
      const log: FastifyBaseLogger = request.log;
      const enqueue = (step: () => Promise<void> | void) =>
        c.enqueue(step, (error: unknown) => {
          log.error({ err: error }, 'relay frame failed');
        });
      const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        c.heard = true;
        if (!c.frames.take()) {
          c.close(CLOSE_CODES.rate_limited, 'rate_limited');
          return;
        }
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (c.link) {
          // The hosting node validates and answers.
          if (!isBinary) c.link.send(buffer);
          return;
        }
        if (isBinary) {
          c.fail(null, { ...RPC_ERRORS.invalidRequest, message: 'frames are JSON text' });
          return;
        }
        if (buffer.length > RELAY_MAX_FRAME_BYTES) {
          c.fail(null, {
            ...RPC_ERRORS.invalidRequest,
            message: `a frame is at most ${RELAY_MAX_FRAME_BYTES / 1024} KiB`,
          });
          return;
        }
        if (tooDeep(buffer)) {
          c.fail(null, {
            ...RPC_ERRORS.invalidRequest,
            message: `nested deeper than ${MAX_DEPTH} levels`,
          });
          return;
        }
        let frame: unknown;
        try {
          frame = JSON.parse(buffer.toString('utf8'));
        } catch {
          c.fail(null, RPC_ERRORS.parse);
          return;
        }
        if (!isObject(frame)) {
          c.fail(null, { ...RPC_ERRORS.invalidRequest, message: 'a frame is one JSON-RPC object' });
          return;
        }
        const { id, method } = frame;
        const usableId =
          (typeof id === 'string' && id.length <= MAX_ID_LENGTH) ||
          (typeof id === 'number' && Number.isFinite(id));
        if (method === undefined) {
          // A response: the SDK's ack of an event, its answer to a ping. Nothing to do.
          return;
        }
        if (!usableId || typeof method !== 'string') {
          c.fail(usableId ? id : null, {
            ...RPC_ERRORS.invalidRequest,
            message: 'a request has a string method and a string or number id',
          });
          return;
        }
        enqueue(async () => {
          try {
            await dispatch(c, frame as JsonObject);
          } catch (error) {
            log.error({ err: error }, 'relay request failed');
            c.fail(id, RPC_ERRORS.internal);
          }
        });
      };
      socket.on('message', (data, isBinary) => {
        // Nothing a client sends may throw out of a socket listener (it would end the process).
        try {
          onMessage(data, isBinary);
        } catch (error) {
          log.error({ err: error }, 'relay frame failed');
          c.fail(null, RPC_ERRORS.internal);
        }
      });
      socket.on('close', (code) => {
        sockets.delete(c);
        clearTimeout(c.connectTimer);
        c.link?.clientClosed(code);
        uncount(c);
        // After the frames already received (a `verto.bye` among them still counts).
        void c.chain.then(() => c.client?.detach(c));
      });
      socket.on('error', (error) => {
        log.debug({ err: error }, 'relay socket error');
      });
    },
  });
}
