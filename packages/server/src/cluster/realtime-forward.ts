import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';

/**
 * Set on a connection one node opens to another: the ids of the nodes that carried it, in order.
 * Such a join is served there, never sent on — except once more by a node that just lost the race
 * to open its session (then the winner serves it: at most two hops).
 */
export const FORWARDED_HEADER = 'x-conclave-forwarded-by';

/** How many nodes carried a connection on, by its `FORWARDED_HEADER` (0: from a client). */
export function forwardedHops(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header.join(',') : header;
  return value === undefined ? 0 : value.split(',').length;
}

/** Close codes a WebSocket may not send (they describe a connection lost, not a reason). */
const RESERVED = new Set([1004, 1005, 1006, 1015]);

/**
 * One client's realtime connection carried on to the node hosting its session: its frames go
 * there as they are, that node's go back as they are, and each side's close reaches the other.
 * Media does not pass here: the host's SDP names its own ICE addresses.
 */
export class ForwardedLink {
  readonly #upstream: WebSocket;
  readonly #pending: (string | Buffer)[] = [];
  #closed = false;

  constructor(
    private readonly client: WebSocket,
    target: string,
    path: string,
    first: string,
    /** This node's id, after the nodes that carried the connection here (if any). */
    via: string,
    private readonly log: FastifyBaseLogger,
  ) {
    const url = target.replace(/^http/, 'ws') + path;
    // The subprotocol the client asked for, as it asked.
    const protocol = client.protocol;
    this.#upstream = new WebSocket(url, protocol ? [protocol] : [], {
      headers: { [FORWARDED_HEADER]: via },
      handshakeTimeout: 5_000,
      maxPayload: 16 * 1024 * 1024,
    });
    this.#pending.push(first);
    this.#upstream.on('open', () => {
      for (const frame of this.#pending.splice(0)) this.#upstream.send(frame, { binary: false });
    });
    this.#upstream.on('message', (data, isBinary) => {
      if (this.client.readyState === WebSocket.OPEN) this.client.send(data, { binary: isBinary });
    });
    this.#upstream.on('close', (code, reason) => {
      // The host went away without a word (killed, network): the client joins again (1012).
      const [sent, why] = RESERVED.has(code)
        ? [1012, 'host_unreachable']
        : [code, reason.toString()];
      this.#closeClient(sent, why);
    });
    this.#upstream.on('error', (error) => {
      this.log.warn({ err: error, target }, 'realtime forward: the hosting node is unreachable');
    });
  }

  /** A frame from the client, passed on (held until the host's socket is open). */
  send(data: string | Buffer): void {
    if (this.#upstream.readyState === WebSocket.OPEN) this.#upstream.send(data, { binary: false });
    else if (this.#upstream.readyState === WebSocket.CONNECTING) this.#pending.push(data);
  }

  /** The client's connection closed: the host's goes too (the host keeps the member's place). */
  clientClosed(code: number): void {
    this.#closed = true;
    const state = this.#upstream.readyState;
    if (state === WebSocket.OPEN || state === WebSocket.CONNECTING) {
      if (RESERVED.has(code) || code < 1000) this.#upstream.terminate();
      else this.#upstream.close(code);
    }
  }

  #closeClient(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.client.readyState;
    if (state === WebSocket.OPEN || state === WebSocket.CONNECTING) this.client.close(code, reason);
  }
}
