/**
 * The media engine's surface, as the server sees it. The server admits members and enforces the
 * rules; the engine carries their audio and video (Conclave is each member's WebRTC peer) and
 * reports back what only it can see: who is talking, and frames for one member.
 *
 * The contract is small on purpose: another engine (a native SFU, a media node elsewhere) can
 * implement it without touching the server.
 */
import type { MediaClientMessage } from '@conclave/schema';

/** What the rules say about one member's media. */
export interface MemberMediaState {
  /** May publish at all (false for audience members): `media.publish` is refused. */
  canPublish: boolean;
  /** Its audio is not forwarded to anyone. */
  audioMuted: boolean;
  /** Its video (camera and screen) is not forwarded to anyone. */
  videoMuted: boolean;
  /** It is sent no audio. */
  deaf: boolean;
}

/** What the engine tells the server. Called on the server's event loop. */
export interface MediaEngineEvents {
  /** A frame for one member's WebSocket: serialised JSON, to be sent as it is. */
  send(sessionId: string, memberId: string, text: string): void;
  /** A member started or stopped talking. */
  talking(sessionId: string, memberId: string, talking: boolean): void;
  /** An output (`startOutput`) is running, ended or failed. */
  output(sessionId: string, outputId: string, event: OutputEvent): void;
}

/** A composed copy of a session leaving Conclave: a recording file or a live RTMP(S) stream. */
export interface OutputSpec {
  /** The caller's id (a recording's or a stream's id); unique among the session's outputs. */
  id: string;
  kind: 'recording' | 'stream';
  /** recording: absolute path of the WebM file to write (its directory exists; the engine writes it
   *  in place); stream: the rtmp:// or rtmps:// address. */
  target: string;
}

export type OutputEvent =
  /** Media is being written/sent (first packets reached ffmpeg and it produced output). */
  | { state: 'running'; width: number; height: number; fps: number }
  /** Stopped by stopOutput, endSession or close: the file is complete (recording). */
  | { state: 'ended'; durationMs: number; sizeBytes: number; format: string }
  /** Could not start, or ended badly (encoder died, disk full, destination refused/unreachable).
   *  durationMs/sizeBytes describe what a recording file holds (0 if nothing usable). */
  | { state: 'failed'; reason: string; durationMs: number; sizeBytes: number; format: string };

export interface MediaEngine {
  /** False for an engine that carries nothing (media frames are refused `media_unavailable`). */
  readonly available: boolean;
  /** STUN/TURN servers handed to clients. */
  readonly iceServers: IceServer[];
  /** A member is in the session: its media may start. */
  join(sessionId: string, memberId: string, state: MemberMediaState): void;
  /** The rules changed for a member (mute, deaf). */
  update(sessionId: string, memberId: string, state: MemberMediaState): void;
  /** The member is gone (left, dropped, removed): its media ends at once. */
  leave(sessionId: string, memberId: string): void;
  /** The session ended: all of its media ends at once. */
  endSession(sessionId: string): void;
  /** A `media.*` frame from a member (already schema-checked). Replies go through `send`. */
  handle(sessionId: string, memberId: string, message: MediaClientMessage): void;
  /**
   * A member whose client expects a mixed room (SignalWire's browser SDK): ONE connection carrying
   * everything. `sdp` is the client's complete offer (candidates included). The reply goes through
   * `send` as `{"type":"call.answer","ref":ref,"sdp":"<complete answer, candidates included>"}`, or
   * `{"type":"error","ref":ref,"code":"media_failed"|"not_publisher","message":"…"}`. A new offer for a
   * member that already has a call replaces its connection (a fresh answer). When the call's
   * connection fails: `{"type":"media.closed","reason":"failed"}` through `send`.
   *
   * The call is sent the camera of the member `show()` names and a mix of everyone else's unmuted
   * microphones (Opus, 20 ms; a deaf member is sent no audio packets at all). Its own audio and
   * video become the member's `microphone` and `camera` tracks for everyone else. An audience
   * member (`canPublish: false`) is answered send-only: it receives, and publishes nothing. The
   * answer prefers VP8 and Opus. A member's `media.publish`/`media.subscribe` connections are
   * closed when it calls; a call counts in `transports` and `calls`.
   */
  call(sessionId: string, memberId: string, ref: string, sdp: string): void;
  /**
   * Whose camera the member's call shows (null: nobody). Switching asks that member for a
   * keyframe. Nothing is sent while that member has no camera, its video is muted, or its camera's
   * codec is not the one the call negotiated (video is forwarded, never transcoded).
   */
  show(sessionId: string, memberId: string, featuredId: string | null): void;
  /**
   * The member's camera and microphone are made here instead of published (emulator mode's
   * simulated members): a moving test pattern with `spec.name` drawn on it (VP8, 640×360, 15 fps,
   * a keyframe every second) and a steady tone of `spec.toneHz` (Opus), encoded by ffmpeg. Everyone
   * receives them as a publisher's tracks (sources `camera` and `microphone`); mutes apply as to
   * anyone's. They end when the member leaves (or `endSession`); nothing is sent back. Ignored for
   * a member that may not publish or already publishes; needs ffmpeg (`outputsUnavailable`).
   * Optional: an engine without it offers simulated members no media.
   */
  synthetic?(sessionId: string, memberId: string, spec: SyntheticSpec): void;
  /** Why outputs cannot run in this process (e.g. "ffmpeg not found on PATH"), or null. Checked
   *  once at start (`ffmpeg -version`; `OutputOptions.ffmpeg` names the binary). */
  readonly outputsUnavailable: string | null;
  /**
   * Starts an output; every start ends with exactly one 'ended' or 'failed' event.
   *
   * What it carries: the camera of the member `showOutput` names (VP8, switched at its
   * keyframes; black while there is none) and the mix of every unmuted microphone. A recording
   * is WebM with both copied as they come (VP8 + Opus; the picture's size follows the featured
   * camera); a stream is transcoded to H.264 + AAC at a fixed size and sent as FLV over RTMP(S).
   */
  startOutput(sessionId: string, spec: OutputSpec): void;
  /** Whose camera the output shows (null: nobody — black). */
  showOutput(sessionId: string, outputId: string, featuredId: string | null): void;
  /** Finishes the output (file completed); its 'ended' event follows. Unknown id: nothing. */
  stopOutput(sessionId: string, outputId: string): void;
  /** Counts across all workers, for operators and tests. */
  stats(): Promise<MediaStats>;
  /** Ends worker `index` as a crash would (a drill); false when there is no such worker. */
  restartWorker(index: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A synthetic camera and microphone (`MediaEngine.synthetic`). */
export interface SyntheticSpec {
  /** The member's id (names its temporary files). */
  memberId: string;
  /** Drawn on the picture, read from a file as it is (no escaping needed). */
  name: string;
  /** The tone's frequency, in Hz (20–20 000). */
  toneHz: number;
  /** A TrueType font for the name; default DejaVu Sans (Debian's fonts-dejavu-core). Without
   *  the font file the picture has no name. */
  font?: string;
}

/** The answer to `call()`, sent to the member as it is. */
export interface CallAnswerMessage {
  type: 'call.answer';
  ref: string;
  sdp: string;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface MediaEngineOptions {
  /** Worker threads (`CONCLAVE_MEDIA_WORKERS`, default one per core). */
  workers: number;
  /** Addresses announced as host candidates (`CONCLAVE_MEDIA_ADDRESSES`); see `media-config.ts`. */
  addresses: string[];
  /** UDP port range (`CONCLAVE_MEDIA_PORTS`, `min-max`); undefined: any free port. */
  portRange: [number, number] | undefined;
  iceServers: IceServer[];
  /** Keyframe requests passed to one publisher: at most one per this many ms. */
  keyframeIntervalMs: number;
  /** Outputs (recordings, streams): how ffmpeg is run. Defaults: `outputDefaults()`. */
  outputs?: Partial<OutputOptions>;
}

/** How outputs are encoded (`CONCLAVE_FFMPEG`, `CONCLAVE_STREAM_*`; see `media-config.ts`). */
export interface OutputOptions {
  /** The ffmpeg binary (its ffprobe is looked for beside it, then on PATH). */
  ffmpeg: string;
  /** A stream's picture: scaled and padded to this size, at this frame rate. */
  streamWidth: number;
  streamHeight: number;
  streamFps: number;
  /** A stream's video bitrate, in kbit/s (its audio: AAC 128 kbit/s). */
  streamVideoKbps: number;
  /** How long a stopping output's ffmpeg may take to finish its file before it is killed. */
  stopTimeoutMs: number;
  /** How long an output may take from its start to its first written media ('running'); then
   *  it is stopped and fails ("no output within N s: …"). ffmpeg waits for a decodable picture
   *  before it opens its output, and a destination can hang: neither would ever end otherwise. */
  startTimeoutMs: number;
  /** A recording asks its featured camera for a keyframe when it has had none for this long
   *  (through the publisher's limiter), so the file seeks within it; 0: never asked. */
  recordingKeyframeIntervalMs: number;
}

/** One worker's counts (and their sum across workers in `MediaStats.total`). */
export interface WorkerCounts {
  sessions: number;
  members: number;
  /** Peer connections open (a member has up to two: publish, subscribe; or one call). */
  transports: number;
  /** Call connections open (`MediaEngine.call`; also counted in `transports`). */
  calls: number;
  /** Tracks received from publishers. */
  producers: number;
  /** Tracks sent to subscribers. */
  consumers: number;
  packetsIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Keyframe requests received from subscribers (or made for them). */
  keyframesAsked: number;
  /** Keyframe requests sent to publishers (after the per-publisher limit). */
  keyframesSent: number;
  /** Retransmission requests (NACK) from subscribers, answered from the sent-packet history. */
  nacks: number;
  /** Errors contained inside the worker (a bad SDP, a failed send). */
  errors: number;
  /** Opus frames (20 ms) encoded for calls: one per call member per frame it is sent. */
  mixedFrames: number;
  /** CPU time spent decoding, mixing and encoding calls' audio, in µs (the elapsed time of that
   *  synchronous work on the worker's thread; sending the packets is not included). */
  mixCpuUs: number;
  /** Outputs (recordings, streams) open: their ffmpeg is running. */
  outputs: number;
  /** RTP packets sent to outputs' ffmpeg (video and audio). */
  outputPackets: number;
  /** Outputs that ended as failed (could not start, encoder died, destination refused). */
  outputFailures: number;
}

export interface MediaStats {
  workers: (WorkerCounts & { index: number; threadId: number; restarts: number })[];
  total: WorkerCounts;
}

/** Messages from the server's thread to a worker. */
export type WorkerCommand =
  | { op: 'join'; session: string; member: string; state: MemberMediaState }
  | { op: 'update'; session: string; member: string; state: MemberMediaState }
  | { op: 'leave'; session: string; member: string }
  | { op: 'end'; session: string }
  | { op: 'handle'; session: string; member: string; message: MediaClientMessage }
  | { op: 'call'; session: string; member: string; ref: string; sdp: string }
  | { op: 'show'; session: string; member: string; featured: string | null }
  | { op: 'output.start'; session: string; spec: OutputSpec }
  | { op: 'output.show'; session: string; output: string; featured: string | null }
  | { op: 'output.stop'; session: string; output: string }
  | { op: 'synthetic'; session: string; member: string; spec: SyntheticSpec }
  | { op: 'stats'; ask: number }
  /** Close every connection (their sockets first), then end the thread with `code`. */
  | { op: 'exit'; code: number };

/** Messages from a worker to the server's thread. */
export type WorkerEvent =
  | { ev: 'send'; session: string; member: string; text: string }
  | { ev: 'talking'; session: string; member: string; talking: boolean }
  | { ev: 'stats'; ask: number; counts: WorkerCounts }
  | { ev: 'output'; session: string; output: string; event: OutputEvent }
  /** An output's ffmpeg started (so the server's thread can end it if the worker dies). */
  | { ev: 'output.pid'; session: string; output: string; pid: number }
  /** A synthetic source's ffmpeg started (or ended: null), to be ended if the worker dies. */
  | { ev: 'synthetic.pid'; session: string; member: string; pid: number | null }
  | { ev: 'ready' };

/** What a worker is started with. */
export interface WorkerConfig {
  addresses: string[];
  portRange: [number, number] | undefined;
  keyframeIntervalMs: number;
  outputs: OutputOptions;
}

export function emptyCounts(): WorkerCounts {
  return {
    sessions: 0,
    members: 0,
    transports: 0,
    calls: 0,
    producers: 0,
    consumers: 0,
    packetsIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    keyframesAsked: 0,
    keyframesSent: 0,
    nacks: 0,
    errors: 0,
    mixedFrames: 0,
    mixCpuUs: 0,
    outputs: 0,
    outputPackets: 0,
    outputFailures: 0,
  };
}
