import type {
  ChatRelayMessage,
  ClientMessage,
  JoinedMessage,
  LiveMember,
  LiveSession,
  MediaClientMessage,
  MemberJoinedMessage,
  MemberTalkingMessage,
  MemberLeftMessage,
  MemberUpdatedMessage,
  ServerMessage,
  SessionUpdatedMessage,
  SignalRelayMessage,
} from '@conclave/schema';
import { REALTIME_SUBPROTOCOL, isFinalClose } from './constants.js';
import { RealtimeClosedError, RealtimeError, type RealtimeRefusal } from './errors.js';
import {
  RealtimeMedia,
  type MediaClosedEvent,
  type RealtimeMediaOptions,
  type TrackEvent,
} from './media.js';
import {
  realtimeUrl,
  resolveWebSocket,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket.js';

/** How the client resumes after a dropped connection. */
export interface ReconnectOptions {
  /** Attempts before giving up (default 5). */
  attempts?: number;
  /** Wait before the first attempt, doubled for each next one (default 500 ms). */
  delayMs?: number;
  /** Longest wait between two attempts (default 5 000 ms). */
  maxDelayMs?: number;
}

/** `joinRealtime`'s options, less the server URL (which `client.video.realtime` knows). */
export interface RealtimeJoinOptions {
  /** A conference token (`vpt_…`) or a room token (JWT). */
  token: string;
  /** Display name (a room token's `user_name` takes precedence). */
  name?: string;
  /**
   * A `resumeToken` of an earlier session with the same token (a page that reloaded), sent with
   * the first join: within the server's grace period the member gets its place back (same member
   * id, `resumed`); otherwise the server ignores it and the join is a new one.
   */
  resumeToken?: string;
  /** The `WebSocket` class. Default: `globalThis.WebSocket`, else the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Resume after a dropped connection (default `true`: 5 attempts from 500 ms). */
  reconnect?: boolean | ReconnectOptions;
  /** How long connecting and joining may take, per attempt (default 10 000 ms). */
  joinTimeoutMs?: number;
  /** Media with Conclave (`session.media`): the `RTCPeerConnection` class, auto-subscribe … */
  media?: RealtimeMediaOptions;
}

export interface RealtimeOptions extends RealtimeJoinOptions {
  /**
   * The server: its base URL (`https://video.example.com`, `http://127.0.0.1:8080`), a bare host
   * as `RestClient` takes it, or the endpoint's `ws(s)://` URL.
   */
  url: string;
}

/** `member.left`, plus the member as last known (`undefined` if never seen). */
export interface MemberLeftEvent extends MemberLeftMessage {
  member: LiveMember | undefined;
}

/** Why the session ended for good. */
export interface RealtimeCloseEvent {
  /** 1000 after `leave()`; a `CLOSE_CODES` value (4420 removed, 4422 session_ended …); 1006 … */
  code: number;
  reason: string;
}

/** Each event's payload, by event name. */
export interface RealtimeEvents {
  'member.joined': MemberJoinedMessage;
  'member.left': MemberLeftEvent;
  'member.updated': MemberUpdatedMessage;
  signal: SignalRelayMessage;
  chat: ChatRelayMessage;
  'session.updated': SessionUpdatedMessage;
  /** An `error` frame that answers no pending request. */
  error: RealtimeError;
  /** The connection dropped; `attempt` (from 1) is about to be made. */
  reconnecting: { attempt: number; code: number; reason: string };
  /** Connected again; `resumed` is false when the server no longer kept the member's place. */
  reconnected: { attempt: number; resumed: boolean };
  /** The session is over: left, refused, removed, ended, or reconnection gave up. */
  closed: RealtimeCloseEvent;
  /** A remote member's track arrived (`session.media.remoteTracks` has it). */
  'track.added': TrackEvent;
  /** A remote member's track ended (unpublished, the member left, or media closed). */
  'track.removed': TrackEvent;
  /** A member started or stopped talking. */
  'member.talking': MemberTalkingMessage;
  /** This member's media with Conclave ended; `restarting` when the client starts it again
   *  (after `worker_failed`). */
  'media.closed': MediaClosedEvent;
}
export type RealtimeEventType = keyof RealtimeEvents;
export type RealtimeListener<K extends RealtimeEventType> = (event: RealtimeEvents[K]) => void;

/** `open` while connected; `reconnecting` between a drop and a resume; then `closed`. */
export type RealtimeState = 'open' | 'reconnecting' | 'closing' | 'closed';

/** `member.update`'s fields, in the SDK's camelCase. */
export interface UpdateMemberParams {
  /** Another member (needs `room.member.*` scopes); omitted: oneself. */
  memberId?: string;
  audioMuted?: boolean;
  videoMuted?: boolean;
  /** Receives no audio from the others. */
  deaf?: boolean;
}

interface Pending {
  resolve: (reply: ServerMessage) => void;
  reject: (error: Error) => void;
}

const LEAVE_TIMEOUT_MS = 5_000;

function parseFrame(data: unknown): ServerMessage | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    text = new TextDecoder().decode(data);
  } else return undefined;
  try {
    const frame = JSON.parse(text) as unknown;
    if (
      frame &&
      typeof frame === 'object' &&
      typeof (frame as { type?: unknown }).type === 'string'
    ) {
      return frame as ServerMessage;
    }
  } catch {
    // Not JSON: ignored.
  }
  return undefined;
}

/**
 * One member's live connection to a session: the members and the session as they change, typed
 * events, and requests answered by the server (`ack`) or refused (`RealtimeError`).
 * Get one from `joinRealtime()` or `client.video.realtime.join()`.
 */
export class RealtimeSession {
  readonly #url: string;
  readonly #options: RealtimeJoinOptions;
  readonly #WebSocket: WebSocketConstructor;
  readonly #reconnect: Required<ReconnectOptions> | undefined;
  readonly #listeners = new Map<RealtimeEventType, Set<(event: never) => void>>();
  readonly #pending = new Map<string, Pending>();
  readonly #members = new Map<string, LiveMember>();
  #ws: WebSocketLike | undefined;
  /** The socket of a connection attempt not yet joined. */
  #connecting: WebSocketLike | undefined;
  #state: RealtimeState = 'open';
  #session!: LiveSession;
  #memberId!: string;
  #scopes: readonly string[] = [];
  #resumeToken: string | undefined;
  #resumed = false;
  #nextId = 0;
  #lastClose: RealtimeCloseEvent = { code: 1006, reason: '' };
  #wake: (() => void) | undefined;
  #closed: Promise<RealtimeCloseEvent>;
  #resolveClosed!: (event: RealtimeCloseEvent) => void;
  readonly #media: RealtimeMedia;

  private constructor(url: string, options: RealtimeJoinOptions, WebSocket: WebSocketConstructor) {
    this.#url = url;
    this.#media = new RealtimeMedia(
      {
        request: (frame) => this.#call(frame),
        send: (frame) => {
          if (this.#state === 'open' && this.#ws) this.#send(this.#ws, frame);
        },
        emitTrack: (type, event) => this.#emit(type, event),
        emitClosed: (event) => this.#emit('media.closed', event),
        emitError: (error) =>
          this.#emit(
            'error',
            error instanceof RealtimeError
              ? error
              : new RealtimeError('media_failed', `media: ${error.message}`),
          ),
        updateSelf: (params) => this.updateMember(params),
      },
      options.media,
    );
    this.#options = options;
    this.#WebSocket = WebSocket;
    this.#resumeToken = options.resumeToken;
    const reconnect = options.reconnect ?? true;
    this.#reconnect =
      reconnect === false
        ? undefined
        : {
            attempts: 5,
            delayMs: 500,
            maxDelayMs: 5_000,
            ...(reconnect === true ? {} : reconnect),
          };
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** Connects and joins; rejects with `RealtimeClosedError` when the server refuses. */
  static async join(options: RealtimeOptions): Promise<RealtimeSession> {
    const { url, ...rest } = options;
    const WebSocket = await resolveWebSocket(options.WebSocket);
    const session = new RealtimeSession(realtimeUrl(url), rest, WebSocket);
    const joined = await session.#open();
    session.#media.onJoined(joined.media, false, true);
    return session;
  }

  // ---- state ---------------------------------------------------------------------------------

  /** The endpoint URL (`ws(s)://…/api/video/realtime`). */
  get url(): string {
    return this.#url;
  }
  /** `open`, `reconnecting`, `closing` (after `leave()`) or `closed`. */
  get state(): RealtimeState {
    return this.#state;
  }
  /** The session, kept current from `session.updated` (layout, locked …). */
  get session(): LiveSession {
    return this.#session;
  }
  /** This member's id (the same after a resume). */
  get memberId(): string {
    return this.#memberId;
  }
  /** This member, kept current (muted by a moderator …). */
  get member(): LiveMember {
    return this.#members.get(this.#memberId)!;
  }
  /** Everyone in the session, this member included, by id, in joining order. */
  get members(): ReadonlyMap<string, LiveMember> {
    return this.#members;
  }
  /** The scopes this member's token grants. */
  get scopes(): readonly string[] {
    return this.#scopes;
  }
  /**
   * The token that takes this member's place back after a dropped connection, renewed by every
   * join (each is good once). Keep it (`sessionStorage`, say) to pass as `resumeToken` when the
   * page reloads.
   */
  get resumeToken(): string {
    return this.#resumeToken!;
  }
  /** Whether the latest join resumed an earlier member (`resumeToken`, or a reconnection) rather
   *  than joining as a new one. */
  get resumed(): boolean {
    return this.#resumed;
  }
  /** This member's media with Conclave: publish, mute, the others' tracks. */
  get media(): RealtimeMedia {
    return this.#media;
  }
  /** Resolves once the session is over, with the final close code and reason. */
  get closed(): Promise<RealtimeCloseEvent> {
    return this.#closed;
  }

  // ---- events --------------------------------------------------------------------------------

  /** Calls `listener` on each `type` event; returns a function that removes it. */
  on<K extends RealtimeEventType>(type: K, listener: RealtimeListener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => this.off(type, listener);
  }

  /** Calls `listener` on the next `type` event only. */
  once<K extends RealtimeEventType>(type: K, listener: RealtimeListener<K>): () => void {
    const off = this.on(type, (event) => {
      off();
      listener(event);
    });
    return off;
  }

  off<K extends RealtimeEventType>(type: K, listener: RealtimeListener<K>): void {
    this.#listeners.get(type)?.delete(listener as (event: never) => void);
  }

  #emit<K extends RealtimeEventType>(type: K, event: RealtimeEvents[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as RealtimeListener<K>)(event);
      } catch (error) {
        // A listener's bug must not break the connection: report it as an uncaught error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  // ---- requests ------------------------------------------------------------------------------

  /** Relays `data` (an SDP offer or answer, an ICE candidate …) to member `to`. */
  signal(to: string, data: unknown): Promise<void> {
    return this.#request({ type: 'signal', to, data });
  }

  /** Sends a chat message to everyone (`chat_disabled` when the session has chat off). */
  chat(text: string): Promise<void> {
    return this.#request({ type: 'chat', text });
  }

  /** Mutes or unmutes oneself, or another member with `room.member.*` scopes. */
  updateMember(params: UpdateMemberParams): Promise<void> {
    return this.#request({
      type: 'member.update',
      ...(params.memberId === undefined ? {} : { member_id: params.memberId }),
      ...(params.audioMuted === undefined ? {} : { audio_muted: params.audioMuted }),
      ...(params.videoMuted === undefined ? {} : { video_muted: params.videoMuted }),
      ...(params.deaf === undefined ? {} : { deaf: params.deaf }),
    });
  }

  /** Mutes the audio of `memberId`, or one's own. */
  muteAudio(memberId?: string): Promise<void> {
    return this.updateMember({ memberId, audioMuted: true });
  }
  unmuteAudio(memberId?: string): Promise<void> {
    return this.updateMember({ memberId, audioMuted: false });
  }
  /** Mutes the video of `memberId`, or one's own. */
  muteVideo(memberId?: string): Promise<void> {
    return this.updateMember({ memberId, videoMuted: true });
  }
  unmuteVideo(memberId?: string): Promise<void> {
    return this.updateMember({ memberId, videoMuted: false });
  }

  /** Removes a member from the session (needs `room.member.remove`). */
  removeMember(memberId: string): Promise<void> {
    return this.#request({ type: 'member.remove', member_id: memberId });
  }

  /** Sets the session's layout (needs `room.set_layout`). */
  setLayout(layout: string): Promise<void> {
    return this.#request({ type: 'layout.set', layout });
  }

  /** Locks the session: nobody else may join (needs `room.lock`). */
  lock(): Promise<void> {
    return this.#request({ type: 'session.lock', locked: true });
  }
  /** Unlocks the session (needs `room.unlock`). */
  unlock(): Promise<void> {
    return this.#request({ type: 'session.lock', locked: false });
  }

  /**
   * Leaves the session: the server records the leave and closes the connection. Resolves once
   * closed (the `closed` event has code 1000). Stops a reconnection in progress.
   */
  async leave(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#state === 'closing') {
      await this.#closed;
      return;
    }
    if (this.#state === 'reconnecting') {
      this.#finish(1000, 'left');
      return;
    }
    this.#state = 'closing';
    const ws = this.#ws!;
    this.#send(ws, { type: 'leave' });
    const timer = setTimeout(() => {
      // No close from the server: close from this side.
      try {
        ws.close(1000, 'left');
      } catch {
        // already closing
      }
      this.#onClose(ws, 1000, 'left');
    }, LEAVE_TIMEOUT_MS);
    await this.#closed;
    clearTimeout(timer);
  }

  #request(frame: Exclude<ClientMessage, { type: 'join' | 'leave' }>): Promise<void> {
    return this.#call(frame).then(() => undefined);
  }

  /** Sends a request; resolves with its reply (`ack`, or `media.answer` to `media.publish`). */
  #call(
    frame: Exclude<ClientMessage, { type: 'join' | 'leave' }> | MediaClientMessage,
  ): Promise<ServerMessage> {
    const ws = this.#ws;
    if (this.#state !== 'open' || !ws) {
      const { code, reason } =
        this.#state === 'closing' ? { code: 1000, reason: 'left' } : this.#lastClose;
      return Promise.reject(new RealtimeClosedError(code, reason));
    }
    const id = `r${++this.#nextId}`;
    return new Promise<ServerMessage>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (!this.#send(ws, { ...frame, id })) {
        this.#pending.delete(id);
        reject(new RealtimeClosedError(this.#lastClose.code, this.#lastClose.reason));
      }
    });
  }

  #send(ws: WebSocketLike, frame: ClientMessage): boolean {
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  // ---- connection ----------------------------------------------------------------------------

  /** Opens a socket and joins (or resumes); settles on `joined`, a close, or the time-out. */
  #open(): Promise<JoinedMessage> {
    return new Promise<JoinedMessage>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new this.#WebSocket(this.#url, REALTIME_SUBPROTOCOL);
      } catch (error) {
        reject(new RealtimeClosedError(1006, 'connect_failed', { cause: error }));
        return;
      }
      this.#connecting = ws;
      let settled = false;
      /** The server's explanation of a refusal, which comes just before its close. */
      let refusal: RealtimeRefusal | undefined;
      const fail = (error: RealtimeClosedError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.#connecting === ws) this.#connecting = undefined;
        reject(error);
      };
      const timer = setTimeout(() => {
        fail(new RealtimeClosedError(4001, 'join_timeout'));
        try {
          ws.close(1000);
        } catch {
          // not open yet
        }
      }, this.#options.joinTimeoutMs ?? 10_000);

      ws.addEventListener('open', () => {
        this.#send(ws, {
          type: 'join',
          token: this.#options.token,
          ...(this.#options.name === undefined ? {} : { name: this.#options.name }),
          ...(this.#resumeToken === undefined ? {} : { resume_token: this.#resumeToken }),
        });
      });
      ws.addEventListener('message', (event: { data: unknown }) => {
        const frame = parseFrame(event.data);
        if (!frame) return;
        if (!settled) {
          if (frame.type === 'refused') {
            refusal = {
              message: frame.message,
              ...(frame.join_from === undefined ? {} : { joinFrom: frame.join_from }),
              ...(frame.join_until === undefined ? {} : { joinUntil: frame.join_until }),
            };
            return;
          }
          if (frame.type !== 'joined') return;
          settled = true;
          clearTimeout(timer);
          this.#connecting = undefined;
          this.#ws = ws;
          this.#applyJoined(frame);
          resolve(frame);
          return;
        }
        if (this.#ws === ws) this.#onFrame(frame);
      });
      ws.addEventListener('error', () => {
        // A 'close' event follows.
      });
      ws.addEventListener('close', (event: { code?: number; reason?: string }) => {
        const code = event.code ?? 1006;
        const reason = event.reason ?? '';
        if (!settled) fail(new RealtimeClosedError(code, reason, refusal ? { refusal } : {}));
        else this.#onClose(ws, code, reason);
      });
    });
  }

  #applyJoined(joined: JoinedMessage): void {
    const previous = new Map(this.#members);
    const first = this.#memberId === undefined;
    const previousSession = this.#session;
    this.#session = joined.session;
    this.#memberId = joined.member.id;
    this.#scopes = joined.scopes;
    this.#resumeToken = joined.resume_token;
    this.#resumed = joined.resumed;
    this.#members.clear();
    this.#members.set(joined.member.id, joined.member);
    for (const member of joined.members) this.#members.set(member.id, member);
    if (first) return;
    // A resume: tell listeners what changed while the connection was down.
    if (JSON.stringify(previousSession) !== JSON.stringify(joined.session)) {
      this.#emit('session.updated', { type: 'session.updated', session: joined.session });
    }
    for (const [id, member] of previous) {
      if (id === this.#memberId || this.#members.has(id)) continue;
      this.#emit('member.left', {
        type: 'member.left',
        member_id: id,
        reason: 'disconnected',
        member,
      });
    }
    for (const [id, member] of this.#members) {
      const before = previous.get(id);
      if (!before) this.#emit('member.joined', { type: 'member.joined', member });
      else if (JSON.stringify(before) !== JSON.stringify(member)) {
        this.#emit('member.updated', { type: 'member.updated', member });
      }
    }
  }

  #onFrame(frame: ServerMessage): void {
    switch (frame.type) {
      case 'ack': {
        const pending = this.#pending.get(frame.ref);
        this.#pending.delete(frame.ref);
        pending?.resolve(frame);
        return;
      }
      case 'media.answer': {
        if (frame.ref === undefined) return;
        const pending = this.#pending.get(frame.ref);
        this.#pending.delete(frame.ref);
        pending?.resolve(frame);
        return;
      }
      case 'media.offer':
        this.#media.onOffer(frame);
        return;
      case 'media.closed':
        this.#media.onClosed(frame);
        return;
      case 'member.talking':
        this.#media.onTalking(frame.member_id, frame.talking);
        this.#emit('member.talking', frame);
        return;
      case 'error': {
        const error = new RealtimeError(frame.code, frame.message, frame.ref);
        const pending = frame.ref === undefined ? undefined : this.#pending.get(frame.ref);
        if (pending) {
          this.#pending.delete(frame.ref!);
          pending.reject(error);
        } else this.#emit('error', error);
        return;
      }
      case 'member.joined':
        this.#members.set(frame.member.id, frame.member);
        this.#emit('member.joined', frame);
        return;
      case 'member.left': {
        const member = this.#members.get(frame.member_id);
        if (frame.member_id !== this.#memberId) this.#members.delete(frame.member_id);
        this.#media.onMemberLeft(frame.member_id);
        this.#emit('member.left', { ...frame, member });
        return;
      }
      case 'member.updated':
        this.#members.set(frame.member.id, frame.member);
        this.#emit('member.updated', frame);
        return;
      case 'session.updated':
        this.#session = frame.session;
        this.#emit('session.updated', frame);
        return;
      case 'signal':
        this.#emit('signal', frame);
        return;
      case 'chat':
        this.#emit('chat', frame);
        return;
      case 'joined':
        this.#applyJoined(frame);
        return;
    }
  }

  #onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    this.#lastClose = { code, reason };
    const error = new RealtimeClosedError(code, reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    if (this.#state === 'closing' || !this.#reconnect || isFinalClose(code)) {
      this.#finish(code, reason);
    } else {
      void this.#resume(code, reason);
    }
  }

  async #resume(code: number, reason: string): Promise<void> {
    const options = this.#reconnect!;
    this.#state = 'reconnecting';
    let last: RealtimeCloseEvent = { code, reason };
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      this.#emit('reconnecting', { attempt, code: last.code, reason: last.reason });
      const delay = Math.min(options.delayMs * 2 ** (attempt - 1), options.maxDelayMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      if (this.#state !== 'reconnecting') return; // left meanwhile
      try {
        const joined = await this.#open();
        if (this.#state !== 'reconnecting') {
          // left while the attempt was joining
          this.#send(this.#ws!, { type: 'leave' });
          return;
        }
        this.#state = 'open';
        this.#emit('reconnected', { attempt, resumed: joined.resumed });
        // The server dropped this member's media with the old connection: start it again.
        this.#media.onJoined(joined.media, joined.resumed, false);
        return;
      } catch (error) {
        if (this.#state !== 'reconnecting') return;
        const closed = error as RealtimeClosedError;
        last = { code: closed.code, reason: closed.reason };
        this.#lastClose = last;
        if (isFinalClose(closed.code) && closed.code !== 4001) break;
      }
    }
    this.#finish(last.code, last.reason);
  }

  #finish(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#lastClose = { code, reason };
    this.#media.close();
    this.#wake?.();
    const connecting = this.#connecting;
    this.#connecting = undefined;
    try {
      connecting?.close(1000);
    } catch {
      // not open yet
    }
    const ws = this.#ws;
    this.#ws = undefined;
    try {
      if (ws && ws.readyState < 2) ws.close(1000, reason);
    } catch {
      // already closed
    }
    for (const pending of this.#pending.values())
      pending.reject(new RealtimeClosedError(code, reason));
    this.#pending.clear();
    this.#resolveClosed({ code, reason });
    this.#emit('closed', { code, reason });
  }
}

/**
 * Connects to a Conclave server's realtime endpoint and joins the session the token admits to.
 * Resolves once joined; rejects with `RealtimeClosedError` (`code` 4401 invalid_token,
 * 4412 session_full, 4413 session_locked …) when the server refuses.
 */
export function joinRealtime(options: RealtimeOptions): Promise<RealtimeSession> {
  return RealtimeSession.join(options);
}
