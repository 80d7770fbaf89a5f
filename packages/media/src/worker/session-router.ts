/**
 * One live session's media, inside a worker: its members, each with up to two peer connections
 * with Conclave — `publish` (the member offers, Conclave answers; tracks in) and `subscribe`
 * (Conclave offers, the member answers; everyone else's tracks out) — or, for a client that
 * expects a mixed room, one `call` connection (its tracks in; one chosen camera and a mix of
 * everyone else's voices out) — and the producers and consumers between them. Closing the router
 * closes everything in it.
 *
 * Each member's media frames are handled one at a time, in order; a server-made offer waits its
 * turn on the same chain. Every failure stays with the member it concerns: an error frame for
 * them, nothing for anyone else.
 */
import { randomUUID } from 'node:crypto';
import {
  MediaStream,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  type RTCRtpTransceiver,
} from 'werift';
import type {
  MediaClientMessage,
  MediaSource,
  MediaTrackInfo,
  RealtimeErrorCode,
  ServerMessage,
} from '@conclave/schema';
import type {
  CallAnswerMessage,
  MemberMediaState,
  OutputEvent,
  OutputSpec,
  SyntheticSpec,
  WorkerConfig,
  WorkerCounts,
} from '../media-types.js';
import { closePeer } from '../close-peer.js';
import { checkCandidate, checkSdp, MediaInputError } from '../sdp-guard.js';
import { announcedOnly, codecs, peerConfig, withoutReceiveOnlySsrcs } from './peer-config.js';
import {
  Consumer,
  Producer,
  type ProducerInput,
  type ProducerOwner,
  type ProducerTrack,
} from './producer.js';
import { SyntheticSource } from './synthetic-source.js';
import { AudioMixer, CallMixSender, type MixSender } from './audio-mixer.js';
import { MediaOutput } from './media-output.js';

export interface RouterOutput {
  send(memberId: string, message: ServerMessage | CallAnswerMessage): void;
  talking(memberId: string, talking: boolean): void;
  /** An output's event (`MediaEngine.startOutput`). */
  output(outputId: string, event: OutputEvent): void;
  /** An output's ffmpeg started as process `pid`. */
  outputPid(outputId: string, pid: number): void;
  /** A member's synthetic source's ffmpeg started as process `pid`, or ended (null). */
  syntheticPid(memberId: string, pid: number | null): void;
}

/** Most sections in a publish offer (tracks, plus room for a data channel). */
const MAX_PUBLISH_SECTIONS = 8;
/** Most sections in a call offer (one audio and one video, and room for a data channel). */
const MAX_CALL_SECTIONS = 4;
/** The feedback message type of a Full Intra Request (RFC 5104). */
const FIR_FORMAT = 4;
/** A call's answer waits at most this long for its candidates to be gathered. */
const GATHER_TIMEOUT_MS = 5_000;

/** A member's single connection when its client expects a mixed room. */
interface Call {
  pc: RTCPeerConnection;
  /** The transceivers Conclave sends on (the mix; the featured camera), if negotiated so. */
  audio: RTCRtpTransceiver | undefined;
  video: RTCRtpTransceiver | undefined;
  /** The mix's destination: `audio`'s sender. */
  mix: MixSender | undefined;
  /** The featured camera on `video`. */
  consumer: Consumer | undefined;
  unsubscribe: () => void;
}

class MemberMedia implements ProducerOwner {
  publish: RTCPeerConnection | undefined;
  subscribe: RTCPeerConnection | undefined;
  call: Call | undefined;
  /** Whose camera its call shows (`show`), kept across call connections. */
  featured: string | null = null;
  /** Asked for the others' tracks (`media.subscribe`). */
  subscribed = false;
  /** An offer of ours awaits the member's answer. */
  offering = false;
  /** Something changed while offering: offer again after the answer. */
  dirty = false;
  negotiateScheduled = false;
  readonly producers = new Map<ProducerInput, Producer>();
  /** Its camera and microphone made by ffmpeg (`synthetic`), instead of published. */
  synthetic: SyntheticSource | undefined;
  readonly consumers = new Map<Producer, Consumer>();
  /** Subscribe transceivers no longer used (inactive), kept to carry the next track of their
   *  kind and codec: the m-line count stays at the most tracks ever received at once. */
  readonly idle: RTCRtpTransceiver[] = [];
  /** A transceiver went idle since the last offer: the next offer must say so. */
  retired = false;
  /** Candidates for the subscribe connection that arrived before its answer. */
  pendingCandidates: NonNullable<
    Extract<MediaClientMessage, { type: 'media.candidate' }>['candidate']
  >[] = [];
  chain: Promise<void> = Promise.resolve();
  closed = false;

  constructor(
    readonly memberId: string,
    public state: MemberMediaState,
    readonly router: SessionRouter,
  ) {}

  get counts(): WorkerCounts {
    return this.router.counts;
  }

  talking(producer: Producer, talking: boolean): void {
    if (producer.source === 'microphone') this.router.output.talking(this.memberId, talking);
  }
}

export class SessionRouter {
  readonly members = new Map<string, MemberMedia>();
  /** Recordings and streams, by the caller's id. */
  readonly outputs = new Map<string, MediaOutput>();
  /** Runs while some member has a call, or there is an output. */
  mixer: AudioMixer | undefined;

  constructor(
    readonly id: string,
    readonly config: WorkerConfig,
    readonly counts: WorkerCounts,
    readonly output: RouterOutput,
  ) {}

  join(memberId: string, state: MemberMediaState): void {
    if (this.members.has(memberId)) {
      this.update(memberId, state);
      return;
    }
    this.members.set(memberId, new MemberMedia(memberId, state, this));
    this.counts.members++;
  }

  update(memberId: string, state: MemberMediaState): void {
    const member = this.members.get(memberId);
    if (!member) return;
    member.state = state;
    for (const producer of member.producers.values()) {
      producer.setMuted(producer.kind === 'audio' ? state.audioMuted : state.videoMuted);
    }
    for (const consumer of member.consumers.values()) {
      const paused = state.deaf && consumer.producer.kind === 'audio';
      if (consumer.paused && !paused) consumer.resync();
      consumer.paused = paused;
    }
    if (!state.canPublish) this.#closePublish(member);
    this.#refreshOutputs();
    this.#syncMix();
  }

  leave(memberId: string): Promise<void>[] {
    const member = this.members.get(memberId);
    if (!member) return [];
    this.members.delete(memberId);
    this.counts.members--;
    member.closed = true;
    const closing = this.#closeMedia(member);
    // Calls that showed its camera show nothing now; the mix loses its voice.
    this.#refreshCalls();
    this.#syncMix();
    return closing;
  }

  /** Ends everyone's media; resolves as their connections' sockets close and the outputs have
   *  finished their files. `failure`: the outputs end as failed, for this reason. */
  close(failure?: string): Promise<void>[] {
    const finishing = [...this.outputs.values()].map((output) => {
      output.stop(failure);
      return output.finished;
    });
    const closing = [...this.members.keys()].flatMap((memberId) => this.leave(memberId));
    this.mixer?.close();
    this.mixer = undefined;
    return [...finishing, ...closing];
  }

  // ---- synthetic sources -----------------------------------------------------------------

  /**
   * The member's camera and microphone are made by ffmpeg (see `MediaEngine.synthetic`): its
   * tracks reach everyone as a publisher's do. Ends with its member's media (leave, `media.stop`,
   * no longer a publisher); a second call replaces the first source.
   */
  synthetic(memberId: string, spec: SyntheticSpec): void {
    const member = this.members.get(memberId);
    if (!member || !member.state.canPublish) return;
    this.#enqueue(member, async () => {
      if (member.publish || member.call) return; // it publishes for real
      this.#closePublish(member);
      const source: SyntheticSource = new SyntheticSource(spec, this.config.outputs.ffmpeg, {
        pid: (pid) => this.output.syntheticPid(memberId, pid),
        failed: () => {
          this.counts.errors++;
          if (member.synthetic !== source) return;
          this.#closePublish(member);
        },
      });
      member.synthetic = source;
      try {
        await source.start();
      } catch (error) {
        source.stop();
        if (member.synthetic === source) member.synthetic = undefined;
        throw error;
      }
      if (member.closed || member.synthetic !== source) {
        source.stop();
        return;
      }
      this.#addInput(member, source.video, source.video.track, 'camera');
      this.#addInput(member, source.audio, source.audio.track, 'microphone');
      for (const other of this.members.values()) {
        if (other !== member) this.#scheduleNegotiation(other);
      }
      this.#refreshCalls();
      this.#syncMix();
    });
  }

  // ---- outputs ---------------------------------------------------------------------------

  /** Starts a recording or a stream (see `MediaEngine.startOutput`). */
  startOutput(spec: OutputSpec): void {
    if (this.outputs.has(spec.id)) {
      this.output.output(spec.id, {
        state: 'failed',
        reason: `an output with id "${spec.id}" is already running in this session`,
        durationMs: 0,
        sizeBytes: 0,
        format: spec.kind === 'recording' ? 'webm' : 'flv',
      });
      return;
    }
    const output: MediaOutput = new MediaOutput(spec, {
      counts: this.counts,
      options: this.config.outputs,
      event: (event) => this.output.output(spec.id, event),
      pid: (pid) => this.output.outputPid(spec.id, pid),
      release: (consumer) => {
        consumer.producer.consumers.delete(consumer);
        consumer.dispose();
      },
      done: () => {
        if (this.outputs.get(spec.id) !== output) return;
        this.outputs.delete(spec.id);
        for (const camera of output.cameras) {
          camera.producer.consumers.delete(camera);
          camera.dispose();
        }
        this.#syncMix();
      },
    });
    this.outputs.set(spec.id, output);
    this.#syncMix();
    void output.start();
  }

  showOutput(outputId: string, featuredId: string | null): void {
    const output = this.outputs.get(outputId);
    if (!output) return;
    output.featured = featuredId;
    this.#refreshOutput(output);
  }

  stopOutput(outputId: string): void {
    this.outputs.get(outputId)?.stop();
  }

  #refreshOutputs(): void {
    for (const output of this.outputs.values()) this.#refreshOutput(output);
  }

  /** An output shows the featured member's VP8 camera while it is not muted; else black. */
  #refreshOutput(output: MediaOutput): void {
    if (output.state === 'done' || output.state === 'stopping') return;
    const featured = output.featured === null ? undefined : this.members.get(output.featured);
    let wanted: Producer | undefined;
    for (const producer of featured?.producers.values() ?? []) {
      if (producer.source === 'camera' && !producer.closed) wanted = producer;
    }
    if (wanted && (wanted.muted || wanted.mimeType.toLowerCase() !== 'video/vp8')) {
      wanted = undefined;
    }
    if (output.camera?.producer === wanted) return;
    if (!wanted) {
      output.showBlack();
      return;
    }
    const lane = output.cameraLane();
    const consumer = new Consumer(wanted, lane, output.listenerId);
    lane.consumer = consumer;
    wanted.consumers.add(consumer);
    consumer.negotiated(true);
  }

  /** A call offer (see `MediaEngine.call`); the reply is a `call.answer` or an error. */
  call(memberId: string, ref: string, sdp: string): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.#attempt(member, ref, 'call offer', () => this.#call(member, ref, sdp));
  }

  /** Whose camera the member's call shows (null: nobody). */
  show(memberId: string, featuredId: string | null): void {
    const member = this.members.get(memberId);
    if (!member) return;
    member.featured = featuredId;
    this.#refreshCall(member);
  }

  handle(memberId: string, message: MediaClientMessage): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.#attempt(member, message.id, message.type.slice(6), () => this.#handle(member, message));
  }

  /** Runs `step` in the member's turn; a failure is answered `media_failed` (`what` could not be
   *  used), and stays with that member. */
  #attempt(
    member: MemberMedia,
    ref: string | undefined,
    what: string,
    step: () => Promise<void>,
  ): void {
    this.#enqueue(member, async () => {
      try {
        await step();
      } catch (error) {
        this.counts.errors++;
        const text =
          error instanceof MediaInputError
            ? error.message
            : `the ${what} could not be used: ${describe(error)}`;
        this.#reply(member, ref, 'media_failed', text);
      }
    });
  }

  #enqueue(member: MemberMedia, step: () => Promise<void>): void {
    member.chain = member.chain.then(async () => {
      if (member.closed) return;
      try {
        await step();
      } catch {
        this.counts.errors++;
      }
    });
  }

  async #handle(member: MemberMedia, message: MediaClientMessage): Promise<void> {
    switch (message.type) {
      case 'media.publish':
        return this.#publish(member, message);
      case 'media.subscribe':
        member.subscribed = true;
        this.#scheduleNegotiation(member);
        this.#ack(member, message.id);
        return;
      case 'media.answer':
        return this.#answer(member, message);
      case 'media.candidate': {
        const pc = message.pc === 'publish' ? member.publish : member.subscribe;
        if (message.candidate && message.candidate.candidate !== '') {
          checkCandidate(message.candidate.candidate);
        }
        if (!pc) throw new MediaInputError(`no ${message.pc} connection to add a candidate to`);
        if (message.candidate === null) {
          this.#ack(member, message.id);
          return;
        }
        if (message.pc === 'subscribe' && !pc.remoteDescription) {
          if (member.pendingCandidates.length >= 64) {
            throw new MediaInputError('too many candidates before the answer');
          }
          member.pendingCandidates.push(message.candidate);
        } else if (message.candidate.candidate !== '') {
          await pc.addIceCandidate(toCandidate(message.candidate));
        }
        this.#ack(member, message.id);
        return;
      }
      case 'media.stop':
        this.#closeMedia(member);
        this.output.send(member.memberId, { type: 'media.closed', reason: 'stopped' });
        this.#ack(member, message.id);
        return;
    }
  }

  // ---- publish ---------------------------------------------------------------------------

  async #publish(
    member: MemberMedia,
    message: Extract<MediaClientMessage, { type: 'media.publish' }>,
  ): Promise<void> {
    if (!member.state.canPublish) {
      this.#reply(member, message.id, 'not_publisher', 'this member may not publish');
      return;
    }
    checkSdp(message.sdp, 'offer', MAX_PUBLISH_SECTIONS);
    const sources = new Map<string, MediaSource>();
    for (const track of message.tracks) {
      if (sources.has(track.mid)) throw new MediaInputError(`mid "${track.mid}" is listed twice`);
      sources.set(track.mid, track.source);
    }
    let pc = member.publish;
    if (!pc) {
      pc = this.#connection(member, 'publish');
      member.publish = pc;
    }
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
    } catch (error) {
      // The connection may be half-changed: it is dropped, and the member may publish anew.
      this.#closePublish(member);
      throw error;
    }
    if (member.closed || member.publish !== pc) return;
    this.#reconcileProducers(member, pc, sources);
    const sdp = withoutReceiveOnlySsrcs(
      announcedOnly(pc.localDescription?.sdp ?? '', this.config.addresses),
    );
    this.output.send(member.memberId, {
      type: 'media.answer',
      pc: 'publish',
      sdp,
      ...(message.id !== undefined ? { ref: message.id } : {}),
    });
  }

  /** Producers follow the publish connection's receiving transceivers. */
  #reconcileProducers(
    member: MemberMedia,
    pc: RTCPeerConnection,
    sources: Map<string, MediaSource>,
  ): void {
    const live = new Set<ProducerInput>();
    const added: [RTCRtpTransceiver, MediaSource][] = [];
    for (const transceiver of pc.getTransceivers()) {
      const receiving =
        !transceiver.stopped &&
        !transceiver.stopping &&
        (transceiver.currentDirection === 'recvonly' ||
          transceiver.currentDirection === 'sendrecv');
      if (!receiving || transceiver.mid === null) continue;
      live.add(transceiver);
      if (member.producers.has(transceiver)) continue;
      const kind = transceiver.kind === 'audio' ? 'audio' : 'video';
      added.push([
        transceiver,
        sources.get(transceiver.mid) ?? (kind === 'audio' ? 'microphone' : 'camera'),
      ]);
    }
    const synthetic = member.synthetic;
    const gone = [...member.producers].filter(
      ([input]) => !live.has(input) && input !== synthetic?.video && input !== synthetic?.audio,
    );
    for (const [transceiver, source] of added) {
      const producer = this.#addProducer(member, transceiver, source);
      // The same source published on a new transceiver (the camera replaced, say): the old
      // one's subscribers keep their transceivers and continue on the new producer.
      const index = gone.findIndex(([, p]) => p.source === source && p.kind === producer.kind);
      if (index < 0) continue;
      const [oldTransceiver, previous] = gone.splice(index, 1)[0]!;
      member.producers.delete(oldTransceiver);
      this.counts.producers--;
      for (const consumer of previous.consumers) {
        consumer.producer = producer;
        producer.consumers.add(consumer);
        consumer.resync();
        const subscriber = this.members.get(consumer.subscriberId);
        // (A call's or an output's camera is not in a member's subscribe consumers.)
        const mine = subscriber?.consumers.get(previous);
        if (subscriber && mine === consumer) {
          subscriber.consumers.delete(previous);
          subscriber.consumers.set(producer, mine);
        }
      }
      previous.consumers.clear();
      previous.close();
    }
    for (const [transceiver, producer] of gone) this.#removeProducer(member, transceiver, producer);
    if (added.length > 0) {
      for (const other of this.members.values()) {
        if (other !== member) this.#scheduleNegotiation(other);
      }
    }
    this.#refreshCalls();
    this.#syncMix();
  }

  #addProducer(member: MemberMedia, transceiver: RTCRtpTransceiver, source: MediaSource): Producer {
    return this.#addInput(member, transceiver, transceiver.receiver.track, source);
  }

  #addInput(
    member: MemberMedia,
    input: ProducerInput,
    track: ProducerTrack,
    source: MediaSource,
  ): Producer {
    const producer = new Producer(
      randomUUID(),
      member,
      source,
      input,
      track,
      this.config.keyframeIntervalMs,
    );
    producer.muted = producer.kind === 'audio' ? member.state.audioMuted : member.state.videoMuted;
    member.producers.set(input, producer);
    this.counts.producers++;
    return producer;
  }

  #removeProducer(member: MemberMedia, transceiver: ProducerInput, producer: Producer): void {
    member.producers.delete(transceiver);
    this.counts.producers--;
    producer.close();
    for (const other of this.members.values()) {
      const consumer = other.consumers.get(producer);
      if (!consumer) continue;
      this.#retire(other, producer, consumer);
      this.#scheduleNegotiation(other);
    }
    producer.consumers.clear();
    this.#refreshCalls();
    this.#syncMix();
  }

  #closePublish(member: MemberMedia): Promise<void>[] {
    for (const [transceiver, producer] of [...member.producers]) {
      this.#removeProducer(member, transceiver, producer);
    }
    member.synthetic?.stop();
    member.synthetic = undefined;
    if (!member.publish) return [];
    const pc = member.publish;
    member.publish = undefined;
    this.counts.transports--;
    return [closePeer(pc)];
  }

  // ---- subscribe -------------------------------------------------------------------------

  #scheduleNegotiation(member: MemberMedia): void {
    if (!member.subscribed || member.closed) return;
    if (member.offering) {
      member.dirty = true;
      return;
    }
    if (member.negotiateScheduled) return;
    member.negotiateScheduled = true;
    // On the next turn: the tracks of one publish (audio and video) go in one offer.
    setImmediate(() => {
      member.negotiateScheduled = false;
      this.#enqueue(member, () => this.#offer(member));
    });
  }

  async #offer(member: MemberMedia): Promise<void> {
    if (!member.subscribed || member.closed) return;
    if (member.offering) {
      member.dirty = true;
      return;
    }
    member.dirty = false;
    // Consumers follow the other members' producers.
    const wanted = new Set<Producer>();
    for (const other of this.members.values()) {
      if (other === member) continue;
      for (const producer of other.producers.values()) wanted.add(producer);
    }
    const pc = member.subscribe ?? this.#connection(member, 'subscribe');
    let changed = !member.subscribe || member.retired;
    member.retired = false;
    member.subscribe = pc;
    for (const producer of wanted) {
      if (member.consumers.has(producer)) continue;
      const stream = new MediaStream({ id: producer.owner.memberId });
      // An idle transceiver of the same kind and codec carries it if there is one: werift's
      // reuse of stopped m-lines gives the new section a transport of its own, which browsers
      // refuse in a bundle ("Failed to setup RTCP mux").
      const index = member.idle.findIndex(
        (t) => t.kind === producer.kind && sameCodec(t, producer.mimeType),
      );
      let transceiver: RTCRtpTransceiver;
      let recycled = false;
      if (index >= 0) {
        transceiver = member.idle.splice(index, 1)[0]!;
        transceiver.setDirection('sendonly');
        transceiver.sender.setStreams([stream]);
        recycled = true;
      } else {
        transceiver = pc.addTransceiver(producer.kind, {
          direction: 'sendonly',
          streams: [stream],
        });
        if (producer.kind === 'video') {
          transceiver.setCodecPreferences(matchingCodecs(pc, producer.mimeType));
        }
      }
      const consumer = new Consumer(producer, transceiver, member.memberId);
      // Another source on the same sender: its sequence and timestamps continue.
      if (recycled) consumer.continuityPending = true;
      consumer.paused = member.state.deaf && producer.kind === 'audio';
      member.consumers.set(producer, consumer);
      producer.consumers.add(consumer);
      this.counts.consumers++;
      changed = true;
    }
    for (const [producer, consumer] of member.consumers) {
      if (wanted.has(producer)) continue;
      this.#retire(member, producer, consumer);
      changed = true;
    }
    const hasMedia = pc.getTransceivers().some((t) => !t.stopped);
    if (!hasMedia && !pc.remoteDescription) return; // nothing to offer yet
    if (!changed && pc.signalingState === 'stable') return;
    await pc.setLocalDescription(await pc.createOffer());
    if (member.closed || member.subscribe !== pc) return;
    member.offering = true;
    const tracks: MediaTrackInfo[] = [];
    for (const consumer of member.consumers.values()) {
      const mid = consumer.transceiver.mid;
      if (mid === null) continue;
      tracks.push({
        mid,
        member_id: consumer.producer.owner.memberId,
        kind: consumer.producer.kind,
        source: consumer.producer.source,
      });
    }
    this.output.send(member.memberId, {
      type: 'media.offer',
      pc: 'subscribe',
      sdp: announcedOnly(pc.localDescription?.sdp ?? '', this.config.addresses),
      tracks,
    });
  }

  async #answer(
    member: MemberMedia,
    message: Extract<MediaClientMessage, { type: 'media.answer' }>,
  ): Promise<void> {
    const pc = member.subscribe;
    if (!pc || !member.offering) throw new MediaInputError('no offer is waiting for an answer');
    checkSdp(message.sdp, 'answer');
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
    } catch (error) {
      // Back to where it was: the next change offers again.
      member.offering = false;
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      throw error;
    }
    member.offering = false;
    for (const candidate of member.pendingCandidates.splice(0)) {
      if (candidate.candidate !== '') {
        await pc.addIceCandidate(toCandidate(candidate)).catch(() => undefined);
      }
    }
    const connected = pc.connectionState === 'connected';
    for (const consumer of member.consumers.values()) {
      if (consumer.transceiver.mid !== null) consumer.negotiated(connected);
    }
    this.#ack(member, message.id);
    if (member.dirty) this.#scheduleNegotiation(member);
  }

  /** A consumer ends: its transceiver goes idle (inactive at the next offer) for later reuse. */
  #retire(member: MemberMedia, producer: Producer, consumer: Consumer): void {
    member.consumers.delete(producer);
    producer.consumers.delete(consumer);
    this.counts.consumers--;
    consumer.dispose();
    try {
      consumer.transceiver.setDirection('inactive');
      member.idle.push(consumer.transceiver);
      member.retired = true;
    } catch {
      // a closed connection: nothing to keep
    }
  }

  // ---- call ------------------------------------------------------------------------------

  async #call(member: MemberMedia, ref: string, sdp: string): Promise<void> {
    checkSdp(sdp, 'offer', MAX_CALL_SECTIONS);
    checkCallSections(sdp);
    const pc = this.#connection(member, 'call');
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      // One stream: the room as the member sees and hears it (named, so the answer's SSRCs
      // say which track they carry).
      const stream = new MediaStream({ id: `conclave-${this.id}` });
      for (const transceiver of pc.getTransceivers()) {
        // Conclave sends on both (the mix, the featured camera); an audience member's tracks
        // are not taken.
        transceiver.setDirection(member.state.canPublish ? 'sendrecv' : 'sendonly');
        transceiver.sender.setStreams([stream]);
        if (transceiver.kind === 'video') {
          transceiver.setCodecPreferences(preferredVideoCodecs(pc, sdp));
        }
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
    } catch (error) {
      this.#dropCallConnection(pc);
      throw error;
    }
    if (member.closed) {
      this.#dropCallConnection(pc);
      return;
    }
    // A member is either a call or a publisher/subscriber, never both. (A previous call's
    // tracks are not closed here: the new call's replace them below.)
    if (member.publish) this.#closePublish(member);
    this.#closeSubscribe(member);
    const sending = (kind: 'audio' | 'video') =>
      pc
        .getTransceivers()
        .find(
          (t) =>
            t.kind === kind &&
            !t.stopped &&
            (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly'),
        );
    const video = sending('video');
    const audio = sending('audio');
    const call: Call = {
      pc,
      audio,
      mix: audio ? new CallMixSender(audio.sender) : undefined,
      video,
      consumer: undefined,
      unsubscribe: () => undefined,
    };
    if (video) {
      // werift reports PLI from the far end (to the consumer), not FIR: that is taken here.
      const { unSubscribe } = video.sender.onRtcp.subscribe((packet) => {
        if (
          packet.type === RtcpPayloadSpecificFeedback.type &&
          packet.feedback.count === FIR_FORMAT
        ) {
          call.consumer?.producer.requestKeyframe();
        }
      });
      call.unsubscribe = unSubscribe;
    }
    const previous = member.call;
    member.call = call;
    // Its tracks replace the previous call's, whose subscribers continue on the new ones.
    this.#reconcileProducers(member, pc, new Map());
    if (previous) void this.#endCall(previous);
    this.#refreshCall(member);
    this.#syncMix();
    const answer = withoutReceiveOnlySsrcs(
      announcedOnly(pc.localDescription?.sdp ?? '', this.config.addresses),
    );
    this.output.send(member.memberId, { type: 'call.answer', ref, sdp: answer });
  }

  /** A call connection that never became a member's call. */
  #dropCallConnection(pc: RTCPeerConnection): void {
    this.counts.transports--;
    this.counts.calls--;
    void closePeer(pc);
  }

  /** Closes a call that is no longer its member's. */
  #endCall(call: Call): Promise<void> {
    call.unsubscribe();
    if (call.consumer) {
      call.consumer.producer.consumers.delete(call.consumer);
      call.consumer.dispose();
      call.consumer = undefined;
      this.counts.consumers--;
    }
    this.counts.transports--;
    this.counts.calls--;
    return closePeer(call.pc);
  }

  #refreshCalls(): void {
    for (const member of this.members.values()) if (member.call) this.#refreshCall(member);
    this.#refreshOutputs();
  }

  /**
   * The call's video follows the featured member's camera: the same sender, its sequence and
   * timestamps continued, from a keyframe asked for now. Nothing is sent while there is no such
   * camera, and none when the camera's codec is not the one the call negotiated (forwarding
   * does not transcode: a VP8 call shows no H.264 camera).
   */
  #refreshCall(member: MemberMedia): void {
    const call = member.call;
    if (!call?.video) return;
    const featured = member.featured === null ? undefined : this.members.get(member.featured);
    let wanted: Producer | undefined;
    for (const producer of featured?.producers.values() ?? []) {
      if (producer.source === 'camera' && !producer.closed) wanted = producer;
    }
    const negotiated = call.video.codecs[0]?.mimeType.toLowerCase();
    if (wanted && wanted.mimeType.toLowerCase() !== negotiated) wanted = undefined;
    const current = call.consumer;
    if (current && current.producer === wanted) return;
    if (current) {
      current.producer.consumers.delete(current);
      current.dispose();
      call.consumer = undefined;
      this.counts.consumers--;
    }
    if (!wanted) return;
    const consumer = new Consumer(wanted, call.video, member.memberId);
    consumer.continuityPending = true;
    wanted.consumers.add(consumer);
    this.counts.consumers++;
    call.consumer = consumer;
    consumer.negotiated(call.pc.connectionState === 'connected');
  }

  /** The mixer follows the session's microphones, call members and outputs; none without a
   *  call or an output. An output hears everyone (nothing subtracted) and is sent every frame. */
  #syncMix(): void {
    const receivers = [];
    for (const member of this.members.values()) {
      const mix = member.call?.mix;
      if (!mix) continue;
      receivers.push({ memberId: member.memberId, sender: mix, deaf: member.state.deaf });
    }
    for (const output of this.outputs.values()) {
      if (output.state === 'done') continue;
      receivers.push({
        memberId: output.listenerId,
        sender: output.audio,
        deaf: false,
        continuous: true,
      });
    }
    if (receivers.length === 0) {
      this.mixer?.close();
      this.mixer = undefined;
      return;
    }
    const microphones: Producer[] = [];
    for (const member of this.members.values()) {
      for (const producer of member.producers.values()) {
        if (producer.source !== 'microphone' || producer.kind !== 'audio') continue;
        microphones.push(producer);
      }
    }
    this.mixer ??= new AudioMixer(this.counts);
    this.mixer.sync(microphones, receivers);
  }

  // ---- connections -----------------------------------------------------------------------

  #connection(member: MemberMedia, role: 'publish' | 'subscribe' | 'call'): RTCPeerConnection {
    const pc = new RTCPeerConnection(peerConfig(this.config));
    this.counts.transports++;
    if (role === 'call') this.counts.calls++;
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && role === 'subscribe' && member.subscribe === pc) {
        for (const consumer of member.consumers.values()) consumer.connected();
      }
      if (state === 'connected' && role === 'call' && member.call?.pc === pc) {
        member.call.consumer?.connected();
      }
      if (state !== 'failed') return;
      const current =
        role === 'publish' ? member.publish : role === 'call' ? member.call?.pc : member.subscribe;
      if (current !== pc || member.closed) return;
      this.#closeMedia(member);
      this.output.send(member.memberId, { type: 'media.closed', reason: 'failed' });
    });
    return pc;
  }

  /** Ends all of the member's connections, and its tracks for everyone. */
  #closeMedia(member: MemberMedia): Promise<void>[] {
    const closing = this.#closePublish(member);
    closing.push(...this.#closeSubscribe(member));
    if (member.call) {
      const call = member.call;
      member.call = undefined;
      closing.push(this.#endCall(call));
      this.#syncMix();
    }
    return closing;
  }

  #closeSubscribe(member: MemberMedia): Promise<void>[] {
    const closing: Promise<void>[] = [];
    for (const [producer, consumer] of member.consumers) {
      producer.consumers.delete(consumer);
      consumer.dispose();
      this.counts.consumers--;
    }
    member.consumers.clear();
    member.idle.length = 0;
    member.subscribed = false;
    member.offering = false;
    member.dirty = false;
    member.pendingCandidates = [];
    if (member.subscribe) {
      const pc = member.subscribe;
      member.subscribe = undefined;
      this.counts.transports--;
      closing.push(closePeer(pc));
    }
    return closing;
  }

  #ack(member: MemberMedia, ref: string | undefined): void {
    if (ref !== undefined) this.output.send(member.memberId, { type: 'ack', ref });
  }

  #reply(member: MemberMedia, ref: string | undefined, code: RealtimeErrorCode, message: string) {
    this.output.send(member.memberId, {
      type: 'error',
      ...(ref !== undefined ? { ref } : {}),
      code,
      message,
    });
  }
}

function toCandidate(c: {
  candidate: string;
  sdpMid?: string | null | undefined;
  sdpMLineIndex?: number | null | undefined;
}) {
  return {
    candidate: c.candidate,
    ...(c.sdpMid != null ? { sdpMid: c.sdpMid } : {}),
    ...(c.sdpMLineIndex != null ? { sdpMLineIndex: c.sdpMLineIndex } : {}),
  };
}

/** A video transceiver offers just the producer's codec (and its RTX), so forwarding needs no
 *  transcoding. */
function matchingCodecs(pc: RTCPeerConnection, mimeType: string) {
  const video = pc.config.codecs.video ?? codecs().video ?? [];
  const out = [];
  for (let i = 0; i < video.length; i++) {
    const codec = video[i]!;
    if (codec.mimeType.toLowerCase() !== mimeType.toLowerCase()) continue;
    out.push(codec);
    const next = video[i + 1];
    if (next && next.mimeType.toLowerCase() === 'video/rtx') out.push(next);
  }
  return out.length > 0 ? out : video;
}

/** Whether a video transceiver was set up for this codec (audio: always Opus). */
function sameCodec(transceiver: RTCRtpTransceiver, mimeType: string): boolean {
  if (transceiver.kind !== 'video') return true;
  const primary = (transceiver.codecPreferences ?? transceiver.codecs)[0];
  return primary?.mimeType.toLowerCase() === mimeType.toLowerCase();
}

/** A call carries one audio and one video section at most. */
function checkCallSections(sdp: string): void {
  let audio = 0;
  let video = 0;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=audio ')) audio++;
    else if (line.startsWith('m=video ')) video++;
  }
  if (audio > 1 || video > 1) {
    throw new MediaInputError('a call offers one audio and one video section at most');
  }
}

/** VP8 first (every browser sends it, and Conclave's own members prefer it), then the rest. */
function preferredVideoCodecs(pc: RTCPeerConnection, offer: string) {
  const video = pc.config.codecs.video ?? codecs().video ?? [];
  if (!/^a=rtpmap:\d+ VP8\/90000/im.test(offer)) return video;
  return matchingCodecs(pc, 'video/VP8');
}

/** Resolves when the connection's candidates are all gathered (they go in the answer). */
async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      unSubscribe();
      resolve();
    }
  });
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 200);
}
