/**
 * Live sessions: who is in which conference or room right now, the rules that admit and remove
 * them, and the relay between them. State lives in this process's memory; every step is written
 * to the store (sessions, members, events, video logs) through one group-committing queue.
 *
 * Concurrency: the only awaits are reading the token (admission) and writing. Everything that
 * decides — capacity, lock, windows, who is present — runs synchronously on the event loop, so a
 * burst of joins at the size limit admits exactly `max_members`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { newOrderedId } from '../lib/ids.js';
import {
  CLOSE_CODES,
  VIDEO_LAYOUTS,
  type ClientMessage,
  type LiveFeedDelta,
  type LiveFeedSession,
  type LiveMember,
  type LiveSessionEndReason,
  type LiveSession as LiveSessionWire,
  type MediaClientMessage,
  type MemberLeftMessage,
  type RealtimeErrorCode,
  type ServerMessage,
} from '@conclave/schema';
import type { FastifyBaseLogger } from 'fastify';
import {
  NoMediaEngine,
  type MediaEngine,
  type MemberMediaState,
  type OutputEvent,
} from '@conclave/media';
import {
  LiveSessionConflictError,
  type NewSessionEvent,
  type SessionWrite,
  type Store,
} from '../store/store.js';
import {
  admit,
  Refused,
  shuttingDown,
  type RefusalTimes,
  type SessionSettings,
  type Ticket,
} from './admission.js';
import type { OutputSupervisor } from '../outputs/output-supervisor.js';
import { OutputRefused } from '../outputs/output-supervisor.js';
import type { FeatureCandidate } from './featured-member.js';
import { LiveFeed } from './live-feed.js';
import { wallClock, type Deadline, type ProjectClock } from '../lib/project-clock.js';
import { WriteQueue } from './write-queue.js';
import { DelayedSends } from './delayed-sends.js';

/** One connection, as the engine sees it (a WebSocket in production). */
export interface Peer {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Cuts the connection without a close frame, as a network failure would (emulator mode). */
  terminate?(): void;
  /**
   * The member's media outlives this connection: a client whose peer connection does not depend
   * on its signalling socket (SignalWire's SDK keeps its call across socket drops). A drop then
   * keeps the media for the grace period, and a resume on such a peer keeps it as it is; it ends
   * when the member is gone.
   */
  readonly keepsMediaOnDrop?: boolean;
}

export interface LiveEngineOptions {
  /** This process's id in `room_sessions.node_id` (see the lease). */
  nodeId: string;
  /** How long a dropped member's place is kept, and an empty session waits before it ends. */
  graceMs: number;
  /** How long a host's claim on its sessions lasts without renewal (renewed every third). */
  leaseMs: number;
}

type LeaveReason = MemberLeftMessage['reason'];
/** A delete that ends sessions on every node (the cluster bus carries it). */
export type RelayedEnd =
  | { type: 'end_for'; projectId: string; kind: 'conference' | 'room'; id: string }
  | { type: 'end_project'; projectId: string };
type MemberFlag = keyof Pick<MemberState, 'audioMuted' | 'videoMuted' | 'deaf'>;

interface MemberState {
  id: string;
  name: string;
  joinTime: number;
  joinAs: 'member' | 'audience';
  audioMuted: boolean;
  videoMuted: boolean;
  /** Sent no audio. */
  deaf: boolean;
  scopes: ReadonlySet<string>;
  /** SHA-256 of the token it joined with: a resume must present the same token. */
  tokenDigest: string;
  resumeToken: string;
  endSessionOnLeave: boolean;
  /** Null while reconnecting (its grace timer runs) or still being admitted. */
  peer: Peer | null;
  admitted: boolean;
  graceTimer: Deadline | undefined;
  removeTimer: Deadline | undefined;
  /** Unix ms of the drop, while reconnecting. */
  droppedAt: number | undefined;
}

interface SessionState {
  id: string;
  projectId: string;
  key: string;
  settings: SessionSettings;
  startTime: number;
  layout: string;
  locked: boolean;
  members: Map<string, MemberState>;
  endTimer: Deadline | undefined;
  /** The latest leave so far: the session never ends before it. */
  lastLeftAt: number | undefined;
  /** Resolves once its row is written (false: it could not be; the session has ended). */
  started: Promise<boolean>;
  ended: boolean;
  /** How its members' connections were closed when it ended (told to joins still in flight). */
  endCode: number | undefined;
  endReason: string | undefined;
  /** Its row is written and the live feed was told it started (it is told of its end then). */
  announced: boolean;
  /** Members talking now (from the media engine), for the live feed's snapshot. */
  talking: Set<string>;
  /** A recording of it is in progress (the supervisor tells; shown as `recording`). */
  recording: boolean;
}

/** What a connection holds once joined. */
export interface Membership {
  session: SessionState;
  member: MemberState;
}

/** How long a deleted conference's or room's key refuses joins that raced the delete. */
const TOMBSTONE_MS = 10 * 60_000;
/** The session a write belongs to, for the log line when it fails (`sessionId`). */
const sessionOf = (write: SessionWrite): string | undefined => {
  switch (write.kind) {
    case 'start':
      return write.session.id;
    case 'member':
      return write.member.roomSessionId;
    case 'event':
      return write.event.roomSessionId;
    case 'lock':
    case 'end':
      return write.sessionId;
    default:
      return undefined;
  }
};
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class LiveEngine {
  readonly #sessions = new Map<string, SessionState>();
  /** The same sessions by id (media events name sessions by id). */
  readonly #byId = new Map<string, SessionState>();
  /** Carries the members' audio and video; by default none (set with `useMedia`). */
  #media: MediaEngine = new NoMediaEngine();
  /** Emulator mode's `frames` faults: how long to hold a frame for a member (`useFrameDelay`). */
  #frameDelay: ((projectId: string, sessionId: string, memberId: string) => number) | undefined;
  readonly #delayed = new DelayedSends();
  /** Recordings and streams of the sessions hosted here (set with `useOutputs`). */
  #outputs: OutputSupervisor | undefined;
  /** Sessions being opened (a database check for another host runs): later joins wait on it. */
  readonly #opening = new Map<string, Promise<SessionState>>();
  readonly #resumable = new Map<string, Membership>();
  /** Keys of sessions whose conference or room was deleted (mapKey → when). */
  readonly #gone = new Map<string, number>();
  readonly #queue: WriteQueue;
  #leaseTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #joinOutcome: ((refusal: string | undefined) => void) | undefined;
  #draining = false;
  #relay: ((action: RelayedEnd) => void) | undefined;
  /** The live feed: what changes, per project, for Conclave's `/conclave/v1/live`. */
  readonly feed = new LiveFeed();
  /** Sessions' time (windows, removals, grace periods, what is written); see `useClock`. */
  #clock: ProjectClock;

  /**
   * `wall`: the real time, for what other processes read too (leases) and for how long a
   * deleted key is held back; sessions' time is `now(projectId)`.
   */
  constructor(
    private readonly store: Store,
    private readonly wall: () => number,
    private readonly options: LiveEngineOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#queue = new WriteQueue(store);
    this.#clock = wallClock(wall);
  }

  /** Emulator mode: each project's sessions follow its test clock (by default the wall clock). */
  useClock(clock: ProjectClock): void {
    this.#clock = clock;
  }

  /**
   * Now (Unix ms) for a project's sessions: their join windows, removals and grace periods
   * follow it, and the times written on them (start, end, joins, leaves, events) are read from it.
   */
  now(projectId: string): number {
    return this.#clock.now(projectId);
  }

  /** Resolves once the session writes queued so far have landed. */
  settled(): Promise<void> {
    return this.#queue.idle();
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Emulator mode: `delay` says how long (ms, 0: not) to hold back each frame sent to a member of
   * a session — events, replies sent through the engine, media frames — as a slow network would;
   * later frames to that member wait for it (order is kept).
   */
  useFrameDelay(delay: (projectId: string, sessionId: string, memberId: string) => number): void {
    this.#frameDelay = delay;
  }

  /** Sends a frame to a member's connection (held back by a `frames` fault). */
  #sendTo(session: SessionState, member: MemberState, text: string): void {
    const peer = member.peer;
    if (!peer) return;
    if (!this.#frameDelay) {
      peer.send(text);
      return;
    }
    this.#delayed.send(peer, text, this.#frameDelay(session.projectId, session.id, member.id));
  }

  /** The media engine (made with the engine's own `mediaEvents`). */
  useMedia(media: MediaEngine): void {
    this.#media = media;
  }

  get media(): MediaEngine {
    return this.#media;
  }

  /** Recordings and streams: told when sessions start, change and end. */
  useOutputs(outputs: OutputSupervisor): void {
    this.#outputs = outputs;
    outputs.onRecordingsChanged((sessionId) => {
      const session = this.#byId.get(sessionId);
      if (!session || session.ended) return;
      const recording = outputs.recordingsOf(sessionId).some((r) => !r.stopping);
      if (recording === session.recording) return;
      session.recording = recording;
      if (session.announced) {
        this.#broadcast(session, { type: 'session.updated', session: wireSession(session) });
      }
    });
  }

  get outputs(): OutputSupervisor | undefined {
    return this.#outputs;
  }

  /** What the media engine reports, for its constructor. */
  readonly mediaEvents = {
    send: (sessionId: string, memberId: string, text: string): void => {
      const session = this.#byId.get(sessionId);
      const member = session?.members.get(memberId);
      if (session && member?.admitted) this.#sendTo(session, member, text);
    },
    talking: (sessionId: string, memberId: string, talking: boolean): void => {
      const session = this.#byId.get(sessionId);
      const member = session?.members.get(memberId);
      if (!session || !member?.admitted || session.ended) return;
      if (talking) session.talking.add(memberId);
      else session.talking.delete(memberId);
      this.#broadcast(session, { type: 'member.talking', member_id: memberId, talking });
      this.#outputs?.talking(sessionId, memberId, talking);
      void this.#write(
        this.#event(session, 'member.talking', this.now(session.projectId), memberId, {
          member_id: memberId,
          talking,
        }),
      );
    },
    output: (sessionId: string, outputId: string, event: OutputEvent): void => {
      this.#outputs?.output(sessionId, outputId, event);
    },
  };

  /** Ends what a previous run of this node left in progress, then keeps the lease. */
  async start(): Promise<void> {
    if (this.#leaseTimer) return;
    const every = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.#leaseTimer = setInterval(() => {
      void this.#tick().catch((error: unknown) =>
        this.log.warn({ err: error }, 'live sessions: lease renewal failed'),
      );
    }, every);
    this.#leaseTimer.unref();
    await this.sweep(true);
    await this.sweep(false);
  }

  async #tick(): Promise<void> {
    if (this.#sessions.size > 0) {
      const hosted = [...this.#sessions.values()].map((session) => session.id);
      await this.store.renewSessionLeases(
        this.options.nodeId,
        hosted,
        this.wall() + this.options.leaseMs,
      );
    }
    await this.sweep(false);
  }

  /**
   * Ends in-progress sessions no process hosts: with `own`, those this node's previous run left;
   * otherwise other nodes' whose lease ran out. Each ends at its host's last lease renewal.
   */
  async sweep(own: boolean): Promise<number> {
    const now = this.wall();
    const abandoned = await this.store.abandonedSessions(this.options.nodeId, now, own);
    let ended = 0;
    for (const s of abandoned) {
      if (this.#hostsSession(s.id)) continue;
      const renewed = s.leaseUntil === null ? now : s.leaseUntil - this.options.leaseMs;
      const at = Math.min(now, Math.max(s.startTime, renewed));
      if (await this.#write({ kind: 'end', projectId: s.projectId, sessionId: s.id, at })) {
        ended++;
      }
    }
    // Recordings of what was just ended (or a previous run of this node left) finish as errors.
    if (this.#outputs && (own || ended > 0)) {
      await this.#outputs.sweepStranded(this.options.nodeId, own).catch((error: unknown) => {
        this.log.error({ err: error }, 'recordings: the sweep failed');
      });
    }
    return ended;
  }

  #hostsSession(id: string): boolean {
    for (const session of this.#sessions.values()) if (session.id === id) return true;
    return false;
  }

  /** Graceful stop: every live session ends now, everyone is told (1001), the writes land. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#leaseTimer);
    for (const session of [...this.#sessions.values()]) {
      this.#endSession(
        session,
        this.now(session.projectId),
        1001,
        'server shutting down',
        'shutdown',
      );
    }
    await this.#queue.idle();
    // Ending the sessions stopped their outputs: the encoder finishes the files and their rows
    // are written before the media engine closes (which would cut short what is still running).
    await this.#outputs?.idle();
    await this.#media.close();
    await this.#outputs?.idle();
  }

  // ---- joining -----------------------------------------------------------------------------

  /**
   * Admits `peer` into the session its token names, or throws Refused. On success the peer has
   * been sent `joined` and the others `member.joined`.
   */
  async join(
    peer: Peer,
    message: Extract<ClientMessage, { type: 'join' }>,
    isOpen: () => boolean,
  ): Promise<Membership> {
    try {
      const membership = await this.#join(peer, message, isOpen);
      this.#joinOutcome?.(undefined);
      return membership;
    } catch (error) {
      this.#joinOutcome?.(error instanceof Refused ? error.reason : 'error');
      throw error;
    }
  }

  /** Told of each join's outcome: undefined when admitted, else the refusal's reason (metrics). */
  onJoinOutcome(listener: (refusal: string | undefined) => void): void {
    this.#joinOutcome = listener;
  }

  /** Told of deletes made through this node (`relayed` false), to pass on to the other nodes. */
  relayTo(listener: (action: RelayedEnd) => void): void {
    this.#relay = listener;
  }

  /** Opens no new session from now on (the node drains); the ones live here go on. */
  drain(): void {
    this.#draining = true;
  }

  /** Sessions live here and their members (connected or within their grace period). */
  load(): { sessions: number; members: number } {
    let sessions = 0;
    let members = 0;
    for (const session of this.#sessions.values()) {
      if (session.ended) continue;
      sessions++;
      members += session.members.size;
    }
    return { sessions, members };
  }

  async #join(
    peer: Peer,
    message: Extract<ClientMessage, { type: 'join' }>,
    isOpen: () => boolean,
  ): Promise<Membership> {
    if (this.#stopped) throw shuttingDown();
    // A member within its grace period takes its place back, even if its token has since been
    // reset (it was already in; E39). Otherwise the resume token is ignored: a new join.
    if (message.resume_token !== undefined) {
      const resumed = this.#resume(peer, message.token, message.resume_token, isOpen);
      if (resumed) return resumed;
    }
    const ticket = await admit(this.store, message.token, this.#clock);
    if (!isOpen()) throw new Refused('session_ended', 'connection closed');
    const session = await this.#openSession(ticket);
    const now = this.now(ticket.projectId);
    if (!isOpen()) {
      this.#endIfEmpty(session, now);
      throw new Refused('session_ended', 'connection closed');
    }
    if (session.ended) throw endedRefusal(session);
    try {
      this.#checkRules(session, ticket, now);
    } catch (error) {
      this.#endIfEmpty(session, now);
      throw error;
    }

    const member: MemberState = {
      id: newOrderedId(),
      name: ticket.name ?? message.name ?? `Guest ${randomBytes(2).toString('hex')}`,
      joinTime: now,
      joinAs: ticket.joinAs,
      audioMuted: ticket.audioMuted,
      videoMuted: ticket.videoMuted,
      deaf: false,
      scopes: ticket.scopes,
      tokenDigest: digest(message.token),
      resumeToken: randomBytes(24).toString('base64url'),
      endSessionOnLeave: ticket.endSessionOnLeave,
      peer: null,
      admitted: false,
      graceTimer: undefined,
      removeTimer: undefined,
      droppedAt: undefined,
    };
    // The place is taken now, synchronously: concurrent joins see it.
    session.members.set(member.id, member);
    this.#cancelEnd(session);

    // The session's own row first: no member is written for a session that never was.
    if (!(await session.started) || session.ended) throw endedRefusal(session);
    const written = await this.#write(
      {
        kind: 'member',
        member: {
          id: member.id,
          projectId: session.projectId,
          roomSessionId: session.id,
          name: member.name,
          joinTime: now,
        },
      },
      this.#event(session, 'member.joined', now, member.id, {
        member_id: member.id,
        name: member.name,
        join_as: member.joinAs,
      }),
    );
    if (!written) {
      // Not recorded: the place is given back and the join fails (1011).
      session.members.delete(member.id);
      this.#endIfEmpty(session, now);
      throw new Error('the join could not be recorded');
    }
    if (session.ended || !session.members.has(member.id)) {
      // Ended while the member was being written (after the end was): it leaves with it.
      void this.#write({
        kind: 'left',
        projectId: session.projectId,
        memberId: member.id,
        at: now,
      });
      throw endedRefusal(session);
    }
    if (!isOpen() || this.#stopped) {
      // Gone while we wrote: recorded as joined and left; nobody else was told it was there.
      void this.#leave(session, member, 'disconnected', this.now(session.projectId));
      throw this.#stopped ? shuttingDown() : new Refused('session_ended', 'connection closed');
    }
    member.peer = peer;
    member.admitted = true;
    const membership = { session, member };
    this.#resumable.set(member.resumeToken, membership);
    this.#armRemoval(session, member, ticket);
    this.#media.join(session.id, member.id, mediaState(member));
    this.#outputs?.membersChanged(session.id, candidates(session));
    this.#sendJoined(session, member, false);
    this.#broadcast(session, { type: 'member.joined', member: wireMember(member) }, member.id);
    return membership;
  }

  /** Whether `peer` is the member's current connection (not one a resume replaced). */
  isCurrent(membership: Membership, peer: Peer): boolean {
    return membership.member.peer === peer && membership.session.members.has(membership.member.id);
  }

  /**
   * Takes a member's place back on `peer` (as a `join` with its resume token does), without ever
   * admitting anyone new: undefined when the place is gone or the token is not the member's.
   */
  resume(
    peer: Peer,
    token: string,
    resumeToken: string,
    isOpen: () => boolean,
  ): Membership | undefined {
    if (this.#stopped) return undefined;
    return this.#resume(peer, token, resumeToken, isOpen);
  }

  /**
   * Whether a join with this ticket would be refused now (its windows, and the live session's
   * lock and size if there is one), without joining: throws Refused. The join checks again.
   */
  check(ticket: Ticket): void {
    if (this.#stopped) throw shuttingDown();
    const mapKey = `${ticket.projectId}/${ticket.key}`;
    if (this.#isGone(ticket.projectId, mapKey)) throw new Refused('not_found', 'it was deleted');
    const live = this.#sessions.get(mapKey);
    const now = this.now(ticket.projectId);
    if (live && !live.ended) this.#checkRules(live, ticket, now);
    else this.#checkWindows(ticket.settings, ticket, now);
  }

  /** The member's place, kept after a dropped connection; undefined when it is gone. */
  #resume(
    peer: Peer,
    token: string,
    resumeToken: string,
    isOpen: () => boolean,
  ): Membership | undefined {
    const found = this.#resumable.get(resumeToken);
    if (!found || found.session.ended || !isOpen()) return undefined;
    const { session, member } = found;
    if (!session.members.has(member.id) || member.tokenDigest !== digest(token)) return undefined;
    const previous = member.peer;
    member.graceTimer?.cancel();
    member.graceTimer = undefined;
    member.droppedAt = undefined;
    member.peer = peer;
    // A fresh resume token each time: the old one is spent.
    this.#resumable.delete(member.resumeToken);
    member.resumeToken = randomBytes(24).toString('base64url');
    this.#resumable.set(member.resumeToken, found);
    if (previous) previous.close(CLOSE_CODES.replaced, 'replaced');
    if (!peer.keepsMediaOnDrop) {
      // The old connection's media went with it; the member publishes and subscribes anew.
      this.#media.leave(session.id, member.id);
      this.#media.join(session.id, member.id, mediaState(member));
    }
    this.#sendJoined(session, member, true);
    this.#broadcast(session, { type: 'member.updated', member: wireMember(member) }, member.id);
    return found;
  }

  async #openSession(ticket: Ticket): Promise<SessionState> {
    const mapKey = `${ticket.projectId}/${ticket.key}`;
    for (;;) {
      if (this.#isGone(ticket.projectId, mapKey)) throw new Refused('not_found', 'it was deleted');
      if (this.#stopped) throw shuttingDown();
      const live = this.#sessions.get(mapKey);
      if (live && !live.ended) {
        live.settings = ticket.settings;
        return live;
      }
      const opening = this.#opening.get(mapKey);
      if (opening) {
        // Another join is opening it; its failure is its own (each join checks its own ticket).
        await opening.catch(() => undefined);
        continue;
      }
      // Draining (SIGTERM): sessions live here go on, new ones open on another node.
      if (this.#draining) throw shuttingDown();
      const promise = this.#createSession(ticket, mapKey);
      this.#opening.set(mapKey, promise);
      try {
        await promise;
      } finally {
        this.#opening.delete(mapKey);
      }
    }
  }

  async #createSession(ticket: Ticket, mapKey: string): Promise<SessionState> {
    const now = this.now(ticket.projectId);
    // Refuse before starting a session nobody may join.
    this.#checkWindows(ticket.settings, ticket, now);
    const existing = await this.store.findLiveSession(ticket.projectId, ticket.where);
    if (existing) {
      const ours = existing.nodeId === this.options.nodeId;
      const lapsed = existing.leaseUntil !== null && existing.leaseUntil < this.wall();
      if (!ours && !lapsed && existing.nodeId !== null) {
        throw new Refused('hosted_elsewhere', 'the session is live on another Conclave process');
      }
      // Left over by a previous run of this node, or by a host that is gone: it ends now.
      const renewed =
        existing.leaseUntil === null ? now : existing.leaseUntil - this.options.leaseMs;
      await this.#write({
        kind: 'end',
        projectId: ticket.projectId,
        sessionId: existing.id,
        at: Math.min(now, renewed),
      });
    }
    if (this.#isGone(ticket.projectId, mapKey)) throw new Refused('not_found', 'it was deleted');
    if (this.#stopped) throw shuttingDown();
    const s = ticket.settings;
    const session: SessionState = {
      id: newOrderedId(),
      projectId: ticket.projectId,
      key: mapKey,
      settings: s,
      startTime: this.now(ticket.projectId),
      layout: s.layout,
      locked: false,
      members: new Map(),
      endTimer: undefined,
      lastLeftAt: undefined,
      started: Promise.resolve(true),
      ended: false,
      endCode: undefined,
      endReason: undefined,
      announced: false,
      talking: new Set(),
      recording: false,
    };
    this.#sessions.set(mapKey, session);
    this.#byId.set(session.id, session);
    // Its members' writes wait for this one (see join).
    session.started = this.#queue
      .write({
        kind: 'start',
        session: {
          id: session.id,
          projectId: session.projectId,
          conferenceId: s.conferenceId,
          roomId: s.roomId,
          name: s.name,
          displayName: s.displayName,
          layout: s.layout,
          quality: s.quality,
          fps: s.fps,
          maxMembers: s.maxMembers,
          joinFrom: s.joinFrom,
          joinUntil: s.joinUntil,
          removeAt: s.removeAt,
          removeAfterSecondsElapsed: s.removeAfterSecondsElapsed,
          recordOnStart: s.recordOnStart,
          enableRoomPreviews: s.enableRoomPreviews,
          audioVideoSync: s.audioVideoSync,
          toneOnEntryAndExit: s.toneOnEntryAndExit,
          roomJoinVideoOff: s.roomJoinVideoOff,
          userJoinVideoOff: s.userJoinVideoOff,
          prioritizeHandraise: s.prioritizeHandraise,
          startTime: session.startTime,
          nodeId: this.options.nodeId,
          leaseUntil: this.wall() + this.options.leaseMs,
          startedEventId: newOrderedId(),
        },
      })
      .then(
        () => {
          if (!session.ended) {
            session.announced = true;
            this.#publish(session, {
              type: 'session.started',
              session_id: session.id,
              session: wireSession(session),
            });
            this.#outputs?.sessionStarted(
              {
                id: session.id,
                projectId: session.projectId,
                ownerId: s.roomId ?? s.conferenceId,
                recordOnStart: s.recordOnStart,
              },
              candidates(session),
            );
          }
          return true;
        },
        (error: unknown) => {
          this.#startFailed(session, error);
          return false;
        },
      );
    return session;
  }

  #startFailed(session: SessionState, error: unknown): void {
    if (error instanceof LiveSessionConflictError) {
      // Another process opened it first (both checked before either wrote).
      this.#endSession(
        session,
        this.now(session.projectId),
        CLOSE_CODES.hosted_elsewhere,
        'hosted_elsewhere',
        undefined,
        false,
      );
      return;
    }
    this.log.error({ err: error, sessionId: session.id }, 'live session could not be started');
    this.#endSession(session, this.now(session.projectId), 1011, 'unavailable', undefined, false);
  }

  #checkWindows(s: SessionSettings, ticket: Ticket, now: number): void {
    const from = maxOf(s.joinFrom, ticket.joinFrom);
    const until = minOf(s.joinUntil, ticket.joinUntil);
    const removeAt = minOf(s.removeAt, ticket.removeAt);
    if (from !== undefined && now < from * 1000) {
      throw windowRefusal('too_early', `joining opens at ${iso(from * 1000)}`, {
        joinFrom: from,
      });
    }
    if (until !== undefined && now >= until * 1000) {
      throw windowRefusal('too_late', `joining closed at ${iso(until * 1000)}`, {
        joinUntil: until,
      });
    }
    if (removeAt !== undefined && now >= removeAt * 1000) {
      throw windowRefusal('too_late', `members are removed at ${iso(removeAt * 1000)}`, {
        joinUntil: removeAt,
      });
    }
  }

  #checkRules(session: SessionState, ticket: Ticket, now: number): void {
    this.#checkWindows(session.settings, ticket, now);
    if (session.locked) throw new Refused('session_locked', 'the session is locked');
    if (session.members.size >= session.settings.maxMembers) {
      throw new Refused(
        'session_full',
        `the session has its ${session.settings.maxMembers} members`,
      );
    }
  }

  /** remove_at / remove_after_seconds_elapsed: the earliest of the session's and the token's. */
  #armRemoval(session: SessionState, member: MemberState, ticket: Ticket): void {
    const s = session.settings;
    const at = minOf(s.removeAt, ticket.removeAt);
    const after = minOf(s.removeAfterSecondsElapsed, ticket.removeAfterSecondsElapsed);
    const deadline = minOf(
      at === undefined ? undefined : at * 1000,
      after === undefined ? undefined : member.joinTime + after * 1000,
    );
    if (deadline === undefined) return;
    member.removeTimer = this.#clock.at(session.projectId, deadline, () => {
      if (!session.members.has(member.id)) return;
      const peer = member.peer;
      void this.#leave(session, member, 'time_up', this.now(session.projectId));
      peer?.close(CLOSE_CODES.time_up, 'time_up');
    });
  }

  // ---- leaving -----------------------------------------------------------------------------

  /** The connection closed without `leave`: the place is kept for the grace period. */
  dropped(membership: Membership, peer: Peer): void {
    const { session, member } = membership;
    if (member.peer !== peer || !session.members.has(member.id)) return;
    member.peer = null;
    const droppedAt = this.now(session.projectId);
    member.droppedAt = droppedAt;
    session.talking.delete(member.id);
    // Its media cannot outlive the connection that negotiated it (unless it does not need it).
    if (!peer.keepsMediaOnDrop) this.#media.leave(session.id, member.id);
    this.#broadcast(session, { type: 'member.updated', member: wireMember(member) }, member.id);
    member.graceTimer = this.#clock.at(session.projectId, droppedAt + this.options.graceMs, () => {
      if (member.peer === null && session.members.has(member.id)) {
        void this.#leave(session, member, 'disconnected', droppedAt);
      }
    });
  }

  /** `leave`: gone now. */
  leave(membership: Membership): Promise<boolean> {
    const { session, member } = membership;
    if (!session.members.has(member.id)) return Promise.resolve(true);
    return this.#leave(session, member, 'left', this.now(session.projectId));
  }

  #leave(
    session: SessionState,
    member: MemberState,
    reason: LeaveReason,
    at: number,
  ): Promise<boolean> {
    session.members.delete(member.id);
    member.graceTimer?.cancel();
    member.removeTimer?.cancel();
    this.#resumable.delete(member.resumeToken);
    member.peer = null;
    session.talking.delete(member.id);
    this.#media.leave(session.id, member.id);
    const written = this.#write(
      { kind: 'left', projectId: session.projectId, memberId: member.id, at },
      this.#event(session, 'member.left', at, member.id, { member_id: member.id, reason }),
    );
    session.lastLeftAt = Math.max(session.lastLeftAt ?? at, at);
    if (member.admitted) {
      this.#broadcast(session, { type: 'member.left', member_id: member.id, reason });
      this.#outputs?.membersChanged(session.id, candidates(session));
    }
    if (member.endSessionOnLeave && reason === 'left') {
      this.#endSession(session, at, CLOSE_CODES.session_ended, 'session_ended', 'end_on_leave');
    } else {
      this.#endIfEmpty(session, at, reason === 'disconnected');
    }
    return written;
  }

  /**
   * The last member gone: the session ends after the grace period (someone may come back), at the
   * time the last member left. A member whose own grace period already ran out ends it at once.
   */
  #endIfEmpty(session: SessionState, at: number, graceSpent = false): void {
    if (session.ended || session.members.size > 0) return;
    const end = Math.max(at, session.lastLeftAt ?? at);
    if (graceSpent) {
      this.#endSession(session, end, 1000, 'session ended', 'empty');
      return;
    }
    // Already counting down (a refused join does not restart the count or move the end time).
    if (session.endTimer) return;
    const deadline = this.now(session.projectId) + this.options.graceMs;
    session.endTimer = this.#clock.at(session.projectId, deadline, () => {
      if (session.members.size === 0 && !session.ended) {
        this.#endSession(session, end, 1000, 'session ended', 'empty');
      }
    });
  }

  #cancelEnd(session: SessionState): void {
    session.endTimer?.cancel();
    session.endTimer = undefined;
  }

  /**
   * Ends the session: everyone still in it leaves at `at`, their connections are closed. `cause`
   * is what the live feed is told (undefined: a session whose start failed, never announced).
   * Resolves once the end is written (false: it could not be); undefined when nothing is written.
   */
  #endSession(
    session: SessionState,
    at: number,
    code: number,
    reason: string,
    cause: LiveSessionEndReason | undefined,
    write = true,
  ): Promise<boolean> | undefined {
    if (session.ended) return undefined;
    session.ended = true;
    session.endCode = code;
    session.endReason = reason;
    session.endTimer?.cancel();
    if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key);
    this.#byId.delete(session.id);
    this.#outputs?.sessionEnded(session.id);
    this.#media.endSession(session.id);
    const peers: Peer[] = [];
    for (const member of session.members.values()) {
      member.graceTimer?.cancel();
      member.removeTimer?.cancel();
      this.#resumable.delete(member.resumeToken);
      if (member.peer) peers.push(member.peer);
      member.peer = null;
    }
    session.members.clear();
    session.talking.clear();
    // `end` also marks everyone still present as left at `at`.
    const written = write
      ? this.#write({ kind: 'end', projectId: session.projectId, sessionId: session.id, at })
      : undefined;
    if (cause !== undefined) {
      this.#publish(session, {
        type: 'session.ended',
        session_id: session.id,
        end_time: iso(at),
        reason: cause,
      });
    }
    for (const peer of peers) peer.close(code, reason);
    return written;
  }

  /** A conference or room was deleted: its session ends and everyone is disconnected. */
  endFor(projectId: string, kind: 'conference' | 'room', id: string, relayed = false): void {
    if (!relayed) this.#relay?.({ type: 'end_for', projectId, kind, id });
    const key = `${projectId}/${kind === 'conference' ? 'c' : 'r'}:${id}`;
    // A join that read it before the delete must not open a session on it afterwards.
    this.#gone.set(key, this.#pruneGone());
    const session = this.#sessions.get(key);
    if (session) {
      this.#endSession(
        session,
        this.now(projectId),
        CLOSE_CODES.session_ended,
        'session_ended',
        'deleted',
      );
    }
  }

  /** A project was deleted: all its sessions end (their rows are gone with it). */
  endProject(projectId: string, relayed = false): void {
    if (!relayed) this.#relay?.({ type: 'end_project', projectId });
    this.#gone.set(`${projectId}/`, this.#pruneGone());
    this.#endProjectSessions(projectId, this.now(projectId));
    // Its API tokens went with it: its live feeds end now rather than at their next heartbeat.
    this.feed.closeProject(projectId, 'project deleted');
  }

  /**
   * A project is being emptied but stays (the emulator's reset): its sessions end as on delete,
   * without a tombstone (its conferences and rooms may be made again at once) and with its live
   * feeds kept (its API tokens stay valid). Resolves once writes already queued have landed, so
   * the caller can delete the project's rows after them.
   */
  async endProjectSessions(projectId: string): Promise<void> {
    this.#endProjectSessions(projectId, this.now(projectId));
    await this.#queue.idle();
  }

  #endProjectSessions(projectId: string, now: number): void {
    for (const session of [...this.#sessions.values()]) {
      if (session.projectId === projectId) {
        this.#endSession(
          session,
          now,
          CLOSE_CODES.session_ended,
          'session_ended',
          'deleted',
          false,
        );
      }
    }
  }

  /** Whether the session's conference or room, or its project, was deleted a moment ago. */
  #isGone(projectId: string, mapKey: string): boolean {
    const now = this.wall();
    for (const key of [mapKey, `${projectId}/`]) {
      const at = this.#gone.get(key);
      if (at !== undefined && now - at <= TOMBSTONE_MS) return true;
    }
    return false;
  }

  #pruneGone(): number {
    const now = this.wall();
    for (const [key, at] of this.#gone) if (now - at > TOMBSTONE_MS) this.#gone.delete(key);
    return now;
  }

  // ---- messages ----------------------------------------------------------------------------

  /** Handles one frame of a joined member; returns an error code, or undefined when done. */
  handle(
    membership: Membership,
    message: Exclude<
      ClientMessage,
      { type: 'join' | 'leave' | `recording.${string}` } | MediaClientMessage
    >,
  ): Promise<boolean> | ActionError | undefined {
    const { session, member } = membership;
    if (!session.members.has(member.id) || session.ended) {
      return new ActionError('member_not_found', 'not in a session');
    }
    switch (message.type) {
      case 'signal': {
        const target = session.members.get(message.to);
        if (!target?.peer || !target.admitted) {
          return new ActionError('member_not_found', 'no such member is connected');
        }
        if (member.joinAs === 'audience' && target.joinAs === 'audience') {
          // Audience members only answer publishers; they have nothing to offer one another.
          return new ActionError('not_publisher', 'an audience member signals publishers only');
        }
        const text = JSON.stringify({ type: 'signal', from: member.id, data: message.data });
        this.#sendTo(session, target, text);
        return undefined;
      }
      case 'chat': {
        if (!session.settings.enableChat) {
          return new ActionError('chat_disabled', 'chat is disabled in this conference');
        }
        this.#broadcast(session, {
          type: 'chat',
          from: member.id,
          name: member.name,
          text: message.text,
          at: iso(this.now(session.projectId)),
        });
        return undefined;
      }
      case 'member.update':
        return this.#updateMember(session, member, message);
      case 'member.remove': {
        if (!member.scopes.has('room.member.remove')) return forbidden('room.member.remove');
        const target = session.members.get(message.member_id);
        if (!target) return new ActionError('member_not_found', 'no such member');
        const peer = target.peer;
        const written = this.#leave(session, target, 'removed', this.now(session.projectId));
        peer?.close(CLOSE_CODES.removed, 'removed');
        return written;
      }
      case 'layout.set': {
        if (!member.scopes.has('room.set_layout')) return forbidden('room.set_layout');
        if (!(VIDEO_LAYOUTS as readonly string[]).includes(message.layout)) {
          return new ActionError('bad_message', `unknown layout "${message.layout}"`);
        }
        session.layout = message.layout;
        const at = this.now(session.projectId);
        const written = this.#write(
          this.#event(session, 'layout.changed', at, member.id, { layout: message.layout }),
        );
        this.#broadcast(session, { type: 'session.updated', session: wireSession(session) });
        return written;
      }
      case 'session.lock': {
        const scope = message.locked ? 'room.lock' : 'room.unlock';
        if (!member.scopes.has(scope)) return forbidden(scope);
        const at = this.now(session.projectId);
        session.locked = message.locked;
        const written = this.#write(
          {
            kind: 'lock',
            projectId: session.projectId,
            sessionId: session.id,
            locked: message.locked,
            at,
          },
          this.#event(
            session,
            message.locked ? 'session.locked' : 'session.unlocked',
            at,
            member.id,
            {
              member_id: member.id,
            },
          ),
        );
        this.#broadcast(session, { type: 'session.updated', session: wireSession(session) });
        return written;
      }
    }
  }

  /**
   * `recording.start`: a moderator (scope `room.recording`) starts recording the session.
   * Resolves with the recording's id and start (the time written on its row) once the row is
   * written, or with why not.
   */
  async startRecording(
    membership: Membership,
  ): Promise<{ id: string; startedAt: number } | ActionError> {
    const refused = this.#recordingRefusal(membership);
    if (refused) return refused;
    const { session, member } = membership;
    const outputs = this.#outputs;
    if (!outputs) return new ActionError('recording_unavailable', 'this server records nothing');
    try {
      return await outputs.startRecording(session.projectId, session.id, member.id);
    } catch (error) {
      if (!(error instanceof OutputRefused)) throw error;
      if (error.reason === 'unavailable') {
        return new ActionError('recording_unavailable', error.message);
      }
      if (error.reason === 'ended') return new ActionError('member_not_found', 'not in a session');
      return new ActionError('unavailable', error.message);
    }
  }

  /** `recording.stop`: stops the session's recording `recordingId` (undefined: all of them). */
  stopRecording(membership: Membership, recordingId: string | undefined): ActionError | undefined {
    const refused = this.#recordingRefusal(membership);
    if (refused) return refused;
    const { session } = membership;
    if (!this.#outputs?.stopRecording(session.projectId, session.id, recordingId)) {
      return new ActionError('recording_not_found', 'no such recording in progress');
    }
    return undefined;
  }

  /** The session's recordings in progress here (SignalWire's `video.recording.list`). */
  recordingsOf(membership: Membership): { id: string; stopping: boolean }[] {
    return this.#outputs?.recordingsOf(membership.session.id) ?? [];
  }

  /**
   * A stream of this session alone to `url` (scope `room.stream`; SignalWire's `startStream`),
   * until the session ends or it is stopped.
   */
  startStream(
    membership: Membership,
    url: string,
  ): { id: string; startedAt: number } | ActionError {
    const refused = this.#outputRefusal(membership, 'room.stream');
    if (refused) return refused;
    const { session } = membership;
    if (!this.#outputs)
      return new ActionError('recording_unavailable', 'this server streams nothing');
    try {
      return this.#outputs.startSessionStream(session.projectId, session.id, url);
    } catch (error) {
      if (!(error instanceof OutputRefused)) throw error;
      if (error.reason === 'unavailable') {
        return new ActionError('recording_unavailable', error.message);
      }
      return new ActionError('member_not_found', 'not in a session');
    }
  }

  /** Stops one of the session's streams (scope `room.stream`). */
  stopStream(membership: Membership, streamId: string): ActionError | undefined {
    const refused = this.#outputRefusal(membership, 'room.stream');
    if (refused) return refused;
    const { session } = membership;
    const outputs = this.#outputs;
    if (!outputs?.streamsOf(session.id).some((s) => s.id === streamId)) {
      return new ActionError('recording_not_found', 'no such stream in this session');
    }
    outputs.streamRemoved(session.projectId, streamId);
    return undefined;
  }

  /** The session's streams running here (SignalWire's `video.stream.list`). */
  streamsOf(membership: Membership): { id: string; url: string; startedAt: number }[] {
    return this.#outputs?.streamsOf(membership.session.id) ?? [];
  }

  #recordingRefusal(membership: Membership): ActionError | undefined {
    return this.#outputRefusal(membership, 'room.recording');
  }

  #outputRefusal(membership: Membership, scope: string): ActionError | undefined {
    const { session, member } = membership;
    if (!session.members.has(member.id) || session.ended || !session.announced) {
      return new ActionError('member_not_found', 'not in a session');
    }
    if (!member.scopes.has(scope)) return forbidden(scope);
    return undefined;
  }

  /**
   * A `media.*` frame: checked against the rules here, carried out by the media engine, which
   * answers the member itself (`media.answer`, `ack`, or an `error`).
   */
  handleMedia(membership: Membership, message: MediaClientMessage): ActionError | undefined {
    const { session, member } = membership;
    if (!session.members.has(member.id) || session.ended) {
      return new ActionError('member_not_found', 'not in a session');
    }
    if (!this.#media.available) {
      return new ActionError('media_unavailable', 'this server carries no media');
    }
    if (message.type === 'media.publish') {
      if (member.joinAs === 'audience' && message.tracks.length > 0) {
        return new ActionError('not_publisher', 'an audience member does not publish');
      }
      if (
        message.tracks.some((t) => t.source === 'screen' || t.source === 'screen_audio') &&
        !member.scopes.has('room.self.screenshare')
      ) {
        return forbidden('room.self.screenshare');
      }
    }
    this.#media.handle(session.id, member.id, message);
    return undefined;
  }

  /**
   * A SignalWire relay member's call: one peer connection carrying all of its media, `sdp` its
   * complete offer. The media engine answers through `send` (`call.answer`, or an `error`, with
   * `ref`); a new offer replaces the member's connection.
   */
  call(membership: Membership, ref: string, sdp: string): ActionError | undefined {
    const { session, member } = membership;
    if (!session.members.has(member.id) || session.ended) {
      return new ActionError('member_not_found', 'not in a session');
    }
    if (!this.#media.available) {
      return new ActionError('media_unavailable', 'this server carries no media');
    }
    this.#media.call(session.id, member.id, ref, sdp);
    return undefined;
  }

  /** Whose camera a relay member's call shows (null: nobody). */
  show(membership: Membership, featuredId: string | null): void {
    const { session, member } = membership;
    if (!session.members.has(member.id) || session.ended) return;
    this.#media.show(session.id, member.id, featuredId);
  }

  #updateMember(
    session: SessionState,
    actor: MemberState,
    message: Extract<ClientMessage, { type: 'member.update' }>,
  ): Promise<boolean> | ActionError | undefined {
    const target = message.member_id === undefined ? actor : session.members.get(message.member_id);
    if (!target) return new ActionError('member_not_found', 'no such member');
    const who = target === actor ? 'room.self' : 'room.member';
    const changes: [MemberFlag, boolean, string][] = [];
    if (message.audio_muted !== undefined) {
      changes.push([
        'audioMuted',
        message.audio_muted,
        message.audio_muted ? 'audio_mute' : 'audio_unmute',
      ]);
    }
    if (message.video_muted !== undefined) {
      changes.push([
        'videoMuted',
        message.video_muted,
        message.video_muted ? 'video_mute' : 'video_unmute',
      ]);
    }
    if (message.deaf !== undefined) {
      changes.push(['deaf', message.deaf, message.deaf ? 'deaf' : 'undeaf']);
    }
    for (const [field, muted, action] of changes) {
      if (!muted && field !== 'deaf' && target.joinAs === 'audience') {
        return new ActionError('not_publisher', 'an audience member does not publish');
      }
      if (!actor.scopes.has(`${who}.${action}`)) return forbidden(`${who}.${action}`);
    }
    return this.#applyUpdate(session, target, changes, actor.id);
  }

  /** Applies checked changes: the media, the record (`by`: the member who did it, or null for
   *  the API), everyone told. */
  #applyUpdate(
    session: SessionState,
    target: MemberState,
    changes: readonly (readonly [MemberFlag, boolean, ...unknown[]])[],
    by: string | null,
  ): Promise<boolean> | undefined {
    if (changes.length === 0) return undefined;
    for (const [field, muted] of changes) target[field] = muted;
    // The rules reach the media at once: a muted track stops being forwarded.
    this.#media.update(session.id, target.id, mediaState(target));
    const at = this.now(session.projectId);
    const written = this.#write(
      this.#event(session, 'member.updated', at, target.id, {
        member_id: target.id,
        by,
        audio_muted: target.audioMuted,
        video_muted: target.videoMuted,
        deaf: target.deaf,
      }),
    );
    this.#broadcast(session, { type: 'member.updated', member: wireMember(target) });
    return written;
  }

  // ---- Conclave's own API (/conclave/v1) ---------------------------------------------------

  /** The project's sessions live on this process now, oldest first: the live feed's snapshot. */
  snapshot(projectId: string): LiveFeedSession[] {
    const sessions: LiveFeedSession[] = [];
    for (const session of this.#byId.values()) {
      if (session.projectId !== projectId || !session.announced || session.ended) continue;
      const members: LiveMember[] = [];
      for (const m of session.members.values()) if (m.admitted) members.push(wireMember(m));
      const talking = [...session.talking].filter((id) => session.members.get(id)?.admitted);
      sessions.push({ session: wireSession(session), members, talking });
    }
    return sessions;
  }

  /** The project's session, when it is live on this process (and announced). */
  /**
   * Emulator mode: cuts a member's connection as a network failure would. The socket layer then
   * reports the drop, and the member keeps its place for the grace period (it may resume).
   * False when the session is not hosted here, or the member is not in it or not connected now.
   */
  cutConnection(projectId: string, sessionId: string, memberId: string): boolean {
    const peer = this.#hosted(projectId, sessionId)?.members.get(memberId)?.peer;
    if (!peer?.terminate) return false;
    peer.terminate();
    return true;
  }

  #hosted(projectId: string, sessionId: string): SessionState | undefined {
    const session = this.#byId.get(sessionId);
    if (!session || session.projectId !== projectId || session.ended || !session.announced) {
      return undefined;
    }
    return session;
  }

  /** Whether the project's session is in progress on another process whose lease is current
   *  (the check a join makes before refusing `hosted_elsewhere`). */
  async hostedElsewhere(projectId: string, sessionId: string): Promise<boolean> {
    const host = await this.store.liveSessionHost(projectId, sessionId);
    if (!host || host.nodeId === null || host.nodeId === this.options.nodeId) return false;
    return host.leaseUntil === null || host.leaseUntil >= this.wall();
  }

  /** Whether the project's session is live on this process. */
  hosts(projectId: string, sessionId: string): boolean {
    return this.#hosted(projectId, sessionId) !== undefined;
  }

  /**
   * Ends a live session now, as deleting its conference would (everyone closed 4422
   * `session_ended`), except that it may start again with the next join. Resolves once the end
   * is written (false: it could not be); undefined when the session is not live here.
   */
  endSessionNow(projectId: string, sessionId: string): Promise<boolean> | undefined {
    const session = this.#hosted(projectId, sessionId);
    if (!session) return undefined;
    const written = this.#endSession(
      session,
      this.now(projectId),
      CLOSE_CODES.session_ended,
      'session_ended',
      'ended_by_api',
    );
    return written ?? Promise.resolve(true);
  }

  /** Removes a member as a moderator's `member.remove` does (closed 4420 `removed`); undefined
   *  when there is no such member in a session live here. */
  removeMember(
    projectId: string,
    sessionId: string,
    memberId: string,
  ): Promise<boolean> | undefined {
    const session = this.#hosted(projectId, sessionId);
    const member = session?.members.get(memberId);
    if (!session || !member?.admitted) return undefined;
    const peer = member.peer;
    const written = this.#leave(session, member, 'removed', this.now(projectId));
    peer?.close(CLOSE_CODES.removed, 'removed');
    return written;
  }

  /**
   * Mutes or unmutes a member's audio or video with a moderator's rights. `not_found`: no such
   * member in a session live here; `not_publisher`: an audience member cannot be unmuted.
   */
  updateMember(
    projectId: string,
    sessionId: string,
    memberId: string,
    update: { audio_muted?: boolean | undefined; video_muted?: boolean | undefined },
  ): { member: LiveMember; written: Promise<boolean> } | 'not_found' | 'not_publisher' {
    const session = this.#hosted(projectId, sessionId);
    const member = session?.members.get(memberId);
    if (!session || !member?.admitted) return 'not_found';
    const changes: [MemberFlag, boolean][] = [];
    if (update.audio_muted !== undefined) changes.push(['audioMuted', update.audio_muted]);
    if (update.video_muted !== undefined) changes.push(['videoMuted', update.video_muted]);
    if (member.joinAs === 'audience' && changes.some(([, muted]) => !muted)) {
      return 'not_publisher';
    }
    const written = this.#applyUpdate(session, member, changes, null) ?? Promise.resolve(true);
    return { member: wireMember(member), written };
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Never rejects: false (and a log line) when the writes could not be committed. */
  #write(...writes: SessionWrite[]): Promise<boolean> {
    return this.#queue.write(...writes).then(
      () => true,
      (error: unknown) => {
        const sessionId = writes.map(sessionOf).find((id) => id !== undefined);
        this.log.error({ err: error, sessionId }, 'live session write failed');
        return false;
      },
    );
  }

  #event(
    session: SessionState,
    name: string,
    at: number,
    participant: string | undefined,
    payload: Record<string, unknown>,
  ): SessionWrite {
    const event: NewSessionEvent = {
      id: newOrderedId(),
      projectId: session.projectId,
      roomSessionId: session.id,
      level: 'info',
      name,
      payload,
      createdAt: at,
      ...(participant ? { roomParticipantId: participant } : {}),
    };
    const s = session.settings;
    return { kind: 'event', event, roomId: s.roomId ?? s.conferenceId ?? session.id };
  }

  #sendJoined(session: SessionState, member: MemberState, resumed: boolean): void {
    const others: LiveMember[] = [];
    for (const m of session.members.values()) {
      if (m !== member && m.admitted) others.push(wireMember(m));
    }
    this.#sendTo(
      session,
      member,
      JSON.stringify({
        type: 'joined',
        protocol: 1,
        session: wireSession(session),
        member: wireMember(member),
        members: others,
        scopes: [...member.scopes],
        resume_token: member.resumeToken,
        resumed,
        media: { available: this.#media.available, ice_servers: this.#media.iceServers },
      } satisfies ServerMessage),
    );
  }

  /**
   * Sends to every connected member of the session (but `except`), serialised once. What the
   * members are told of the session's state goes to the project's live feed too — never chat or
   * signaling, which are the participants' content.
   */
  #broadcast(session: SessionState, message: ServerMessage, except?: string): void {
    const text = JSON.stringify(message);
    for (const m of session.members.values()) {
      if (m.id !== except && m.peer && m.admitted) this.#sendTo(session, m, text);
    }
    switch (message.type) {
      case 'member.joined':
      case 'member.updated':
        this.#publish(session, {
          type: message.type,
          session_id: session.id,
          member: message.member,
        });
        break;
      case 'member.left':
        this.#publish(session, {
          type: 'member.left',
          session_id: session.id,
          member_id: message.member_id,
          reason: message.reason,
        });
        break;
      case 'member.talking':
        this.#publish(session, {
          type: 'member.talking',
          session_id: session.id,
          member_id: message.member_id,
          talking: message.talking,
        });
        break;
      case 'session.updated':
        this.#publish(session, {
          type: 'session.updated',
          session_id: session.id,
          session: message.session,
        });
        break;
      default:
        break;
    }
  }

  /** Tells the project's live feed, once the session is announced (its `session.started` sent). */
  #publish(session: SessionState, event: LiveFeedDelta): void {
    if (!session.announced || !this.feed.listening(session.projectId)) return;
    this.feed.publish(session.projectId, event);
  }
}

export class ActionError {
  constructor(
    readonly code: RealtimeErrorCode,
    readonly message: string,
  ) {}
}

function endedRefusal(session: SessionState): Refused {
  if (session.endCode === CLOSE_CODES.hosted_elsewhere) {
    return new Refused('hosted_elsewhere', 'the session is live on another Conclave process');
  }
  return new Refused('session_ended', 'the session ended', session.endCode, session.endReason);
}

function windowRefusal(
  reason: 'too_early' | 'too_late',
  message: string,
  times: RefusalTimes,
): Refused {
  return new Refused(reason, message, undefined, undefined, times);
}

function forbidden(scope: string): ActionError {
  return new ActionError('forbidden', `the token does not grant ${scope}`);
}

function wireMember(m: MemberState): LiveMember {
  return {
    id: m.id,
    name: m.name,
    join_time: iso(m.joinTime),
    join_as: m.joinAs,
    audio_muted: m.audioMuted,
    video_muted: m.videoMuted,
    deaf: m.deaf,
    can_publish: m.joinAs === 'member',
    reconnecting: m.admitted && m.peer === null,
  };
}

/** The admitted members, earliest-joined first, as the featured rule reads them. */
function candidates(session: SessionState): FeatureCandidate[] {
  const list: FeatureCandidate[] = [];
  for (const m of session.members.values()) {
    if (m.admitted) list.push({ id: m.id, can_publish: m.joinAs === 'member' });
  }
  return list;
}

function mediaState(m: MemberState): MemberMediaState {
  return {
    canPublish: m.joinAs === 'member',
    audioMuted: m.audioMuted,
    videoMuted: m.videoMuted,
    deaf: m.deaf,
  };
}

function wireSession(s: SessionState): LiveSessionWire {
  return {
    id: s.id,
    name: s.settings.name,
    display_name: s.settings.displayName,
    conference_id: s.settings.conferenceId,
    room_id: s.settings.roomId ?? s.settings.conferenceId,
    layout: s.layout,
    locked: s.locked,
    max_members: s.settings.maxMembers,
    enable_chat: s.settings.enableChat,
    start_time: iso(s.startTime),
    tone_on_entry_and_exit: s.settings.toneOnEntryAndExit,
    colors: s.settings.colors,
    recording: s.recording,
  };
}

function maxOf(a: number | null | undefined, b: number | null | undefined): number | undefined {
  if (a == null) return b ?? undefined;
  if (b == null) return a;
  return Math.max(a, b);
}

function minOf(a: number | null | undefined, b: number | null | undefined): number | undefined {
  if (a == null) return b ?? undefined;
  if (b == null) return a;
  return Math.min(a, b);
}
