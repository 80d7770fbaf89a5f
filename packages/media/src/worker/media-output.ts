/**
 * An output: the session as a call member without a peer connection sees and hears it — one
 * featured camera and the mix of every unmuted microphone — sent as RTP over loopback UDP to an
 * ffmpeg that reads an SDP on its stdin (mediasoup's recording recipe) and writes a WebM file
 * (both copied: VP8 + Opus) or an RTMP(S) stream (transcoded: H.264 + AAC, a fixed size).
 *
 * Video: one RTP stream whatever the camera. The featured camera (a `Consumer` of its producer,
 * as for a call) is switched at the new camera's first keyframe — the previous one goes on until
 * then — with sequence numbers continuing and timestamps following our own clock. While nobody's
 * camera is shown, a black VP8 keyframe (made once by ffmpeg) is sent five times a second, so
 * ffmpeg always finds a video stream to probe and a stream always has pictures.
 *
 * Audio: the session mixer's output for a listener who is nobody (nothing subtracted), sent every
 * 20 ms, silence included.
 *
 * Sync: both streams' timestamps are our clock (90 kHz and 48 kHz from the output's start) and an
 * RTCP sender report for each says so once a second; ffmpeg puts the two on one timeline by them.
 * Media starts only once ffmpeg is listening on its ports (seen in /proc/net/udp).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { setPriority } from 'node:os';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RtpHeader, RtpPacket } from 'werift';
import type { OutputEvent, OutputOptions, OutputSpec, WorkerCounts } from '../media-types.js';
import { blackVp8Keyframe, ffprobeFor, probeFile, vp8KeyframeSize } from '../ffmpeg.js';
import type { MixSender } from './audio-mixer.js';
import { isVp8Keyframe } from './keyframes.js';
import type { Consumer, ConsumerSender, ConsumerTarget } from './producer.js';

const VIDEO_PT = 96;
const AUDIO_PT = 111;
const VIDEO_RATE = 90; // per ms
const AUDIO_RATE = 48; // per ms
/** RTP payload per packet (loopback: no path MTU to fear, but ffmpeg reads ≤ 1500 bytes). */
const MAX_PAYLOAD = 1200;
/** The black picture: its size, and how often it is sent while nobody's camera is shown. */
const BLACK_WIDTH = 1280;
const BLACK_HEIGHT = 720;
const BLACK_INTERVAL_MS = 200;
const REPORT_INTERVAL_MS = 1_000;
/** One 20 ms Opus frame of silence (TOC: CELT fullband 20 ms, one frame). */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const AUDIO_FRAME_MS = 20;
/** ffmpeg's socket receive buffer (the kernel caps it at net.core.rmem_max). */
const RECEIVE_BUFFER = 4 * 1024 * 1024;
/** How long ffmpeg may take to open its ports; then it is taken as failed to start. */
const LISTEN_TIMEOUT_MS = 10_000;
/** Tries at a fresh pair of ports when ffmpeg could not bind the ones it was given. */
const PORT_ATTEMPTS = 3;
/** ffmpeg's scheduling priority (nice): below the media workers'. */
const ENCODER_NICENESS = 5;
/** A stopping ffmpeg still there after this long is signalled again. */
const SECOND_SIGNAL_MS = 1_500;
const ignore = () => undefined;

const blackFrames = new Map<string, Promise<Buffer>>();
/** The black keyframe, encoded once per worker and ffmpeg binary. */
function blackFrame(ffmpeg: string): Promise<Buffer> {
  let frame = blackFrames.get(ffmpeg);
  if (!frame) {
    frame = blackVp8Keyframe(ffmpeg, BLACK_WIDTH, BLACK_HEIGHT);
    frame.catch(() => blackFrames.delete(ffmpeg));
    blackFrames.set(ffmpeg, frame);
  }
  return frame;
}

/** The milliseconds of our clock (monotonic) and the matching NTP time for sender reports. */
function now(): number {
  return performance.now();
}
function ntpAt(ms: number): bigint {
  const epochMs = performance.timeOrigin + ms;
  const seconds = Math.floor(epochMs / 1000) + 2_208_988_800;
  const fraction = Math.floor(((epochMs % 1000) / 1000) * 0x100000000);
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}

/**
 * Puts a source's RTP timestamps on the output's clock. The mapping is set by the source's
 * least-delayed packet so far (its capture time against our clock at arrival): a first packet
 * that came late (a retransmitted keyframe, a burst after a stall) does not hold everything after
 * it late. Times only move forward: when the mapping moves earlier, the next frames are placed
 * just after the last one until they catch up.
 */
class ClockMapping {
  #offset: number | undefined;
  #lastSource = 0;
  #lastOut: number | undefined;

  /** A new segment (another source): the mapping is made again from its packets. */
  reset(): void {
    this.#offset = undefined;
  }

  map(sourceTimestamp: number, clockNow: number): number {
    if (this.#offset !== undefined && sourceTimestamp === this.#lastSource) return this.#lastOut!;
    const candidate = (clockNow - sourceTimestamp) >>> 0;
    if (this.#offset === undefined || ((candidate - this.#offset) | 0) < 0) {
      this.#offset = candidate;
    }
    let out = (sourceTimestamp + this.#offset) >>> 0;
    if (this.#lastOut !== undefined && ((out - this.#lastOut) | 0) <= 0) {
      out = (this.#lastOut + 1) >>> 0;
    }
    this.#lastSource = sourceTimestamp;
    this.#lastOut = out;
    return out;
  }
}

/** One source of video packets on the output's single video stream: a camera, or black. */
class VideoLane implements ConsumerTarget, ConsumerSender {
  readonly headerExtensions: { uri: string; id: number }[] = [];
  readonly sender = this;
  readonly onPictureLossIndication = { subscribe: () => ({ unSubscribe: ignore }) };
  readonly onGenericNack = { subscribe: () => ({ unSubscribe: ignore }) };
  consumer: Consumer<VideoLane> | undefined;

  constructor(readonly feed: VideoFeed) {}

  async sendRtp(rtp: RtpPacket): Promise<void> {
    this.feed.packet(this, rtp);
  }

  /** The camera's source changed (it re-published): a new segment from its next packet. (A
   *  pending lane starts one anyway when it takes over.) */
  replaceRTP(): void {
    if (this.feed.current === this) this.feed.newSegment();
  }
}

/** The output's video stream: one SSRC, continuous numbering, whichever lane is current. */
class VideoFeed {
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  readonly black: VideoLane = new VideoLane(this);
  current: VideoLane = this.black;
  /** A camera waiting for its first keyframe; it replaces `current` when that comes. */
  pending: VideoLane | undefined;
  #sequence = Math.floor(Math.random() * 0x10000);
  #sequenceOffset = 0;
  readonly #clock = new ClockMapping();
  #segmentStarted = false;
  /** The source's sequence number of the last packet sent. */
  #lastSource = 0;
  /** Packets found missing from the camera (each asked for a keyframe). */
  gaps = 0;
  /** When the last keyframe was sent (our clock), whichever lane's. */
  lastKeyframeAt = now();
  lastTimestamp = 0;
  packets = 0;
  octets = 0;
  width = BLACK_WIDTH;
  height = BLACK_HEIGHT;
  /** Frame ends (marker bits) with their time, for the frame rate. */
  readonly #frames: number[] = [];
  #blackSequence = 0;

  constructor(
    readonly output: MediaOutput,
    readonly send: (packet: Buffer) => void,
  ) {}

  /** A packet from `lane`: sent if it is the current lane's, or the pending one's first (a
   *  keyframe, as its consumer waits for one), which then becomes current. */
  packet(lane: VideoLane, rtp: RtpPacket): void {
    if (!this.output.live) return;
    if (lane === this.pending) {
      // (Its consumer waited for a keyframe; one lost before ffmpeg listened is asked again.)
      if (!isVp8Keyframe(rtp.payload)) return;
      const previous = this.current;
      this.current = lane;
      this.pending = undefined;
      this.#segmentStarted = false;
      this.output.retired(previous);
    }
    if (lane !== this.current) return;
    const header = rtp.header;
    if (this.#segmentStarted) {
      // ffmpeg's VP8 reader drops every frame after a lost packet until the next keyframe, and
      // a camera sends none unasked: a gap asks for one (through the publisher's limiter). A
      // packet older than the last sent (a late retransmission, a duplicate) is not sent.
      const step = (header.sequenceNumber - this.#lastSource) & 0xffff;
      if (step === 0 || step >= 0x8000) return;
      if (step > 1) {
        this.gaps++;
        lane.consumer?.producer.requestKeyframe();
      }
    }
    this.#lastSource = header.sequenceNumber;
    if (!this.#segmentStarted) {
      // A new segment: numbering continues, and the timestamps are put on our clock anew.
      this.#segmentStarted = true;
      this.#sequenceOffset = (this.#sequence - header.sequenceNumber) & 0xffff;
      this.#clock.reset();
    }
    const sequenceNumber = (header.sequenceNumber + this.#sequenceOffset) & 0xffff;
    const timestamp = this.#clock.map(header.timestamp, this.output.videoClock(now()));
    this.#sequence = (sequenceNumber + 1) & 0xffff;
    this.lastTimestamp = timestamp;
    const out = new RtpPacket(
      new RtpHeader({
        payloadType: VIDEO_PT,
        sequenceNumber,
        timestamp,
        ssrc: this.ssrc,
        marker: header.marker,
      }),
      rtp.payload,
    );
    const size = vp8KeyframeSize(descriptorless(rtp.payload));
    if (size) {
      this.width = size.width;
      this.height = size.height;
      this.lastKeyframeAt = now();
    }
    if (header.marker) {
      const t = now();
      this.#frames.push(t);
      while (this.#frames.length > 0 && this.#frames[0]! < t - 2_000) this.#frames.shift();
    }
    this.packets++;
    this.octets += rtp.payload.length;
    this.send(out.serialize());
  }

  newSegment(): void {
    this.#segmentStarted = false;
  }

  /** Frames a second over the last two seconds. */
  get fps(): number {
    const t = now();
    return Math.round(this.#frames.filter((at) => at > t - 2_000).length / 2);
  }

  /** One black keyframe on the black lane, packetized (RFC 7741: start bit on the first). */
  sendBlack(frame: Buffer): void {
    if (this.current !== this.black) return;
    const timestamp = this.output.videoClock(now());
    for (let at = 0; at < frame.length; at += MAX_PAYLOAD) {
      const chunk = frame.subarray(at, at + MAX_PAYLOAD);
      const payload = Buffer.concat([Buffer.from([at === 0 ? 0x10 : 0x00]), chunk]);
      const header = new RtpHeader({
        payloadType: VIDEO_PT,
        sequenceNumber: this.#blackSequence,
        timestamp,
        marker: at + MAX_PAYLOAD >= frame.length,
      });
      this.#blackSequence = (this.#blackSequence + 1) & 0xffff;
      this.packet(this.black, new RtpPacket(header, payload));
    }
  }

  /** Back to black at once (the black frames are all keyframes). */
  showBlack(): void {
    this.pending = undefined;
    if (this.current === this.black) return;
    const previous = this.current;
    this.current = this.black;
    this.#segmentStarted = false;
    this.output.retired(previous);
  }
}

/** The payload of a VP8 RTP packet after its payload descriptor (RFC 7741 §4.2). */
function descriptorless(payload: Buffer): Buffer {
  if (payload.length < 1 || (payload[0]! & 0x10) === 0 || (payload[0]! & 0x07) !== 0) {
    return Buffer.alloc(0);
  }
  let offset = 1;
  if (payload[0]! & 0x80) {
    const ext = payload[1] ?? 0;
    offset = 2;
    if (ext & 0x80) offset += (payload[offset] ?? 0) & 0x80 ? 2 : 1;
    if (ext & 0x40) offset += 1;
    if (ext & 0x30) offset += 1;
  }
  return payload.subarray(offset);
}

/** The output's audio: the mixer's packets, re-timed on our clock and numbered by us (so the
 *  output can add silence of its own: `silence`). */
class AudioFeed implements MixSender {
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  readonly payloadType = AUDIO_PT;
  connected = false;
  readonly #clock = new ClockMapping();
  #sequence = Math.floor(Math.random() * 0x10000);
  /** When the last packet was sent (our clock). */
  #lastAt = -Infinity;
  lastTimestamp = 0;
  packets = 0;
  octets = 0;

  constructor(
    readonly output: MediaOutput,
    readonly send: (packet: Buffer) => void,
  ) {}

  sendRtp(packet: RtpPacket): void {
    if (!this.connected) return;
    const header = packet.header;
    header.timestamp = this.#clock.map(header.timestamp, this.output.audioClock(now()));
    this.#sendPacket(packet);
  }

  /** A frame of silence when the mixer has sent nothing for two frames (it has stopped: the
   *  session ended while ffmpeg finishes). ffmpeg looks at its stop signal only between packets;
   *  without any, only the second signal ends its wait, and then it cannot write the file's end
   *  (its writes are interrupted too). */
  silence(): void {
    if (!this.connected || now() - this.#lastAt < 2 * AUDIO_FRAME_MS) return;
    const at = this.output.audioClock(now());
    const timestamp =
      this.packets > 0 && ((at - this.lastTimestamp) | 0) <= 0
        ? (this.lastTimestamp + AUDIO_FRAME_MS * AUDIO_RATE) >>> 0
        : at;
    this.#sendPacket(
      new RtpPacket(
        new RtpHeader({ payloadType: AUDIO_PT, sequenceNumber: 0, timestamp }),
        OPUS_SILENCE,
      ),
    );
  }

  #sendPacket(packet: RtpPacket): void {
    const header = packet.header;
    header.ssrc = this.ssrc;
    header.sequenceNumber = this.#sequence;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#lastAt = now();
    this.lastTimestamp = header.timestamp;
    this.packets++;
    this.octets += packet.payload.length;
    this.send(packet.serialize());
  }
}

type Ffmpeg = ChildProcessByStdio<Writable, Readable, Readable>;

/** What the router gives an output. */
export interface OutputHost {
  readonly counts: WorkerCounts;
  readonly options: OutputOptions;
  /** The output's event, for the server. */
  event(event: OutputEvent): void;
  /** Its ffmpeg's process id (so the server's thread can end it if this worker dies). */
  pid(pid: number): void;
  /** A camera lane's consumer is no longer needed (a switch completed). */
  release(consumer: Consumer<VideoLane>): void;
  /** The output is done (its final event was sent): forget it. */
  done(): void;
}

export class MediaOutput {
  readonly video: VideoFeed;
  readonly audio: AudioFeed;
  /** The mixer's name for this listener: nobody's voice is subtracted. */
  readonly listenerId: string;
  /** Whose camera it shows (`showOutput`). */
  featured: string | null = null;
  state: 'starting' | 'running' | 'stopping' | 'done' = 'starting';
  readonly #socket: Socket;
  #ports: { video: number; audio: number } | undefined;
  #ffmpeg: Ffmpeg | undefined;
  readonly #start = now();
  readonly #videoBase = (Math.random() * 0xffffffff) >>> 0;
  readonly #audioBase = (Math.random() * 0xffffffff) >>> 0;
  #timers: NodeJS.Timeout[] = [];
  #errors: string[] = [];
  #runningAt: number | undefined;
  #bytesOut = 0;
  /** How much media ffmpeg has sent (its `-progress` out_time). */
  #outTimeUs = 0;
  #failure: string | undefined;
  #stopRequested = false;
  #killTimer: NodeJS.Timeout | undefined;
  /** Counted in `outputs` (open). */
  #open = false;
  /** The last ffmpeg could not bind its ports: start again with others. */
  #portsTaken = false;
  /** When the featured camera was last asked for a keyframe by the periodic check. */
  #keyframeAskedAt = -Infinity;
  #finished: () => void = () => undefined;
  /** Resolves when the output's final event has been sent. */
  readonly finished = new Promise<void>((resolve) => (this.#finished = resolve));

  constructor(
    readonly spec: OutputSpec,
    readonly host: OutputHost,
  ) {
    this.listenerId = `output:${spec.id}`;
    this.#socket = createSocket('udp4');
    this.#socket.on('error', ignore);
    const send = (port: () => number | undefined) => (packet: Buffer) => {
      const to = port();
      if (to === undefined || this.state === 'done') return;
      this.host.counts.outputPackets++;
      this.#socket.send(packet, to, '127.0.0.1', ignore);
    };
    this.video = new VideoFeed(
      this,
      send(() => this.#ports?.video),
    );
    this.audio = new AudioFeed(
      this,
      send(() => this.#ports?.audio),
    );
  }

  get format(): string {
    return this.spec.kind === 'recording' ? 'webm' : 'flv';
  }

  /** ffmpeg listens: media is sent. */
  get live(): boolean {
    return this.audio.connected;
  }

  videoClock(at: number): number {
    return (this.#videoBase + Math.round((at - this.#start) * VIDEO_RATE)) >>> 0;
  }

  audioClock(at: number): number {
    return (this.#audioBase + Math.round((at - this.#start) * AUDIO_RATE)) >>> 0;
  }

  /** A new lane for the camera `consumer` will feed; it takes over at its first keyframe. */
  cameraLane(): VideoLane {
    const lane = new VideoLane(this.video);
    if (this.video.pending?.consumer) this.host.release(this.video.pending.consumer);
    this.video.pending = lane;
    return lane;
  }

  showBlack(): void {
    if (this.video.pending?.consumer) this.host.release(this.video.pending.consumer);
    this.video.showBlack();
  }

  /** The camera the output shows now, or is about to (undefined: black). */
  get camera(): Consumer<VideoLane> | undefined {
    return (this.video.pending ?? this.video.current).consumer;
  }

  /** Every camera it holds: the one shown and the one about to be. */
  get cameras(): Consumer<VideoLane>[] {
    const held = [this.video.current.consumer, this.video.pending?.consumer];
    return held.filter((c): c is Consumer<VideoLane> => c !== undefined);
  }

  retired(lane: VideoLane): void {
    if (lane.consumer) this.host.release(lane.consumer);
  }

  /** Starts ffmpeg; a failure ends the output as failed. */
  async start(): Promise<void> {
    // An output that never writes anything (ffmpeg waits for a picture it can decode before it
    // opens its output; a destination that accepts and never answers) ends failed, not never.
    const startLimit = this.host.options.startTimeoutMs;
    if (startLimit > 0) {
      this.#timers.push(setTimeout(() => this.#startTimedOut(startLimit), startLimit));
    }
    try {
      this.#checkTarget();
      const black = await blackFrame(this.host.options.ffmpeg);
      if (this.state !== 'starting') return;
      await new Promise<void>((resolve, reject) => {
        this.#socket.once('error', reject);
        this.#socket.bind(0, '127.0.0.1', () => {
          this.#socket.off('error', reject);
          resolve();
        });
      });
      for (let attempt = 1; ; attempt++) {
        const ports = await freePortPairs(2);
        if (this.state !== 'starting') return;
        this.#ports = { video: ports[0]!, audio: ports[1]! };
        const listening = await this.#spawn();
        if (listening === 'listening') break;
        if (listening === 'gone') return;
        // The ports were taken meanwhile: ffmpeg could not bind them. Again, with others.
        this.#ffmpeg = undefined;
        if (attempt >= PORT_ATTEMPTS) throw new Error('ffmpeg could not bind a UDP port');
      }
      if (this.state !== 'starting') return;
      this.host.counts.outputs++;
      this.#open = true;
      this.#report();
      this.audio.connected = true;
      // A camera's first keyframe may have come before ffmpeg listened: ask for another.
      this.video.pending?.consumer?.resync();
      this.video.sendBlack(black);
      this.#timers.push(
        setInterval(() => this.video.sendBlack(black), BLACK_INTERVAL_MS),
        setInterval(() => this.#report(), REPORT_INTERVAL_MS),
      );
      const keyframeInterval = this.host.options.recordingKeyframeIntervalMs;
      if (this.spec.kind === 'recording' && keyframeInterval > 0) {
        const tick = Math.min(1_000, Math.max(100, keyframeInterval / 4));
        this.#timers.push(setInterval(() => this.#keyframeDue(keyframeInterval, tick), tick));
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error.message : String(error));
    }
  }

  /** Still nothing written at the start-up deadline: stopped, failed with ffmpeg's last word. */
  #startTimedOut(limitMs: number): void {
    if (this.state !== 'starting') return;
    const said = this.#errors.at(-1);
    this.#fail(
      `no output within ${limitMs / 1000} s: ` +
        (said ? `ffmpeg: ${said}` : `ffmpeg ${this.#ffmpeg ? 'wrote nothing' : 'did not start'}`),
    );
  }

  /**
   * A recording's keyframes, for seeking: a camera sends them only when asked (a start, a switch,
   * a loss), so the featured camera is asked when the next check would find none for
   * `intervalMs` (any keyframe counts, whoever asked for it). The request goes through the
   * publisher's limiter (E51) and reaches every subscriber of that camera. While one is awaited,
   * asked again at most once a second.
   */
  #keyframeDue(intervalMs: number, tickMs: number): void {
    const camera = this.video.current.consumer;
    if (!camera || this.video.pending || this.state !== 'running') return;
    const t = now();
    if (t - this.video.lastKeyframeAt + tickMs < intervalMs) return;
    if (t - this.#keyframeAskedAt < Math.max(tickMs, 1_000)) return;
    this.#keyframeAskedAt = t;
    camera.producer.requestKeyframe();
  }

  #checkTarget(): void {
    const { kind, target } = this.spec;
    if (kind === 'recording' && !isAbsolute(target)) {
      throw new Error(`a recording's target must be an absolute file path: "${target}"`);
    }
    if (kind === 'stream' && !/^rtmps?:\/\/[^\s/]+/i.test(target)) {
      throw new Error(`a stream's target must be an rtmp:// or rtmps:// address`);
    }
  }

  /** Starts ffmpeg on the current ports; resolves once it listens on them, or has failed
   *  ('retry': it could not bind them; 'gone': it failed otherwise, and the output with it). */
  async #spawn(): Promise<'listening' | 'retry' | 'gone'> {
    const { ffmpeg } = this.host.options;
    const child = spawn(ffmpeg, this.#arguments(), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#ffmpeg = child;
    this.#errors = [];
    this.#portsTaken = false;
    child.stdin.on('error', ignore);
    child.stdin.end(this.#sdp());
    let progress = '';
    child.stdout.on('data', (chunk: Buffer) => {
      progress += chunk.toString();
      const lines = progress.split('\n');
      progress = lines.pop() ?? '';
      for (const line of lines) this.#progress(line);
    });
    let errorText = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errorText += chunk.toString();
      const lines = errorText.split('\n');
      errorText = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.#errors.push(line.trim());
      if (this.#errors.length > 20) this.#errors.splice(0, this.#errors.length - 20);
    });
    const exited = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        this.#errors.push(error.message);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (errorText.trim()) this.#errors.push(errorText.trim());
        resolve();
        if (this.#ffmpeg !== child) return;
        const taken = this.#errors.some((l) => /bind failed|address already in use/i.test(l));
        if (this.state === 'starting' && !this.#stopRequested && taken) {
          this.#portsTaken = true;
          return;
        }
        void this.#exited(code, signal);
      });
    });
    if (child.pid !== undefined) {
      this.host.pid(child.pid);
      // The meeting before its copies: on a busy machine the encoder yields to the forwarding.
      try {
        setPriority(child.pid, ENCODER_NICENESS);
      } catch {
        // not allowed here: it runs at the server's priority
      }
    }
    const ports = this.#ports!;
    const deadline = now() + LISTEN_TIMEOUT_MS;
    for (;;) {
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 50)),
      ]);
      if (done) break;
      if (await listening([ports.video, ports.audio])) return 'listening';
      if (now() > deadline) {
        this.#failure = 'ffmpeg did not open its input in time';
        child.kill('SIGKILL');
        return 'gone';
      }
    }
    return this.#portsTaken ? 'retry' : 'gone';
  }

  #arguments(): string[] {
    const input = [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'],
      ...['-progress', 'pipe:1', '-stats_period', '0.5'],
      ...['-protocol_whitelist', 'pipe,udp,rtp', '-buffer_size', String(RECEIVE_BUFFER)],
      ...['-reorder_queue_size', '64', '-analyzeduration', '2000000'],
      ...['-f', 'sdp', '-i', 'pipe:0', '-map', '0:v:0', '-map', '0:a:0'],
    ];
    if (this.spec.kind === 'recording') {
      // Written as it comes (one-second clusters, flushed): a file cut short (a killed encoder,
      // a full disk) still holds what was recorded up to its last second.
      return [
        ...input,
        ...['-c', 'copy', '-f', 'webm', '-cluster_time_limit', '1000'],
        ...['-flush_packets', '1', '-y', this.spec.target],
      ];
    }
    const o = this.host.options;
    const w = o.streamWidth;
    const h = o.streamHeight;
    const filter =
      `scale=${w}:${h}:force_original_aspect_ratio=decrease,` +
      `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:black,fps=${o.streamFps},format=yuv420p`;
    const kbps = o.streamVideoKbps;
    return [
      ...input,
      ...['-vf', filter, '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
      ...['-g', String(o.streamFps * 2), '-keyint_min', String(o.streamFps * 2)],
      ...['-sc_threshold', '0', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`],
      ...['-bufsize', `${kbps * 2}k`, '-af', 'aresample=async=1000'],
      ...['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'],
      ...['-f', 'flv', '-flvflags', 'no_duration_filesize', this.spec.target],
    ];
  }

  #sdp(): string {
    const ports = this.#ports!;
    return (
      [
        'v=0',
        'o=- 0 0 IN IP4 127.0.0.1',
        's=Conclave output',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        `m=video ${ports.video} RTP/AVP ${VIDEO_PT}`,
        `a=rtpmap:${VIDEO_PT} VP8/90000`,
        'a=recvonly',
        `m=audio ${ports.audio} RTP/AVP ${AUDIO_PT}`,
        `a=rtpmap:${AUDIO_PT} opus/48000/2`,
        `a=fmtp:${AUDIO_PT} minptime=10;useinbandfec=1`,
        'a=recvonly',
      ].join('\r\n') + '\r\n'
    );
  }

  /** ffmpeg's `-progress` lines: running once it has written something. */
  #progress(line: string): void {
    const [key, value] = line.split('=', 2);
    if (key === 'out_time_us' && Number(value) > 0) this.#outTimeUs = Number(value);
    if (key === 'total_size') {
      const size = Number(value);
      if (Number.isFinite(size)) this.#bytesOut = size;
    }
    if (key === 'out_time_us' && this.state === 'starting' && Number(value) > 0) {
      this.state = 'running';
      this.#runningAt = now();
      const o = this.host.options;
      const stream = this.spec.kind === 'stream';
      this.host.event({
        state: 'running',
        width: stream ? o.streamWidth : this.video.width,
        height: stream ? o.streamHeight : this.video.height,
        fps: stream ? o.streamFps : this.video.fps,
      });
    }
  }

  /** Sender reports, one per stream: our clock's time now, in NTP and in each's timestamps. */
  #report(): void {
    const ports = this.#ports;
    if (!ports || this.state === 'done') return;
    const at = now();
    const ntp = ntpAt(at);
    const report = (ssrc: number, timestamp: number, feed: { packets: number; octets: number }) => {
      const packet = Buffer.alloc(28);
      packet[0] = 0x80;
      packet[1] = 200; // SR
      packet.writeUInt16BE(6, 2);
      packet.writeUInt32BE(ssrc, 4);
      packet.writeBigUInt64BE(ntp, 8);
      packet.writeUInt32BE(timestamp, 16);
      packet.writeUInt32BE(feed.packets >>> 0, 20);
      packet.writeUInt32BE(feed.octets >>> 0, 24);
      return packet;
    };
    this.#socket.send(
      report(this.video.ssrc, this.videoClock(at), this.video),
      ports.video + 1,
      '127.0.0.1',
      ignore,
    );
    this.#socket.send(
      report(this.audio.ssrc, this.audioClock(at), this.audio),
      ports.audio + 1,
      '127.0.0.1',
      ignore,
    );
  }

  /** Finishes the output: ffmpeg is asked to quit (it completes the file), and killed if it has
   *  not within the stop timeout (then the output failed). */
  stop(reason?: string): void {
    if (this.state === 'done' || this.#stopRequested) return;
    this.#stopRequested = true;
    if (reason) this.#failure = reason;
    this.state = 'stopping';
    // Media keeps flowing until ffmpeg has gone: it looks at the signal between packets.
    const child = this.#ffmpeg;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      // Not started yet (or gone): the start sees the state and ends here.
      if (!child) void this.#finish();
      return;
    }
    child.kill('SIGINT');
    // Packets keep coming for ffmpeg to see the signal: silence if the mixer stopped.
    this.#timers.push(setInterval(() => this.audio.silence(), AUDIO_FRAME_MS));
    // A second one interrupts a read that waits for packets (ffmpeg ignores the first there).
    this.#timers.push(setTimeout(() => child.kill('SIGINT'), SECOND_SIGNAL_MS));
    this.#killTimer = setTimeout(() => {
      this.#failure ??= `ffmpeg did not finish within ${this.host.options.stopTimeoutMs} ms`;
      child.kill('SIGKILL');
    }, this.host.options.stopTimeoutMs);
  }

  #fail(reason: string): void {
    this.#failure ??= reason;
    if (this.#ffmpeg && this.#ffmpeg.exitCode === null && this.#ffmpeg.signalCode === null) {
      this.stop();
      return;
    }
    void this.#finish();
  }

  async #exited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearTimeout(this.#killTimer);
    if (!this.#stopRequested) {
      // Nobody asked it to end: the encoder died, the disk is full, the destination hung up…
      const said = this.#errors.at(-1);
      this.#failure ??=
        (said ? `ffmpeg: ${said}` : 'ffmpeg ended') +
        (signal ? ` (killed by ${signal})` : code !== 0 ? ` (exit code ${code})` : '');
    } else if (signal === 'SIGKILL') {
      this.#failure ??= `ffmpeg did not finish within ${this.host.options.stopTimeoutMs} ms`;
    } else if (code !== 0 && code !== 255 && this.#failure === undefined) {
      // 255: ffmpeg's exit status after a clean stop on a signal.
      const said = this.#errors.at(-1);
      this.#failure = `ffmpeg: ${said ?? 'failed'} (exit code ${code})`;
    }
    await this.#finish();
  }

  async #finish(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    this.audio.connected = false;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    clearTimeout(this.#killTimer);
    if (this.#open) this.host.counts.outputs--;
    this.#open = false;
    try {
      this.#socket.close();
    } catch {
      // not bound
    }
    let facts = { durationMs: 0, sizeBytes: 0 };
    if (this.spec.kind === 'recording' && this.#ffmpeg) {
      facts = await probeFile(ffprobeFor(this.host.options.ffmpeg), this.spec.target);
    } else if (this.#runningAt !== undefined) {
      facts = { durationMs: Math.round(this.#outTimeUs / 1000), sizeBytes: this.#bytesOut };
    }
    if (this.#failure !== undefined) {
      this.host.counts.outputFailures++;
      this.host.event({ state: 'failed', reason: this.#failure, ...facts, format: this.format });
    } else {
      this.host.event({ state: 'ended', ...facts, format: this.format });
    }
    this.host.done();
    this.#finished();
  }
}

/** `count` pairs of free UDP ports (even, and the next for RTCP), for ffmpeg to bind. */
async function freePortPairs(count: number): Promise<number[]> {
  const found: number[] = [];
  const held: Socket[] = [];
  try {
    while (found.length < count) {
      const probe = await bind(0);
      held.push(probe);
      const port = probe.address().port;
      const even = port % 2 === 0 ? port : port + 1;
      if (even + 1 > 65535) continue;
      try {
        if (even !== port) held.push(await bind(even));
        held.push(await bind(even + 1));
        found.push(even);
      } catch {
        // taken: try another
      }
    }
    return found;
  } finally {
    for (const socket of held) socket.close();
  }
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Whether every port in `ports` is bound for UDP on this machine (ffmpeg has opened them). */
async function listening(ports: number[]): Promise<boolean> {
  const table = await readFile('/proc/net/udp', 'utf8').catch(() => undefined);
  if (table === undefined) return true; // not Linux: no way to look; go on
  const bound = new Set<number>();
  for (const line of table.split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const port = local ? Number.parseInt(local.split(':')[1] ?? '', 16) : NaN;
    if (Number.isFinite(port)) bound.add(port);
  }
  return ports.every((p) => bound.has(p));
}
