import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { BusTransport } from './bus-transports.js';

/** What the nodes tell each other (docs/several-nodes.md, "What the bus carries"). */
export type ClusterAction =
  /** A conference or room was deleted: its session ends wherever it is live. */
  | { type: 'end_for'; projectId: string; kind: 'conference' | 'room'; id: string }
  /** A project was deleted: its sessions end everywhere. */
  | { type: 'end_project'; projectId: string }
  /** Conclave's API: end a session (POST /conclave/v1/room_sessions/{id}/end). */
  | { type: 'end_session'; projectId: string; sessionId: string }
  /** Conclave's API: remove a member (DELETE …/members/{member_id}). */
  | { type: 'remove_member'; projectId: string; sessionId: string; memberId: string }
  /** Conclave's API: mute or unmute a member (PATCH …/members/{member_id}). */
  | {
      type: 'update_member';
      projectId: string;
      sessionId: string;
      memberId: string;
      update: { audio_muted?: boolean | undefined; video_muted?: boolean | undefined };
    }
  /** Conclave's API: start a recording (POST …/recordings); answered with its id. */
  | { type: 'start_recording'; projectId: string; sessionId: string }
  /** Conclave's API: stop one recording (…/recordings/{rid}/stop) or every one (…/recordings/stop). */
  | { type: 'stop_recordings'; projectId: string; sessionId: string; recordingId?: string };

/** How a request to another node turned out. */
export type RemoteOutcome =
  | 'done'
  | 'not_found'
  | 'not_recorded'
  | 'not_publisher'
  | 'not_recording'
  | 'recording_unavailable'
  | 'no_answer';

/**
 * A node's answer: how it went, the member as it is now (`update_member`), the recording started
 * (`start_recording`), or why the host cannot record (`recording_unavailable`).
 */
export interface RemoteAnswer {
  outcome: RemoteOutcome;
  member?: unknown;
  recordingId?: string;
  message?: string;
}

interface Envelope {
  from: string;
  /** A node id, or '*' for every node but the sender. */
  to: string;
  action?: ClusterAction;
  /** Set on a request that wants an answer, and on that answer. */
  ask?: string;
  outcome?: RemoteOutcome;
  member?: unknown;
  recordingId?: string;
  message?: string;
}

/**
 * Node-to-node messages over a transport (PostgreSQL NOTIFY or NATS): broadcasts, and requests
 * to one node answered by it. A request unanswered within `timeoutMs` is `no_answer` (the node is
 * gone, or the bus is down) — never a hang.
 */
export class ClusterBus {
  readonly #pending = new Map<string, (answer: RemoteAnswer) => void>();
  #handler: (action: ClusterAction) => Promise<RemoteAnswer> = async () => ({
    outcome: 'not_found',
  });

  constructor(
    readonly transport: BusTransport,
    private readonly nodeId: string,
    private readonly log: FastifyBaseLogger,
    private readonly timeoutMs = 2_000,
  ) {}

  /** Connects; `handler` carries out what other nodes ask of this one. */
  async start(handler: (action: ClusterAction) => Promise<RemoteAnswer>): Promise<void> {
    this.#handler = handler;
    await this.transport.start((text) => this.#receive(text));
  }

  /** Tells every other node (best-effort: a node that misses it ends the session by its lease). */
  async broadcast(action: ClusterAction): Promise<void> {
    await this.#send({ from: this.nodeId, to: '*', action }).catch((error: unknown) => {
      this.log.warn({ err: error, action: action.type }, 'cluster bus: broadcast not sent');
    });
  }

  /** Asks node `to` to act, and waits for its answer. */
  async request(to: string, action: ClusterAction): Promise<RemoteAnswer> {
    const ask = randomUUID();
    const answered = new Promise<RemoteAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ask);
        resolve({ outcome: 'no_answer' });
      }, this.timeoutMs);
      this.#pending.set(ask, (answer) => {
        clearTimeout(timer);
        this.#pending.delete(ask);
        resolve(answer);
      });
    });
    try {
      await this.#send({ from: this.nodeId, to, action, ask });
    } catch (error) {
      this.log.warn({ err: error, action: action.type }, 'cluster bus: request not sent');
      this.#pending.get(ask)?.({ outcome: 'no_answer' });
    }
    return answered;
  }

  async close(): Promise<void> {
    for (const resolve of [...this.#pending.values()]) resolve({ outcome: 'no_answer' });
    await this.transport.close();
  }

  #send(envelope: Envelope): Promise<void> {
    return this.transport.publish(JSON.stringify(envelope));
  }

  #receive(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === this.nodeId) return;
    if (envelope.to !== '*' && envelope.to !== this.nodeId) return;
    if (envelope.outcome !== undefined && envelope.ask !== undefined) {
      const { outcome, member, recordingId, message } = envelope;
      this.#pending.get(envelope.ask)?.({ outcome, member, recordingId, message });
      return;
    }
    const { action, ask, from } = envelope;
    if (!action) return;
    void this.#handler(action)
      .catch((error: unknown) => {
        this.log.error({ err: error, action: action.type }, 'cluster bus: action failed');
        return { outcome: 'not_recorded' } as RemoteAnswer;
      })
      .then(async (answer) => {
        if (ask === undefined) return;
        await this.#send({ from: this.nodeId, to: from, ask, ...answer }).catch(
          (error: unknown) => {
            this.log.warn({ err: error }, 'cluster bus: answer not sent');
          },
        );
      });
  }
}
