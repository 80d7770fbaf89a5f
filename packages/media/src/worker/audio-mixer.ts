/**
 * Mix-minus for calls (members whose client expects one mixed audio stream): every 20 ms, each
 * unmuted microphone in the session is decoded once, the frames are summed, and each call member
 * is sent that sum less its own voice, encoded as one Opus stream written by us (our own sequence
 * numbers and timestamps) on its call's audio sender.
 *
 * Timing: the clock is elapsed time (`performance.now()`, monotonic), not the count of timer
 * callbacks, so a late timer produces the frames it owes (at most `MAX_CATCH_UP` at once; beyond
 * that, time is skipped). Each source keeps a small queue: packets that arrive in a burst are
 * played one per frame, a queue grown past `MAX_QUEUE` loses its oldest packet, and a lost or late
 * packet leaves that source silent for the frame (nothing is invented).
 *
 * A receiver with nothing to hear (everyone else silent or muted, or itself deaf) is sent nothing
 * for that frame; its timestamps go on advancing, so the far end sees a pause in the stream
 * (as after Opus DTX), and the next packet carries the marker bit.
 */
import { RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import type { WorkerCounts } from '../media-types.js';
import { MAX_PACKET_SAMPLES, OpusDecoder, OpusEncoder, SAMPLE_RATE } from './opus-codec.js';
import type { Producer } from './producer.js';

export const FRAME_MS = 20;
/** Samples in one frame (mono, 48 kHz): the RTP timestamp step. */
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
/** Packets a source may have waiting; past this, its oldest is dropped. */
const MAX_QUEUE = 3;
/** Frames produced at once when the timer was late; older owed frames are skipped. */
const MAX_CATCH_UP = 3;
/** A mix louder than full scale is scaled down at once, and recovers by this much per frame. */
const GAIN_RELEASE = 0.02;

const ignore = () => undefined;

/** Where one receiver's mixed stream goes: a call's audio sender, or an output's feed to ffmpeg. */
export interface MixSender {
  /** The payload type to write (undefined: not negotiated yet). */
  readonly payloadType: number | undefined;
  /** Packets can be sent now. */
  readonly connected: boolean;
  /** Sends one packet (SSRC and extensions are the sender's business). */
  sendRtp(packet: RtpPacket): void;
}

/** A call's audio sender as a mix destination. */
export class CallMixSender implements MixSender {
  constructor(readonly sender: RTCRtpSender) {}
  get payloadType(): number | undefined {
    return this.sender.codec?.payloadType;
  }
  get connected(): boolean {
    return this.sender.dtlsTransport?.state === 'connected' && this.sender.codec !== undefined;
  }
  sendRtp(packet: RtpPacket): void {
    this.sender.sendRtp(packet).catch(ignore);
  }
}

/** One microphone, decoded once for every call member who hears it. */
export class MixSource {
  readonly #decoder = new OpusDecoder();
  readonly #queue: Buffer[] = [];
  /** Decoded samples not yet mixed (an Opus packet may be longer than one frame). */
  readonly #pcm = new Int16Array(FRAME_SAMPLES + MAX_PACKET_SAMPLES);
  #buffered = 0;
  /** This frame's samples (valid when `take` returned true). */
  readonly frame = new Int16Array(FRAME_SAMPLES);
  /** Some call member other than its owner hears it: packets are kept and decoded. */
  needed = false;
  readonly #unsubscribe: () => void;

  constructor(readonly producer: Producer) {
    const { unSubscribe } = producer.track.onReceiveRtp.subscribe((rtp) => this.push(rtp.payload));
    this.#unsubscribe = unSubscribe;
  }

  get memberId(): string {
    return this.producer.owner.memberId;
  }

  /** Whether it is mixed now. */
  get live(): boolean {
    return this.needed && !this.producer.muted && !this.producer.closed;
  }

  push(payload: Buffer): void {
    if (!this.live || payload.length === 0) {
      this.clear();
      return;
    }
    this.#queue.push(Buffer.from(payload));
    if (this.#queue.length > MAX_QUEUE) {
      this.#queue.shift();
    }
  }

  clear(): void {
    this.#queue.length = 0;
    this.#buffered = 0;
  }

  /** Fills `frame` with the next 20 ms; false when nothing arrived for it. */
  take(): boolean {
    if (!this.live) {
      this.clear();
      return false;
    }
    while (this.#buffered < FRAME_SAMPLES && this.#queue.length > 0) {
      const packet = this.#queue.shift()!;
      let decoded: Int16Array;
      try {
        decoded = this.#decoder.decode(packet);
      } catch {
        continue; // a corrupt packet: skipped like a lost one
      }
      const room = this.#pcm.length - this.#buffered;
      this.#pcm.set(decoded.subarray(0, room), this.#buffered);
      this.#buffered += Math.min(room, decoded.length);
    }
    if (this.#buffered === 0) return false;
    const n = Math.min(FRAME_SAMPLES, this.#buffered);
    this.frame.set(this.#pcm.subarray(0, n));
    if (n < FRAME_SAMPLES) this.frame.fill(0, n);
    this.#pcm.copyWithin(0, n, this.#buffered);
    this.#buffered -= n;
    return true;
  }

  close(): void {
    this.#unsubscribe();
    this.clear();
    this.#decoder.delete();
  }
}

/** One call member's mixed stream: its encoder and its RTP numbering. */
export class MixReceiver {
  readonly #encoder = new OpusEncoder(FRAME_SAMPLES);
  #sequence = Math.floor(Math.random() * 0x10000);
  #timestamp = Math.floor(Math.random() * 0x100000000);
  /** Nothing was sent for the last frame: the next packet starts a talkspurt (marker bit). */
  #paused = true;
  #gain = 1;
  readonly #mix = new Int16Array(FRAME_SAMPLES);
  /** Sent no audio (deaf). */
  deaf = false;
  /** Sent every frame, silence included (an output: ffmpeg's timeline has no gaps). */
  continuous = false;
  framesSent = 0;

  constructor(
    readonly memberId: string,
    readonly sender: MixSender,
  ) {}

  /** Time passes without a packet. */
  skip(frames: number): void {
    this.#timestamp = (this.#timestamp + frames * FRAME_SAMPLES) >>> 0;
    this.#paused = true;
  }

  get connected(): boolean {
    return this.sender.connected;
  }

  /** Encodes `total` less `own` (this member's voice, when it was in the mix). */
  encode(total: Int32Array, own: Int16Array | undefined): Buffer {
    let peak = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = own ? total[i]! - own[i]! : total[i]!;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    // Clipping protection: a frame that would exceed full scale is scaled down to fit, and the
    // gain returns to 1 gradually (no audible pumping on a single loud frame).
    const fit = peak > 32767 ? 32767 / peak : 1;
    this.#gain = Math.min(fit, this.#gain + GAIN_RELEASE, 1);
    const gain = this.#gain;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = (own ? total[i]! - own[i]! : total[i]!) * gain;
      this.#mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return this.#encoder.encode(this.#mix);
  }

  /** Sends one encoded frame as the next RTP packet. */
  send(payload: Buffer): void {
    const header = new RtpHeader({
      // The sender writes its SSRC, the negotiated payload type and its header extensions.
      payloadType: this.sender.payloadType ?? 111,
      sequenceNumber: this.#sequence,
      timestamp: this.#timestamp,
      marker: this.#paused,
    });
    this.sender.sendRtp(new RtpPacket(header, payload));
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + FRAME_SAMPLES) >>> 0;
    this.#paused = false;
    this.framesSent++;
  }

  close(): void {
    this.#encoder.delete();
  }
}

/**
 * A session's mixer. The router tells it the session's microphones and its call members
 * (`sync`); it runs while there is at least one call member.
 */
export class AudioMixer {
  readonly #sources = new Map<Producer, MixSource>();
  readonly #receivers = new Map<MixSender, MixReceiver>();
  readonly #total = new Int32Array(FRAME_SAMPLES);
  #start = 0;
  #frames = 0;
  #timer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(readonly counts: WorkerCounts) {}

  /**
   * The microphones to mix and the call members to send to. Sources no receiver other than their
   * owner hears (or hears undeafened) are not decoded.
   */
  sync(
    producers: Iterable<Producer>,
    receivers: Iterable<{
      memberId: string;
      sender: MixSender;
      deaf: boolean;
      continuous?: boolean;
    }>,
  ): void {
    if (this.closed) return;
    const keepReceivers = new Set<MixSender>();
    for (const spec of receivers) {
      keepReceivers.add(spec.sender);
      let receiver = this.#receivers.get(spec.sender);
      if (!receiver) {
        receiver = new MixReceiver(spec.memberId, spec.sender);
        this.#receivers.set(spec.sender, receiver);
      }
      receiver.deaf = spec.deaf;
      receiver.continuous = spec.continuous ?? false;
    }
    for (const [sender, receiver] of this.#receivers) {
      if (keepReceivers.has(sender)) continue;
      this.#receivers.delete(sender);
      receiver.close();
    }
    const keepSources = new Set<Producer>();
    for (const producer of producers) {
      if (producer.closed) continue;
      keepSources.add(producer);
      if (!this.#sources.has(producer)) this.#sources.set(producer, new MixSource(producer));
    }
    for (const [producer, source] of this.#sources) {
      if (keepSources.has(producer)) continue;
      this.#sources.delete(producer);
      source.close();
    }
    for (const source of this.#sources.values()) {
      let needed = false;
      for (const receiver of this.#receivers.values()) {
        if (!receiver.deaf && receiver.memberId !== source.memberId) needed = true;
      }
      if (source.needed && !needed) source.clear();
      source.needed = needed;
    }
    if (this.#receivers.size > 0 && !this.#timer) {
      this.#start = performance.now();
      this.#frames = 0;
      this.#schedule();
    }
  }

  #schedule(): void {
    const next = this.#start + (this.#frames + 1) * FRAME_MS;
    this.#timer = setTimeout(this.#tick, Math.max(0, next - performance.now()));
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    if (this.closed || this.#receivers.size === 0) return;
    let due = Math.floor((performance.now() - this.#start) / FRAME_MS) - this.#frames;
    if (due > MAX_CATCH_UP) {
      const skipped = due - MAX_CATCH_UP;
      this.#frames += skipped;
      for (const receiver of this.#receivers.values()) receiver.skip(skipped);
      due = MAX_CATCH_UP;
    }
    try {
      for (; due > 0; due--) {
        this.#frames++;
        const work = performance.now();
        const out = this.mixFrame();
        this.counts.mixCpuUs += Math.round((performance.now() - work) * 1000);
        for (const [receiver, payload] of out) receiver.send(payload);
      }
    } catch {
      this.counts.errors++;
    }
    this.#schedule();
  };

  /** One 20 ms frame for every receiver: decoded, mixed and encoded (not yet sent). */
  mixFrame(): [MixReceiver, Buffer][] {
    const out: [MixReceiver, Buffer][] = [];
    const total = this.#total;
    total.fill(0);
    const mixed: MixSource[] = [];
    for (const source of this.#sources.values()) {
      if (!source.take()) continue;
      mixed.push(source);
      const frame = source.frame;
      for (let i = 0; i < FRAME_SAMPLES; i++) total[i]! += frame[i]!;
    }
    for (const receiver of this.#receivers.values()) {
      let own: Int16Array | undefined;
      let others = 0;
      for (const source of mixed) {
        if (source.memberId === receiver.memberId) own = source.frame;
        else others++;
      }
      if (receiver.deaf || !receiver.connected || (others === 0 && !receiver.continuous)) {
        receiver.skip(1);
        continue;
      }
      out.push([receiver, receiver.encode(total, own)]);
      this.counts.mixedFrames++;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const source of this.#sources.values()) source.close();
    for (const receiver of this.#receivers.values()) receiver.close();
    this.#sources.clear();
    this.#receivers.clear();
  }
}
