import type {
  MediaAnswerReplyMessage,
  MediaClientMessage,
  MediaClosedMessage,
  MediaInfo,
  MediaOfferMessage,
  MediaSource,
  MediaTrackInfo,
  PublishedTrack,
} from '@conclave/schema';

/** The `RTCPeerConnection` class: the browser's, or a Node implementation's (`@roamhq/wrtc`). */
export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** Least time between two automatic restarts after an unusable server offer. */
const RECOVER_INTERVAL_MS = 10_000;

/** Media options of `joinRealtime`. */
export interface RealtimeMediaOptions {
  /** The `RTCPeerConnection` class. Default: `globalThis.RTCPeerConnection`. In Node, pass
   *  `(await import('@roamhq/wrtc')).default.RTCPeerConnection`. */
  RTCPeerConnection?: PeerConnectionConstructor;
  /** Receive the others' tracks as soon as joined (default `true` when the server carries media
   *  and an `RTCPeerConnection` is available). */
  autoSubscribe?: boolean;
  /** Extra `RTCConfiguration`; `iceServers` defaults to the server's (`joined.media`). */
  configuration?: RTCConfiguration;
}

/** One remote member's track, as received on the subscribe connection. */
export interface RemoteTrack {
  memberId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  /** The transceiver's `mid` on the subscribe connection. */
  mid: string;
  track: MediaStreamTrack;
  /** The member's stream (its id is the member's id), when the implementation gives one. */
  stream: MediaStream | undefined;
}

/** One of this member's published tracks. */
export interface LocalTrack {
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack | null;
  sender: RTCRtpSender;
}

/** `track.added` / `track.removed`. */
export type TrackEvent = RemoteTrack;

/** `media.closed`, plus whether the client starts media again on its own. */
export interface MediaClosedEvent extends MediaClosedMessage {
  restarting: boolean;
}

/** What `publish` takes: a stream, tracks, or tracks with their source. */
export type PublishInput =
  MediaStream | readonly (MediaStreamTrack | { track: MediaStreamTrack; source: MediaSource })[];

export interface PublishOptions {
  /** The source of the stream's (or bare tracks') audio and video: default `microphone` and
   *  `camera` (`screen` and `screen_audio` for a screen share). */
  sources?: { audio?: MediaSource; video?: MediaSource };
}

/** What the media half needs of the session (kept private there). */
export interface MediaChannel {
  /** Sends a request with an id; resolves with the reply (`ack` or `media.answer`). */
  request(frame: MediaClientMessage): Promise<unknown>;
  /** Sends a frame without waiting for a reply. */
  send(frame: MediaClientMessage): void;
  emitTrack(type: 'track.added' | 'track.removed', event: TrackEvent): void;
  emitClosed(event: MediaClosedEvent): void;
  emitError(error: Error): void;
  /** Local mute, told to the server (`member.update`). */
  updateSelf(params: { audioMuted?: boolean; videoMuted?: boolean }): Promise<void>;
}

function isTrackWithSource(
  value: MediaStreamTrack | { track: MediaStreamTrack; source: MediaSource },
): value is { track: MediaStreamTrack; source: MediaSource } {
  return 'source' in value && 'track' in value && typeof value.source === 'string';
}

/**
 * `session.media`: this member's media with Conclave. Two peer connections: `publish` (this
 * member's tracks, which it offers) and `subscribe` (the others' tracks, which the server offers
 * and renegotiates as they come and go). Its events are the session's: `track.added`,
 * `track.removed`, `member.talking`, `media.closed`.
 */
export class RealtimeMedia {
  readonly #channel: MediaChannel;
  readonly #options: RealtimeMediaOptions;
  #info: MediaInfo = { available: false, ice_servers: [] };
  #publishPc: RTCPeerConnection | undefined;
  #subscribePc: RTCPeerConnection | undefined;
  /** Published tracks by source, in publishing order. */
  readonly #local = new Map<MediaSource, { transceiver: RTCRtpTransceiver; kind: string }>();
  /** The remote tracks by subscribe-connection mid. */
  #byMid = new Map<string, RemoteTrack>();
  readonly #remote = new Map<string, Map<MediaSource, RemoteTrack>>();
  readonly #streams = new Map<string, MediaStream>();
  readonly #talking = new Set<string>();
  #subscribed = false;
  /** Publish renegotiations and server offers, each serialized. */
  #publishChain: Promise<unknown> = Promise.resolve();
  #offerChain: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #stopped = false;
  #recovering = false;
  #recoveredAt = -Infinity;
  #recoverTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(channel: MediaChannel, options: RealtimeMediaOptions = {}) {
    this.#channel = channel;
    this.#options = options;
  }

  // ---- state ---------------------------------------------------------------------------------

  /** Whether the server carries media (`joined.media.available`). */
  get available(): boolean {
    return this.#info.available;
  }
  /** The STUN/TURN servers the server gave (`joined.media.ice_servers`). */
  get iceServers(): readonly RTCIceServer[] {
    return this.#info.ice_servers;
  }
  /** Whether the others' tracks are being received (`subscribe()` was called). */
  get subscribed(): boolean {
    return this.#subscribed;
  }
  /** The others' tracks: member id → source → track. */
  get remoteTracks(): ReadonlyMap<string, ReadonlyMap<MediaSource, RemoteTrack>> {
    return this.#remote;
  }
  /** This member's published tracks, by source. */
  get localTracks(): ReadonlyMap<MediaSource, LocalTrack> {
    const out = new Map<MediaSource, LocalTrack>();
    for (const [source, { transceiver, kind }] of this.#local) {
      out.set(source, {
        source,
        kind: kind === 'audio' ? 'audio' : 'video',
        track: transceiver.sender.track,
        sender: transceiver.sender,
      });
    }
    return out;
  }
  /** The ids of the members talking now (`member.talking`). */
  get talking(): ReadonlySet<string> {
    return this.#talking;
  }
  /** The peer connections (for `getStats()`); undefined before first use. */
  get peerConnections(): { publish?: RTCPeerConnection; subscribe?: RTCPeerConnection } {
    return { publish: this.#publishPc, subscribe: this.#subscribePc };
  }

  // ---- publishing ----------------------------------------------------------------------------

  /**
   * Publishes a stream's tracks (or tracks): audio as `microphone`, video as `camera` unless
   * `options.sources` (or a track's own `source`) says otherwise. A source already published has
   * its track replaced. Resolves once the server answered; rejects with `RealtimeError`
   * (`not_publisher` for an audience member, `forbidden` for a screen without
   * `room.self.screenshare`, `media_failed`, `media_unavailable`).
   */
  publish(input: PublishInput, options: PublishOptions = {}): Promise<void> {
    const items: { track: MediaStreamTrack; source: MediaSource }[] = [];
    const tracks = 'getTracks' in input ? input.getTracks() : input;
    for (const item of tracks) {
      if (isTrackWithSource(item)) items.push(item);
      else {
        const source =
          item.kind === 'audio'
            ? (options.sources?.audio ?? 'microphone')
            : (options.sources?.video ?? 'camera');
        items.push({ track: item, source });
      }
    }
    return this.#serialPublish(async () => {
      this.#stopped = false;
      const pc = this.#ensurePublishPc();
      const added: MediaSource[] = [];
      for (const { track, source } of items) {
        const existing = this.#local.get(source);
        if (existing) {
          await existing.transceiver.sender.replaceTrack(track);
          continue;
        }
        const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
        this.#local.set(source, { transceiver, kind: track.kind });
        added.push(source);
      }
      if (added.length === 0) return;
      try {
        await this.#negotiatePublish();
      } catch (error) {
        // Not published after all: those transceivers go.
        for (const source of added) {
          const entry = this.#local.get(source);
          this.#local.delete(source);
          try {
            entry?.transceiver.stop();
          } catch {
            // closed
          }
        }
        if (this.#local.size === 0) this.#closePublishPc();
        throw error;
      }
    });
  }

  /** Stops publishing `source` (or every source): the others' tracks of it are removed. */
  unpublish(source?: MediaSource): Promise<void> {
    return this.#serialPublish(async () => {
      const sources = source === undefined ? [...this.#local.keys()] : [source];
      let changed = false;
      for (const s of sources) {
        const entry = this.#local.get(s);
        if (!entry) continue;
        this.#local.delete(s);
        entry.transceiver.sender.track?.stop();
        try {
          entry.transceiver.stop();
        } catch {
          // closed
        }
        changed = true;
      }
      if (changed && this.#publishPc) await this.#negotiatePublish();
    });
  }

  /** Swaps the track of a published source (switching cameras) without renegotiating. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    const entry = this.#local.get(source);
    if (!entry) throw new Error(`${source} is not published`);
    await entry.transceiver.sender.replaceTrack(track);
  }

  /** Mutes or unmutes one's microphone: the local track stops sending, and the server is told
   *  (`member.update audio_muted`) so the others see it and it forwards nothing. */
  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.#setLocalEnabled('audio', enabled);
    return this.#channel.updateSelf({ audioMuted: !enabled });
  }

  /** Mutes or unmutes one's camera (and screen), like `setMicrophoneEnabled`. */
  setCameraEnabled(enabled: boolean): Promise<void> {
    this.#setLocalEnabled('video', enabled);
    return this.#channel.updateSelf({ videoMuted: !enabled });
  }

  #setLocalEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    for (const { transceiver } of this.#local.values()) {
      const track = transceiver.sender.track;
      if (track && track.kind === kind) track.enabled = enabled;
    }
  }

  #serialPublish(step: () => Promise<void>): Promise<void> {
    const run = this.#publishChain.then(step);
    this.#publishChain = run.catch(() => undefined);
    return run;
  }

  async #negotiatePublish(): Promise<void> {
    const pc = this.#publishPc!;
    const generation = this.#generation;
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const tracks: PublishedTrack[] = [];
    for (const [source, { transceiver }] of this.#local) {
      if (transceiver.mid !== null) tracks.push({ mid: transceiver.mid, source });
    }
    const reply = (await this.#channel.request({
      type: 'media.publish',
      sdp: pc.localDescription!.sdp,
      tracks,
    })) as MediaAnswerReplyMessage;
    this.#flushCandidates('publish');
    if (generation !== this.#generation || pc !== this.#publishPc) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
  }

  // ---- receiving -----------------------------------------------------------------------------

  /** Starts receiving the others' tracks (`track.added`, then `track.removed` as they go). */
  async subscribe(): Promise<void> {
    this.#stopped = false;
    this.#subscribed = true;
    this.#ensureSubscribePc();
    await this.#channel.request({ type: 'media.subscribe' });
  }

  #onOffer(offer: MediaOfferMessage): void {
    // An offer of connections this side has already closed (a restart is under way).
    if (!this.#subscribed) return;
    const generation = this.#generation;
    this.#offerChain = this.#offerChain
      .then(async () => {
        if (generation !== this.#generation) return;
        const pc = this.#ensureSubscribePc();
        await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        if (generation !== this.#generation) return;
        this.#channel.send({ type: 'media.answer', sdp: pc.localDescription!.sdp });
        this.#flushCandidates('subscribe');
        this.#applyTracks(pc, offer.tracks);
        // Applied: a recovery waiting for its turn is not needed any more.
        clearTimeout(this.#recoverTimer);
        this.#recoverTimer = undefined;
      })
      .catch((error: unknown) => {
        if (generation !== this.#generation) return;
        this.#channel.emitError(error instanceof Error ? error : new Error(String(error)));
        this.#recover();
      });
  }

  /**
   * An offer of the server's that this side cannot apply leaves the subscribe connection stuck
   * (the server offers the same again). Start media again on fresh connections: `media.stop`,
   * then publish the same tracks and subscribe again — at most once per `RECOVER_INTERVAL_MS`.
   */
  #recover(): void {
    const now = Date.now();
    if (this.#recovering || this.#recoverTimer !== undefined) return;
    const wait = this.#recoveredAt + RECOVER_INTERVAL_MS - now;
    if (wait > 0) {
      // Too soon after the last one: once the interval is over.
      this.#recoverTimer = setTimeout(() => {
        this.#recoverTimer = undefined;
        if (!this.#stopped && this.#wanted()) this.#recover();
      }, wait);
      return;
    }
    this.#recovering = true;
    this.#recoveredAt = now;
    const tracks = this.#liveTracks();
    const subscribed = this.#subscribed;
    this.#reset(false);
    void this.#channel
      .request({ type: 'media.stop' })
      .catch(() => undefined)
      .then(() => {
        this.#recovering = false;
        if (this.#stopped) return;
        this.#start(tracks, subscribed);
      });
  }

  #applyTracks(pc: RTCPeerConnection, infos: MediaTrackInfo[]): void {
    const transceivers = new Map<string, RTCRtpTransceiver>();
    for (const t of pc.getTransceivers()) if (t.mid !== null) transceivers.set(t.mid, t);
    const next = new Map<string, RemoteTrack>();
    const added: RemoteTrack[] = [];
    for (const info of infos) {
      const transceiver = transceivers.get(info.mid);
      if (!transceiver) continue;
      const track = transceiver.receiver.track;
      const before = this.#byMid.get(info.mid);
      if (
        before &&
        before.memberId === info.member_id &&
        before.source === info.source &&
        before.track === track
      ) {
        next.set(info.mid, before);
        continue;
      }
      const remote: RemoteTrack = {
        memberId: info.member_id,
        source: info.source,
        kind: info.kind,
        mid: info.mid,
        track,
        stream: this.#streamOf(info.member_id, track),
      };
      next.set(info.mid, remote);
      added.push(remote);
    }
    const removed = [...this.#byMid].filter(([mid, t]) => next.get(mid) !== t).map(([, t]) => t);
    this.#byMid = next;
    for (const t of removed) this.#forget(t);
    for (const t of added) {
      let tracks = this.#remote.get(t.memberId);
      if (!tracks) this.#remote.set(t.memberId, (tracks = new Map()));
      tracks.set(t.source, t);
      t.stream?.addTrack(t.track);
      this.#channel.emitTrack('track.added', t);
    }
  }

  #streamOf(memberId: string, track: MediaStreamTrack): MediaStream | undefined {
    let stream = this.#streams.get(memberId);
    const MediaStreamClass = (globalThis as { MediaStream?: typeof MediaStream }).MediaStream;
    if (!stream && MediaStreamClass) {
      stream = new MediaStreamClass([track]);
      this.#streams.set(memberId, stream);
    }
    return stream;
  }

  #forget(t: RemoteTrack): void {
    const tracks = this.#remote.get(t.memberId);
    if (tracks?.get(t.source) === t) tracks.delete(t.source);
    try {
      t.stream?.removeTrack(t.track);
    } catch {
      // not in it
    }
    if (tracks && tracks.size === 0) {
      this.#remote.delete(t.memberId);
      this.#streams.delete(t.memberId);
    }
    this.#channel.emitTrack('track.removed', t);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Ends all of this member's media with Conclave (both connections); the session goes on. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#recoverTimer);
    this.#recoverTimer = undefined;
    const had = this.#publishPc || this.#subscribePc || this.#subscribed;
    this.#reset(true);
    if (had) await this.#channel.request({ type: 'media.stop' }).catch(() => undefined);
  }

  /** @internal The session's frames for the media half. */
  onJoined(info: MediaInfo, resumed: boolean, first: boolean): void {
    this.#info = info;
    if (first) {
      if (info.available && this.#options.autoSubscribe !== false && this.#peerClass()) {
        this.subscribe().catch((error: unknown) =>
          this.#channel.emitError(error instanceof Error ? error : new Error(String(error))),
        );
      }
      return;
    }
    // Connected again: the server dropped this member's media with the old connection.
    void resumed;
    this.#restart();
  }

  /** @internal */
  onOffer(offer: MediaOfferMessage): void {
    this.#onOffer(offer);
  }

  /** @internal */
  onTalking(memberId: string, talking: boolean): void {
    if (talking) this.#talking.add(memberId);
    else this.#talking.delete(memberId);
  }

  /** @internal */
  onMemberLeft(memberId: string): void {
    this.#talking.delete(memberId);
  }

  /** @internal */
  onClosed(message: MediaClosedMessage): void {
    const restarting = message.reason === 'worker_failed' && !this.#stopped && this.#wanted();
    if (message.reason === 'stopped') {
      this.#channel.emitClosed({ ...message, restarting: this.#recovering });
      return;
    }
    if (restarting) this.#restart();
    else this.#reset(false);
    this.#channel.emitClosed({ ...message, restarting });
  }

  /** @internal The session is over. */
  close(): void {
    clearTimeout(this.#recoverTimer);
    this.#recoverTimer = undefined;
    this.#reset(true);
  }

  #wanted(): boolean {
    return this.#subscribed || this.#local.size > 0;
  }

  /** Closes both connections and starts again: publishes the same tracks, subscribes again. */
  #restart(): void {
    if (this.#stopped || !this.#info.available || !this.#wanted()) {
      this.#reset(false);
      return;
    }
    const tracks = this.#liveTracks();
    const subscribed = this.#subscribed;
    this.#reset(false);
    this.#start(tracks, subscribed);
  }

  #liveTracks(): { source: MediaSource; track: MediaStreamTrack }[] {
    const out: { source: MediaSource; track: MediaStreamTrack }[] = [];
    for (const [source, { transceiver }] of this.#local) {
      const track = transceiver.sender.track;
      if (track && track.readyState !== 'ended') out.push({ source, track });
    }
    return out;
  }

  #start(tracks: { source: MediaSource; track: MediaStreamTrack }[], subscribed: boolean): void {
    const fail = (error: unknown) =>
      this.#channel.emitError(error instanceof Error ? error : new Error(String(error)));
    if (tracks.length > 0) this.publish(tracks).catch(fail);
    if (subscribed) this.subscribe().catch(fail);
  }

  /** Closes both connections; `forgetLocal` also forgets what was published. */
  #reset(forgetLocal: boolean): void {
    this.#generation++;
    this.#closePublishPc();
    const sub = this.#subscribePc;
    this.#subscribePc = undefined;
    try {
      sub?.close();
    } catch {
      // closed
    }
    this.#subscribed = false;
    this.#candidates.publish = [];
    this.#candidates.subscribe = [];
    this.#ready.publish = false;
    this.#ready.subscribe = false;
    this.#offerChain = Promise.resolve();
    const gone = [...this.#byMid.values()];
    this.#byMid = new Map();
    for (const t of gone) this.#forget(t);
    if (forgetLocal) this.#local.clear();
  }

  #closePublishPc(): void {
    const pc = this.#publishPc;
    this.#publishPc = undefined;
    this.#local.clear();
    try {
      pc?.close();
    } catch {
      // closed
    }
  }

  // ---- peer connections ----------------------------------------------------------------------

  readonly #candidates: Record<'publish' | 'subscribe', (RTCIceCandidateInit | null)[]> = {
    publish: [],
    subscribe: [],
  };
  /** Whether the connection's first description went to the server (candidates may follow). */
  readonly #ready = { publish: false, subscribe: false };

  #peerClass(): PeerConnectionConstructor | undefined {
    return (
      this.#options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: PeerConnectionConstructor }).RTCPeerConnection
    );
  }

  #newPc(role: 'publish' | 'subscribe'): RTCPeerConnection {
    const Pc = this.#peerClass();
    if (!Pc) {
      throw new Error(
        'no RTCPeerConnection: pass media.RTCPeerConnection (in Node, @roamhq/wrtc’s)',
      );
    }
    const pc = new Pc({
      iceServers: this.#info.ice_servers,
      ...this.#options.configuration,
    });
    pc.addEventListener('icecandidate', (event: RTCPeerConnectionIceEvent) => {
      const current = role === 'publish' ? this.#publishPc : this.#subscribePc;
      if (current !== pc) return;
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      if (candidate && !candidate.candidate) return;
      if (this.#ready[role]) this.#sendCandidate(role, candidate);
      else this.#candidates[role].push(candidate);
    });
    return pc;
  }

  #sendCandidate(pc: 'publish' | 'subscribe', candidate: RTCIceCandidateInit | null): void {
    this.#channel.send({
      type: 'media.candidate',
      pc,
      candidate:
        candidate === null
          ? null
          : {
              candidate: candidate.candidate ?? '',
              ...(candidate.sdpMid === undefined ? {} : { sdpMid: candidate.sdpMid }),
              ...(candidate.sdpMLineIndex === undefined
                ? {}
                : { sdpMLineIndex: candidate.sdpMLineIndex }),
              ...(candidate.usernameFragment === undefined
                ? {}
                : { usernameFragment: candidate.usernameFragment }),
            },
    });
  }

  #flushCandidates(role: 'publish' | 'subscribe'): void {
    this.#ready[role] = true;
    for (const candidate of this.#candidates[role].splice(0)) this.#sendCandidate(role, candidate);
  }

  #ensurePublishPc(): RTCPeerConnection {
    if (!this.#publishPc) this.#publishPc = this.#newPc('publish');
    return this.#publishPc;
  }

  #ensureSubscribePc(): RTCPeerConnection {
    if (!this.#subscribePc) this.#subscribePc = this.#newPc('subscribe');
    return this.#subscribePc;
  }
}
