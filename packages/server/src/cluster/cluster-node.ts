import type { FastifyBaseLogger } from 'fastify';
import type { MediaEngine } from '@conclave/media';
import { OutputRefused } from '../outputs/output-supervisor.js';
import { admit } from '../realtime/admission.js';
import type { LiveEngine } from '../realtime/live-engine.js';
import type { Store } from '../store/store.js';
import type { ClusterAction, ClusterBus, RemoteAnswer } from './cluster-bus.js';
import type { NodeRecord, NodeState } from './nodes-store.js';
import { ForwardedLink } from './realtime-forward.js';
import type { WebSocket } from 'ws';

export interface ClusterNodeOptions {
  /** The node's id: the live engine's (`room_sessions.node_id`). */
  nodeId: string;
  /** Where the other nodes reach this one (`CONCLAVE_NODE_URL`). */
  url: string;
  /** How often the node writes its load (`CONCLAVE_NODE_HEARTBEAT_MS`). */
  heartbeatMs: number;
}

/** A node as listed: its row, and whether it is up (heard from within three heartbeats). */
export interface NodeStatus extends NodeRecord {
  up: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This process in the node registry (`server.ts` drains it on SIGTERM). */
    cluster: ClusterNode;
  }
}

/** Rows of nodes not heard from for a day are forgotten. */
const FORGET_AFTER_MS = 24 * 3600_000;

/**
 * This process in the node registry: it writes its state and load on every heartbeat, and
 * drains on SIGTERM (no new sessions here; `/readyz` answers 503 `draining`).
 */
export class ClusterNode {
  #state: NodeState = 'ready';
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #lastPackets: { at: number; count: number } | undefined;
  #beating: Promise<void> = Promise.resolve();
  #bus: ClusterBus | undefined;
  #forwarded = 0;
  /** Whether the last heartbeat reached the database. */
  #databaseUp = true;
  /** The registry as last read (every heartbeat): where joins are sent. */
  #known: NodeStatus[] = [];

  constructor(
    private readonly store: Store,
    private readonly live: LiveEngine,
    private readonly media: () => MediaEngine,
    private readonly now: () => number,
    private readonly log: FastifyBaseLogger,
    readonly options: ClusterNodeOptions,
  ) {}

  get id(): string {
    return this.options.nodeId;
  }

  get state(): NodeState {
    return this.#state;
  }

  /**
   * What this node has lost, if anything — its database (the last heartbeat failed) or its bus
   * (not connected) — and then it admits nobody new and `/readyz` says so; both come back by
   * themselves (the heartbeat goes on, the bus reconnects).
   */
  unavailable(): 'database' | 'bus' | undefined {
    if (!this.#databaseUp) return 'database';
    if (this.#bus && !this.#bus.transport.connected) return 'bus';
    return undefined;
  }

  /**
   * Messages to and from the other nodes (PostgreSQL NOTIFY or NATS); without one (SQLite, a
   * single node) a session live on another node cannot be reached from here.
   */
  useBus(bus: ClusterBus): void {
    this.#bus = bus;
    this.live.relayTo((action) => void bus.broadcast(action));
  }

  get bus(): ClusterBus | undefined {
    return this.#bus;
  }

  /**
   * Carries out `action` on the node hosting the session: undefined when no other node hosts it
   * (its lease current); `no_bus` when there is no bus to reach it by.
   */
  async actOnHost(
    projectId: string,
    sessionId: string,
    action: ClusterAction,
  ): Promise<RemoteAnswer | 'no_bus' | undefined> {
    const host = await this.store.liveSessionHost(projectId, sessionId);
    if (!host || host.nodeId === null || host.nodeId === this.options.nodeId) return undefined;
    if (host.leaseUntil !== null && host.leaseUntil < this.now()) return undefined;
    if (!this.#bus) return 'no_bus';
    return this.#bus.request(host.nodeId, action);
  }

  /** What another node asks of this one. */
  async #carryOut(action: ClusterAction): Promise<RemoteAnswer> {
    const settle = async (
      written: Promise<boolean> | undefined,
      member?: unknown,
    ): Promise<RemoteAnswer> => {
      if (!written) return { outcome: 'not_found' };
      return (await written) ? { outcome: 'done', member } : { outcome: 'not_recorded' };
    };
    switch (action.type) {
      case 'end_for':
        this.live.endFor(action.projectId, action.kind, action.id, true);
        return { outcome: 'done' };
      case 'end_project':
        this.live.endProject(action.projectId, true);
        return { outcome: 'done' };
      case 'end_session':
        return settle(this.live.endSessionNow(action.projectId, action.sessionId));
      case 'remove_member':
        return settle(this.live.removeMember(action.projectId, action.sessionId, action.memberId));
      case 'update_member': {
        const { projectId, sessionId, memberId, update } = action;
        const updated = this.live.updateMember(projectId, sessionId, memberId, update);
        if (updated === 'not_found') return { outcome: 'not_found' };
        if (updated === 'not_publisher') return { outcome: 'not_publisher' };
        return settle(updated.written, updated.member);
      }
      case 'start_recording':
      case 'stop_recordings':
        return this.#recordings(action);
    }
  }

  /** Recordings asked for through another node's API, answered as the routes answer here. */
  async #recordings(
    action: Extract<ClusterAction, { type: 'start_recording' | 'stop_recordings' }>,
  ): Promise<RemoteAnswer> {
    const { projectId, sessionId } = action;
    const outputs = this.live.outputs;
    if (!outputs || !this.live.hosts(projectId, sessionId)) return { outcome: 'not_found' };
    if (action.type === 'stop_recordings') {
      if (outputs.stopRecording(projectId, sessionId, action.recordingId))
        return { outcome: 'done' };
      return { outcome: action.recordingId === undefined ? 'not_recording' : 'not_found' };
    }
    try {
      const started = await outputs.startRecording(projectId, sessionId, null);
      return { outcome: 'done', recordingId: started.id };
    } catch (error) {
      if (!(error instanceof OutputRefused)) throw error;
      if (error.reason === 'unavailable') {
        return { outcome: 'recording_unavailable', message: error.message };
      }
      return { outcome: error.reason === 'ended' ? 'not_found' : 'not_recorded' };
    }
  }

  /** Registers the node and keeps its row fresh. */
  async start(): Promise<void> {
    if (this.#timer) return;
    if (this.#bus) {
      await this.#bus
        .start((action) => this.#carryOut(action))
        .catch((error: unknown) => {
          // The node still serves what it hosts; other nodes' actions reach it once connected.
          this.log.error({ err: error }, 'cluster bus: not connected');
        });
    }
    this.#startedAt = this.now();
    this.#timer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    this.#timer.unref();
    await this.heartbeat();
    await this.store.pruneNodes(this.now() - FORGET_AFTER_MS).catch(() => 0);
  }

  /** Writes the node's state and load now (one write at a time; a failure is logged). */
  heartbeat(): Promise<void> {
    this.#beating = this.#beating.then(async () => {
      try {
        await this.store.saveNode(await this.#record());
        if (!this.#databaseUp) this.log.warn('node registry: the database is back');
        this.#databaseUp = true;
        await this.#refreshKnown();
      } catch (error) {
        if (this.#databaseUp) this.log.warn({ err: error }, 'node registry: heartbeat not written');
        this.#databaseUp = false;
      }
    });
    return this.#beating;
  }

  /** Stops taking new sessions; tells the registry at once. */
  async drain(): Promise<void> {
    if (this.#state === 'draining') return;
    this.#state = 'draining';
    this.live.drain();
    await this.heartbeat();
  }

  /** Leaves the registry (a clean stop). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
    await this.#bus?.close();
    await this.store.removeNode(this.options.nodeId).catch((error: unknown) => {
      this.log.warn({ err: error }, 'node registry: row not removed');
    });
  }

  /**
   * Drains (see `drain`), then waits until no session is live here, or `ms` have passed: the
   * sessions still live then are ended by the close that follows (members told 1001, so their
   * clients join again, elsewhere). A node with no other ready node up waits for nothing.
   * Resolves with the sessions still live.
   */
  async drainFor(ms: number): Promise<number> {
    await this.drain();
    // Alone (SQLite, or no other node ready), nobody could take the members: end at once (D21).
    const others = await this.list().catch(() => []);
    if (!others.some((n) => n.up && n.state === 'ready' && n.id !== this.id)) {
      return this.live.load().sessions;
    }
    const deadline = Date.now() + ms;
    for (;;) {
      const { sessions } = this.live.load();
      if (sessions === 0 || Date.now() >= deadline) return sessions;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, deadline - Date.now())));
    }
  }

  /** Sessions live here now. */
  load(): number {
    return this.live.load().sessions;
  }

  /**
   * Where a join with `token` belongs (docs/several-nodes.md, "Placement"): the URL of the node
   * hosting its live session, or — when it is live nowhere — of the least-loaded ready node
   * (fewest members, then fewest forwarded packets; this one on a tie). Undefined: here (it is
   * hosted here or placed here, or the token is refused here, as usual). Only registered nodes'
   * URLs are ever returned: a client cannot name where it is sent. `again`: the join was just
   * refused here `hosted_elsewhere` (another node opened the session first).
   */
  async placeJoin(token: string, again = false): Promise<string | undefined> {
    if (!this.#bus) return undefined;
    // Asked again after this node was refused the session: the registry is read afresh.
    if (again) await this.#refreshKnown();
    // Alone in the registry as last read (one node on PostgreSQL): no admission read.
    if (!this.#known.some((n) => n.id !== this.options.nodeId)) return undefined;
    let where;
    try {
      const ticket = await admit(this.store, token);
      where = await this.store.findLiveSession(ticket.projectId, ticket.where);
    } catch {
      // A refused token, or the database: the local join answers it as usual.
      return undefined;
    }
    const now = this.now();
    if (where && where.nodeId !== null && (where.leaseUntil === null || where.leaseUntil >= now)) {
      if (where.nodeId === this.options.nodeId) return undefined;
      // Its host, while its lease is current: the lease is the host's own claim, renewed as
      // long as it runs (a busy host may miss a registry heartbeat or two and still serve). One
      // that is gone fails the forward (the client is closed 1012 and joins again), until the
      // lease lapses and the session opens anew. The registry as last read may predate the
      // host's start: a host not in it is looked up again first.
      const host = (): NodeStatus | undefined => this.#known.find((n) => n.id === where.nodeId);
      if (!host()) await this.#refreshKnown();
      return host()?.url;
    }
    // A new session: placed by the loads the registry holds now, not as last read (up to a
    // heartbeat ago), unless that was just done.
    if (!again) await this.#refreshKnown();
    const others = this.#known.filter((n) => n.up && n.id !== this.options.nodeId);
    const candidates = others.filter((n) => n.state === 'ready');
    if (this.#state === 'ready' && !this.unavailable()) {
      const { members } = this.live.load();
      candidates.push({ ...(this.#known.find((n) => n.id === this.id) ?? this.#self()), members });
    }
    candidates.sort(
      (a, b) =>
        a.members - b.members ||
        a.packetRate - b.packetRate ||
        Number(b.id === this.id) - Number(a.id === this.id) ||
        a.id.localeCompare(b.id),
    );
    const best = candidates[0];
    return best && best.id !== this.id ? best.url : undefined;
  }

  /** Carries a client's realtime connection on to `target` (a registered node's URL); `via`:
   *  the nodes that carried it here (a join refused `hosted_elsewhere` on a forwarded connection). */
  forward(
    client: WebSocket,
    target: string,
    first: string,
    path: string,
    via?: string,
  ): ForwardedLink {
    this.#forwarded++;
    const chain = via ? `${via},${this.id}` : this.id;
    return new ForwardedLink(client, target, path, first, chain, this.log);
  }

  /** Realtime connections carried on to other nodes since start (metrics). */
  get forwarded(): number {
    return this.#forwarded;
  }

  #self(): NodeStatus {
    return {
      id: this.id,
      url: this.options.url,
      state: this.#state,
      startedAt: this.#startedAt,
      heartbeatAt: this.now(),
      sessions: 0,
      members: 0,
      packetRate: 0,
      up: true,
    };
  }

  /** Reads the registry into `#known` (a failure keeps what was known). */
  async #refreshKnown(): Promise<void> {
    try {
      this.#known = await this.list();
    } catch (error) {
      this.log.warn({ err: error }, 'node registry: not read');
    }
  }

  /** Every registered node, with whether it is up. */
  async list(): Promise<NodeStatus[]> {
    const now = this.now();
    const nodes = await this.store.listNodes();
    return nodes.map((node) => ({
      ...node,
      up: node.heartbeatAt >= now - Math.max(3 * this.options.heartbeatMs, 2_000),
    }));
  }

  async #record(): Promise<NodeRecord> {
    const now = this.now();
    const { sessions, members } = this.live.load();
    let packetRate = 0;
    try {
      const count = (await this.media().stats()).total.packetsOut;
      const last = this.#lastPackets;
      if (last && now > last.at && count >= last.count) {
        packetRate = Math.round(((count - last.count) * 1000) / (now - last.at));
      }
      this.#lastPackets = { at: now, count };
    } catch {
      // The media workers did not answer: the load is members alone this time.
    }
    return {
      id: this.options.nodeId,
      url: this.options.url,
      // Without its bus it opens no session: the others place none here meanwhile.
      state: this.#state === 'ready' && this.unavailable() === 'bus' ? 'unavailable' : this.#state,
      startedAt: this.#startedAt,
      heartbeatAt: now,
      sessions,
      members,
      packetRate,
    };
  }
}
