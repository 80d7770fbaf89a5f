/**
 * A producer is one track a member publishes (microphone, camera, screen); a consumer is that
 * track on one subscriber's connection. The producer forwards each RTP packet to its consumers —
 * no decoding — with what has to change per connection: the header extensions' ids, sequence and
 * timestamp continuity after a pause, and the wait for a keyframe after one.
 */
import type { Extensions, RtpHeader, RTCRtpTransceiver, RtpPacket } from 'werift';
import type { MediaSource } from '@conclave/schema';
import type { WorkerCounts } from '../media-types.js';
import { AUDIO_LEVEL_URI, FORWARDED_EXTENSIONS } from './peer-config.js';
import { isKeyframe, KeyframeLimiter } from './keyframes.js';

interface Extension {
  id: number;
  payload: Buffer;
}
const NO_EXTENSIONS: Extension[] = [];
const ignore = () => undefined;
/** A subscriber still waiting for a keyframe asks again this often, this many times. */
const KEYFRAME_RETRY_MS = 400;
const KEYFRAME_RETRIES = 10;

/** Audio level (RFC 6464, 0 = loudest … 127 = silence, in -dBov) at or under which a packet
 *  counts as speech. */
const SPEECH_LEVEL = 50;
/** Packets in the talking window (20 ms each: one second). */
const WINDOW = 50;
/** Loud packets in the window that start talking (200 ms of speech). */
const START_LOUD = 10;

/** What a consumer sends on: a subscriber's transceiver, or an output's video feed. */
export interface ConsumerTarget {
  readonly headerExtensions: readonly { uri: string; id: number }[];
  readonly sender: ConsumerSender;
}

export interface ConsumerSender {
  sendRtp(rtp: RtpPacket): Promise<void>;
  /** The next packet continues this sender's sequence and timestamps. */
  replaceRTP(
    header: Pick<RtpHeader, 'sequenceNumber' | 'timestamp'>,
    discontinuity?: boolean,
  ): void;
  readonly onPictureLossIndication: { subscribe(execute: () => void): { unSubscribe(): void } };
  readonly onGenericNack: { subscribe(execute: () => void): { unSubscribe(): void } };
}

/** What a producer receives on: a publisher's transceiver, or a synthetic source's. */
export interface ProducerInput {
  readonly kind: string;
  readonly codecs: readonly { mimeType: string }[];
  readonly headerExtensions: readonly { uri: string; id: number }[];
  readonly receiver: { sendRtcpPLI(ssrc: number): Promise<unknown> };
}

/** The track a producer's packets come from. */
export interface ProducerTrack {
  readonly onReceiveRtp: {
    subscribe(listener: (rtp: RtpPacket, extensions?: Extensions) => void): {
      unSubscribe(): void;
    };
  };
}

export interface ProducerOwner {
  readonly memberId: string;
  readonly counts: WorkerCounts;
  talking(producer: Producer, talking: boolean): void;
}

export class Producer {
  readonly consumers = new Set<Consumer<ConsumerTarget>>();
  readonly kind: 'audio' | 'video';
  /** The codec the publisher sends (from the publish answer), e.g. `video/VP8`. */
  readonly mimeType: string;
  /** The publisher's id for each forwarded extension URI. */
  readonly extensionIds = new Map<number, string>();
  /** Not forwarded (a moderator's or the member's own mute). */
  muted = false;
  #ssrc: number | undefined;
  readonly keyframes: KeyframeLimiter;
  #unsubscribe: () => void;
  // Talking detection (audio).
  #window = new Uint8Array(WINDOW);
  #windowAt = 0;
  #loud = 0;
  #talking = false;
  closed = false;

  constructor(
    readonly id: string,
    readonly owner: ProducerOwner,
    readonly source: MediaSource,
    readonly transceiver: ProducerInput,
    readonly track: ProducerTrack,
    keyframeIntervalMs: number,
  ) {
    this.kind = transceiver.kind === 'audio' ? 'audio' : 'video';
    this.mimeType =
      transceiver.codecs[0]?.mimeType ?? (this.kind === 'audio' ? 'audio/opus' : 'video/VP8');
    for (const ext of transceiver.headerExtensions) {
      if (FORWARDED_EXTENSIONS.includes(ext.uri)) this.extensionIds.set(ext.id, ext.uri);
    }
    this.keyframes = new KeyframeLimiter(keyframeIntervalMs, () => {
      owner.counts.keyframesSent++;
      if (this.#ssrc !== undefined) {
        transceiver.receiver.sendRtcpPLI(this.#ssrc).catch(ignore);
      }
    });
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp, extensions) =>
      this.#forward(rtp, extensions),
    );
    this.#unsubscribe = unSubscribe;
  }

  requestKeyframe(): void {
    if (this.kind !== 'video' || this.closed) return;
    this.owner.counts.keyframesAsked++;
    this.keyframes.request();
  }

  setMuted(muted: boolean): void {
    if (this.muted === muted) return;
    this.muted = muted;
    if (muted) {
      if (this.#talking) this.#setTalking(false);
      return;
    }
    for (const consumer of this.consumers) consumer.resync();
    this.requestKeyframe();
  }

  #forward(rtp: RtpPacket, extensions: Extensions | undefined): void {
    const counts = this.owner.counts;
    counts.packetsIn++;
    const header = rtp.header;
    if (header.ssrc !== this.#ssrc) {
      // A new source on the same track (the publisher replaced it): every subscriber continues
      // with its own SSRC and sequence, from the next keyframe.
      const first = this.#ssrc === undefined;
      this.#ssrc = header.ssrc;
      if (!first) for (const consumer of this.consumers) consumer.resync();
    }
    if (this.kind === 'audio' && extensions) this.#hearLevel(extensions[AUDIO_LEVEL_URI]);
    if (this.muted || this.consumers.size === 0) return;

    const original = header.extensions as Extension[];
    let keyframe: boolean | undefined;
    for (const consumer of this.consumers) {
      if (consumer.paused || !consumer.ready) continue;
      if (consumer.waitingForKeyframe) {
        keyframe ??= isKeyframe(this.mimeType, rtp.payload);
        if (!keyframe) continue;
        consumer.waitingForKeyframe = false;
      }
      if (consumer.continuityPending) {
        consumer.continuityPending = false;
        consumer.sender.replaceRTP(header, true);
      }
      header.extensions = consumer.mapExtensions(original, this.extensionIds);
      consumer.sender.sendRtp(rtp).catch(ignore);
      consumer.packetsSent++;
      counts.packetsOut++;
      counts.bytesOut += rtp.payload.length;
    }
    header.extensions = original;
  }

  #hearLevel(level: { level: number } | undefined): void {
    const loud = level !== undefined && !this.muted && level.level <= SPEECH_LEVEL ? 1 : 0;
    this.#loud += loud - this.#window[this.#windowAt]!;
    this.#window[this.#windowAt] = loud;
    this.#windowAt = (this.#windowAt + 1) % WINDOW;
    if (!this.#talking && this.#loud >= START_LOUD) this.#setTalking(true);
    else if (this.#talking && this.#loud === 0) this.#setTalking(false);
  }

  #setTalking(talking: boolean): void {
    this.#talking = talking;
    if (!talking) {
      this.#window.fill(0);
      this.#loud = 0;
    }
    this.owner.talking(this, talking);
  }

  get talking(): boolean {
    return this.#talking;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#unsubscribe();
    this.keyframes.close();
    if (this.#talking) this.#setTalking(false);
  }
}

export class Consumer<T extends ConsumerTarget = RTCRtpTransceiver> {
  /** Not sent (the subscriber is deaf, for audio). */
  paused = false;
  /** Negotiated, and its connection is up: until then nothing is sent. */
  ready = false;
  #negotiated = false;
  /** Video after a start or a pause: forwarding resumes at a keyframe. */
  waitingForKeyframe: boolean;
  /** Sequence and timestamp continue from the last packet sent, not from the source's. */
  continuityPending = false;
  packetsSent = 0;
  /** The subscriber's ids for the forwarded extensions, by URI. */
  readonly #ids = new Map<string, number>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    public producer: Producer,
    readonly transceiver: T,
    readonly subscriberId: string,
  ) {
    this.waitingForKeyframe = producer.kind === 'video';
    // The subscriber lost sync (or never had it): its request goes to whichever producer this
    // consumer forwards now, through that producer's limit.
    const pli = transceiver.sender.onPictureLossIndication.subscribe(() =>
      this.producer.requestKeyframe(),
    );
    // werift's sender answers NACKs from its history (as RTX when negotiated); counted here.
    const nack = transceiver.sender.onGenericNack.subscribe(
      () => this.producer.owner.counts.nacks++,
    );
    this.#unsubscribe.push(pli.unSubscribe, nack.unSubscribe);
  }

  /** Detaches from its transceiver (which may be used again for another producer). */
  dispose(): void {
    clearTimeout(this.#retry);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.ready = false;
  }

  get sender(): ConsumerSender {
    return this.transceiver.sender;
  }

  /** After negotiation: the subscriber's extension ids are known. */
  negotiated(connected: boolean): void {
    this.#ids.clear();
    for (const ext of this.transceiver.headerExtensions) {
      if (FORWARDED_EXTENSIONS.includes(ext.uri)) this.#ids.set(ext.uri, ext.id);
    }
    this.#negotiated = true;
    if (connected) this.connected();
  }

  /** The subscriber's connection is up: sending starts (video: from a keyframe, asked now). */
  connected(): void {
    if (this.ready || !this.#negotiated) return;
    this.ready = true;
    this.#askForKeyframe();
  }

  /** Forwarding resumes after a gap: continuity, and (video) a keyframe first. */
  resync(): void {
    this.continuityPending = true;
    if (this.producer.kind === 'video') {
      this.waitingForKeyframe = true;
      this.#askForKeyframe();
    }
  }

  #retry: NodeJS.Timeout | undefined;

  /** Asks the producer for a keyframe, and again while none has come (a request can be lost, or
   *  made before the publisher's first packet), through the producer's limit. */
  #askForKeyframe(attempt = 0): void {
    if (this.producer.kind !== 'video') return;
    this.producer.requestKeyframe();
    clearTimeout(this.#retry);
    if (attempt >= KEYFRAME_RETRIES) return;
    this.#retry = setTimeout(() => {
      if (this.waitingForKeyframe && this.ready) this.#askForKeyframe(attempt + 1);
    }, KEYFRAME_RETRY_MS);
  }

  /** The publisher's forwarded extensions, with this subscriber's ids; the rest are dropped
   *  (the sender writes its own mid and send time). */
  mapExtensions(original: Extension[], publisherIds: Map<number, string>): Extension[] {
    if (original.length === 0 || this.#ids.size === 0) return NO_EXTENSIONS;
    const mapped: Extension[] = [];
    for (const ext of original) {
      const uri = publisherIds.get(ext.id);
      const id = uri === undefined ? undefined : this.#ids.get(uri);
      if (id !== undefined) mapped.push({ id, payload: ext.payload });
    }
    return mapped;
  }
}
