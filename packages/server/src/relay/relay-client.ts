/**
 * One SignalWire SDK client on the relay: from its `signalwire.connect` until its member is gone.
 * It outlives the socket it connected on — the SDK reconnects with the `protocol` it was issued
 * and keeps its call meanwhile — and it is an ordinary LiveEngine member, whose Peer turns what
 * the engine tells it (Conclave's realtime frames) into SignalWire events.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CLOSE_CODES,
  type LiveMember,
  type LiveSession,
  type ServerMessage,
} from '@conclave/schema';
import type { RoomTokenGrants } from '../auth/room-tokens.js';
import { Refused, type Ticket } from '../realtime/admission.js';
import type { LiveEngine, Membership, Peer } from '../realtime/live-engine.js';
import { featuredMember } from '../realtime/featured-member.js';
import type { RelayHub } from './relay-hub.js';
import {
  channelOf,
  refusalError,
  roomIdOf,
  RPC_ERRORS,
  swEvent,
  swLayout,
  swMember,
  swRoomParams,
  swRoomSession,
  UPDATABLE,
  vertoEvent,
  vertoReply,
  type JsonObject,
  type RoomView,
  type RpcError,
} from './sw-wire.js';

/** One socket, as a client sees it (the routes' connection). */
export interface RelayLink {
  readonly open: boolean;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Cuts the socket without a close frame (emulator mode). */
  terminate?(): void;
}

/** How long a client whose member is gone keeps its socket after `verto.bye`, so the SDK hears
 *  it and hangs up before the close (it closes the socket itself then). */
const BYE_CLOSE_MS = 1000;

/** What the media engine sends a call, besides realtime frames. */
type MediaReply =
  | { type: 'call.answer'; ref: string; sdp: string }
  | { type: 'error'; ref?: string; code: string; message: string }
  | { type: 'media.closed'; reason: string };

/** The Peer LiveEngine holds for one socket of a client. Its media outlives the socket. */
class RelayPeer implements Peer {
  readonly keepsMediaOnDrop = true;
  constructor(
    readonly client: RelayClient,
    readonly link: RelayLink,
  ) {}
  send(text: string): void {
    this.client.fromEngine(this, text);
  }
  close(code: number, reason: string): void {
    this.client.closedByEngine(this, code, reason);
  }
  terminate(): void {
    this.link.terminate?.();
  }
}

export class RelayClient {
  link: RelayLink | undefined;
  #peer: RelayPeer | undefined;
  membership: Membership | undefined;
  /** The member's resume token, from the latest `joined`. */
  #resumeToken: string | undefined;
  callId: string | undefined;
  /** A `video.room.subscribed` goes out with the next answer to the current call. */
  #subscribePending = false;
  /** The call has been answered at least once (the SDK shows layouts from then on). */
  #answered = false;
  #announcedSelf = false;
  #view: RoomView | undefined;
  #selfId: string | undefined;
  /** The latest other member who started talking (kept until another does). */
  #lastTalker: string | undefined;
  #featured: string | null | undefined;
  /** Whether the call's offer sends video (the self view is drawn over its own layer). */
  #sendsVideo = false;
  #forgetTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: LiveEngine,
    private readonly hub: RelayHub,
    readonly protocol: string,
    readonly token: string,
    readonly ticket: Ticket,
    readonly grants: RoomTokenGrants | undefined,
    /** The connect result, answered again to a repeated connect. */
    readonly connectResult: JsonObject,
    private readonly graceMs: number,
  ) {}

  /** Whether `token` is the one this client connected with (compared in constant time). */
  holds(token: string): boolean {
    return timingSafeEqual(
      createHash('sha256').update(token).digest(),
      createHash('sha256').update(this.token).digest(),
    );
  }

  get sessionId(): string | undefined {
    return this.#view?.session.id;
  }

  get selfId(): string | undefined {
    return this.#selfId;
  }

  get view(): RoomView | undefined {
    return this.#view;
  }

  get projectId(): string {
    return this.ticket.projectId;
  }

  /** Whether the client's member is in its session on its current socket. */
  get inRoom(): boolean {
    return (
      this.membership !== undefined &&
      this.#peer !== undefined &&
      this.engine.isCurrent(this.membership, this.#peer)
    );
  }

  // ---- sockets -------------------------------------------------------------------------------

  /**
   * The client's (new) socket. With a member, it takes the member's place back (the engine's
   * resume); false when that place is gone.
   */
  attach(link: RelayLink): boolean {
    clearTimeout(this.#forgetTimer);
    this.#forgetTimer = undefined;
    const previous = this.link;
    this.link = link;
    if (previous && previous !== link) previous.close(CLOSE_CODES.replaced, 'replaced');
    if (!this.membership) return true;
    const peer = new RelayPeer(this, link);
    this.#peer = peer;
    const resumed =
      this.#resumeToken !== undefined &&
      this.engine.resume(
        peer,
        this.token,
        this.#resumeToken,
        () => link.open && this.#peer === peer,
      );
    if (!resumed) {
      this.membership = undefined;
      return false;
    }
    return true;
  }

  /** The socket closed: the member's place (and call) is kept for the grace period. */
  detach(link: RelayLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    const peer = this.#peer;
    this.#peer = undefined;
    if (this.membership && peer) this.engine.dropped(this.membership, peer);
    // Forgotten once nothing can come back: the member's grace period is over by then.
    this.#forgetTimer = setTimeout(() => {
      if (!this.link) this.hub.forget(this);
    }, this.graceMs + 1000);
    this.#forgetTimer.unref();
  }

  #emit(eventType: string, params: JsonObject): void {
    const view = this.#view;
    if (!view || !this.link) return;
    this.link.send(swEvent(eventType, channelOf(view.session.id), this.projectId, params));
  }

  #verto(method: string, params: JsonObject): void {
    const channel = this.#view ? channelOf(this.#view.session.id) : `conclave.${this.protocol}`;
    this.link?.send(vertoEvent(channel, this.projectId, method, params));
  }

  // ---- joining -------------------------------------------------------------------------------

  /**
   * `verto.invite`: joins the session (or takes the member's place back), then hands the offer to
   * the media engine. `reply` answers the request, before any answer to the call can go out.
   */
  async invite(
    link: RelayLink,
    vertoId: unknown,
    callId: string,
    sdp: string,
    name: string | undefined,
    reply: (outcome: { result: JsonObject } | { error: RpcError }) => void,
  ): Promise<void> {
    if (!this.inRoom && this.membership === undefined) {
      const reattached = this.#reattach(link, callId);
      if (!reattached) {
        const joined = await this.#join(link, name);
        if (joined) {
          reply({ error: joined });
          return;
        }
      }
    }
    const membership = this.membership;
    if (!membership || !this.inRoom) {
      reply({ error: { ...RPC_ERRORS.notInRoom, message: 'the connection closed meanwhile' } });
      return;
    }
    const previous = this.callId;
    this.callId = callId;
    this.hub.indexCall(this, previous, callId);
    this.#sendsVideo = sendsVideo(sdp);
    this.#subscribePending = true;
    reply({ result: vertoReply(vertoId, 'CALL CREATED', callId) });
    const refused = this.engine.call(membership, callId, sdp);
    if (refused) {
      this.#hangUp('INCOMPATIBLE_DESTINATION', 88);
      return;
    }
    // The media engine learns whom to show with every call (a new call is a new connection).
    this.#featured = undefined;
    this.#refresh();
  }

  /** A new member; the refusal's error when it is refused. */
  async #join(link: RelayLink, name: string | undefined): Promise<RpcError | undefined> {
    const peer = new RelayPeer(this, link);
    this.#peer = peer;
    let membership: Membership;
    try {
      membership = await this.engine.join(
        peer,
        { type: 'join', token: this.token, ...(name ? { name } : {}) },
        () => link.open && this.#peer === peer,
      );
    } catch (error) {
      if (this.#peer === peer) this.#peer = undefined;
      if (error instanceof Refused) return refusalError(error);
      throw error;
    }
    this.membership = membership;
    this.#announcedSelf = false;
    this.#answered = false;
    this.hub.placeIn(this, undefined, membership.session.id);
    if (!link.open || this.#peer !== peer) {
      // Closed while joining: its place is kept for the grace period, as for any drop.
      this.engine.dropped(membership, peer);
    }
    return undefined;
  }

  /**
   * A reloaded page: the SDK reuses its call's id. The member of that call — this token's, its
   * socket gone, within its grace period — is taken back by this client.
   */
  #reattach(link: RelayLink, callId: string): boolean {
    const previous = this.hub.byCall(callId);
    if (
      !previous ||
      previous === this ||
      previous.link ||
      !previous.membership ||
      previous.#resumeToken === undefined ||
      !previous.holds(this.token)
    ) {
      return false;
    }
    const peer = new RelayPeer(this, link);
    this.#peer = peer;
    const membership = this.engine.resume(
      peer,
      this.token,
      previous.#resumeToken,
      () => link.open && this.#peer === peer,
    );
    if (!membership) {
      this.#peer = undefined;
      return false;
    }
    this.membership = membership;
    this.#lastTalker = previous.#lastTalker;
    previous.membership = undefined;
    this.hub.forget(previous);
    this.hub.placeIn(this, undefined, membership.session.id);
    return true;
  }

  /** `verto.bye` from the client: its member leaves. */
  bye(callId: string): void {
    if (callId !== this.callId || !this.membership) return;
    const membership = this.membership;
    this.#leaveRoom();
    void this.engine.leave(membership);
  }

  #leaveRoom(): void {
    const sessionId = this.sessionId;
    this.membership = undefined;
    this.hub.indexCall(this, this.callId, undefined);
    this.hub.placeIn(this, sessionId, undefined);
    this.callId = undefined;
  }

  /** Ends the call from the server side (a media failure): `verto.bye`, and the member leaves. */
  #hangUp(cause: string, causeCode: number): void {
    const callId = this.callId;
    const membership = this.membership;
    if (callId !== undefined) this.#verto('verto.bye', { callID: callId, cause, causeCode });
    this.#leaveRoom();
    if (membership) void this.engine.leave(membership);
  }

  // ---- what the engine says ------------------------------------------------------------------

  fromEngine(peer: RelayPeer, text: string): void {
    if (peer !== this.#peer) return;
    const message = JSON.parse(text) as ServerMessage | MediaReply;
    switch (message.type) {
      case 'joined':
        this.#resumeToken = message.resume_token;
        this.#selfId = message.member.id;
        this.#sync(message.session, [...message.members, message.member], message.resumed);
        this.#refresh();
        return;
      case 'member.joined': {
        const view = this.#view;
        if (!view) return;
        view.members.set(message.member.id, message.member);
        this.#emit('video.member.joined', this.#memberParams(message.member));
        this.#refresh();
        return;
      }
      case 'member.updated':
        this.#memberUpdated(message.member);
        return;
      case 'member.left': {
        const view = this.#view;
        const member = view?.members.get(message.member_id);
        if (!view || !member) return;
        view.members.delete(member.id);
        view.talking.delete(member.id);
        if (this.#lastTalker === member.id) this.#lastTalker = undefined;
        this.#emit('video.member.left', this.#memberParams(member));
        if (this.hub.pinned(view.session.id) === member.id) this.hub.pin(view.session.id, null);
        this.#refresh();
        return;
      }
      case 'member.talking': {
        const view = this.#view;
        if (!view?.members.has(message.member_id)) return;
        if (message.talking) view.talking.add(message.member_id);
        else view.talking.delete(message.member_id);
        this.#emit('video.member.talking', {
          room_session_id: view.session.id,
          room_id: roomIdOf(view.session),
          member: { id: message.member_id, talking: message.talking },
        });
        if (message.talking && message.member_id !== this.#selfId) {
          this.#lastTalker = message.member_id;
          this.#refresh();
        }
        return;
      }
      case 'session.updated': {
        const view = this.#view;
        if (!view) return;
        const layoutChanged = view.session.layout !== message.session.layout;
        view.session = message.session;
        this.#emit('video.room.updated', swRoomParams(view));
        if (layoutChanged) this.#sendLayout();
        return;
      }
      case 'call.answer':
        this.#answer(message.ref, message.sdp);
        return;
      case 'error':
        // The media engine refused the call (a bad offer, an audience member sending).
        if (message.ref !== undefined && message.ref === this.callId) {
          this.#hangUp('INCOMPATIBLE_DESTINATION', 88);
        }
        return;
      case 'media.closed':
        if (this.callId !== undefined) this.#hangUp('MEDIA_TIMEOUT', 604);
        return;
      default:
        // Chat and signals are Conclave's own; the SDK has no place for them.
        return;
    }
  }

  /** The member is gone by the engine's decision (removed, time up, the session ended) — or this
   *  socket was replaced by another. */
  closedByEngine(peer: RelayPeer, code: number, reason: string): void {
    if (peer !== this.#peer) {
      if (peer.link !== this.link) peer.link.close(code, reason);
      return;
    }
    const view = this.#view;
    if (code !== CLOSE_CODES.removed && code !== CLOSE_CODES.time_up && view) {
      this.#emit('video.room.ended', swRoomParams(view));
    }
    const callId = this.callId;
    if (callId !== undefined) {
      const timeUp = code === CLOSE_CODES.time_up;
      this.#verto('verto.bye', {
        callID: callId,
        cause: timeUp ? 'ALLOTTED_TIMEOUT' : 'NORMAL_CLEARING',
        causeCode: timeUp ? 602 : 16,
      });
    }
    this.#leaveRoom();
    this.#peer = undefined;
    this.hub.forget(this);
    const link = this.link;
    setTimeout(() => link?.close(code, reason), BYE_CLOSE_MS).unref();
  }

  /** The media engine's answer: `verto.answer`, then (first, or after a new invite) the room. */
  #answer(ref: string, sdp: string): void {
    if (ref !== this.callId) return;
    this.#verto('verto.answer', { callID: ref, sdp });
    const view = this.#view;
    if (!this.#subscribePending || !view || !this.#selfId) return;
    this.#subscribePending = false;
    this.#answered = true;
    const members = [...view.members.values()].map((m) => this.#entity(m));
    const entity = swRoomSession(view, members);
    this.#emit('video.room.subscribed', {
      call_id: ref,
      member_id: this.#selfId,
      room_session: entity,
      room: entity,
    });
    const self = view.members.get(this.#selfId);
    if (!this.#announcedSelf && self) {
      this.#announcedSelf = true;
      this.#emit('video.member.joined', this.#memberParams(self));
    }
    this.#sendLayout();
  }

  /** A (re)joined view; after a resume, what changed meanwhile is told as events. */
  #sync(session: LiveSession, members: LiveMember[], resumed: boolean): void {
    const ordered = [...members].sort(
      (a, b) => a.join_time.localeCompare(b.join_time) || a.id.localeCompare(b.id),
    );
    const before = this.#view;
    const view: RoomView = {
      session,
      members: new Map(ordered.map((m) => [m.id, m])),
      talking: new Set(
        [...(before?.talking ?? [])].filter((id) => ordered.some((m) => m.id === id)),
      ),
    };
    this.#view = view;
    if (!resumed || !before || !this.#answered) return;
    for (const [id, member] of before.members) {
      if (!view.members.has(id)) this.#emit('video.member.left', this.#memberParams(member));
    }
    for (const member of ordered) {
      const old = before.members.get(member.id);
      if (!old) this.#emit('video.member.joined', this.#memberParams(member));
      else this.#memberChanged(old, member);
    }
    if (before.session.layout !== session.layout || before.session.locked !== session.locked) {
      this.#emit('video.room.updated', swRoomParams(view));
    }
  }

  #memberUpdated(member: LiveMember): void {
    const view = this.#view;
    const old = view?.members.get(member.id);
    if (!view || !old) return;
    view.members.set(member.id, member);
    this.#memberChanged(old, member);
  }

  #memberChanged(old: LiveMember, member: LiveMember): void {
    const view = this.#view;
    if (!view) return;
    const updated = UPDATABLE.filter((field) => old[field] !== member[field]);
    if (updated.length === 0) return;
    const changes: JsonObject = {};
    for (const field of updated) changes[field] = member[field];
    this.#emit('video.member.updated', {
      room_session_id: view.session.id,
      room_id: roomIdOf(view.session),
      member: {
        id: member.id,
        room_session_id: view.session.id,
        room_id: roomIdOf(view.session),
        ...changes,
        updated,
      },
    });
  }

  // ---- whom it sees --------------------------------------------------------------------------

  /** A moderator pinned or unpinned someone in the session. */
  pinChanged(before: string | undefined, after: string | undefined): void {
    const view = this.#view;
    if (!view) return;
    for (const [id, position] of [
      [before, 'auto'],
      [after, 'standard-1'],
    ] as const) {
      if (id === undefined || !view.members.has(id)) continue;
      this.#emit('video.member.updated', {
        room_session_id: view.session.id,
        room_id: roomIdOf(view.session),
        member: {
          id,
          room_session_id: view.session.id,
          room_id: roomIdOf(view.session),
          requested_position: position,
          updated: ['requested_position'],
        },
      });
    }
    this.#refresh();
  }

  /**
   * Whom this member's call shows: the member a moderator pinned (not itself), else the latest
   * other member who started talking, else the earliest-joined other member who publishes.
   */
  featured(): string | null {
    const view = this.#view;
    const self = this.#selfId;
    if (!view || !self) return null;
    return featuredMember({
      pinned: this.hub.pinned(view.session.id),
      lastTalker: this.#lastTalker,
      members: view.members.values(),
      exclude: self,
    });
  }

  /** Tells the media engine and the SDK when whom it sees changed. */
  #refresh(): void {
    if (!this.membership || this.callId === undefined) return;
    const featured = this.featured();
    if (featured === this.#featured) return;
    this.#featured = featured;
    this.engine.show(this.membership, featured);
    if (this.#answered && !this.#subscribePending) this.#sendLayout();
  }

  #sendLayout(): void {
    const view = this.#view;
    const self = this.#selfId;
    if (!view || !self) return;
    const featured = this.featured();
    this.#emit('video.layout.changed', swLayout(view, featured, self, this.#sendsVideo));
  }

  #entity(member: LiveMember): JsonObject {
    const view = this.#view!;
    const position =
      member.id === this.#featured
        ? 'standard-1'
        : member.id === this.#selfId && this.#sendsVideo
          ? 'self'
          : 'off-canvas';
    return swMember(view, member, position, this.hub.pinned(view.session.id) === member.id);
  }

  #memberParams(member: LiveMember): JsonObject {
    const view = this.#view!;
    return {
      room_session_id: view.session.id,
      room_id: roomIdOf(view.session),
      member: this.#entity(member),
    };
  }

  /** Everyone admitted, as `video.members.get` lists them. */
  members(): JsonObject[] {
    const view = this.#view;
    return view ? [...view.members.values()].map((m) => this.#entity(m)) : [];
  }
}

/** Whether an offer sends video: a video section that is `sendrecv` or `sendonly`. */
function sendsVideo(sdp: string): boolean {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  return sections.some((section) => {
    if (!section.startsWith('video')) return false;
    if (/^video 0 /.test(section)) return false;
    return !/\r?\na=(recvonly|inactive)\b/.test(section);
  });
}
