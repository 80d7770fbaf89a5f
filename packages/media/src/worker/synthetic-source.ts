/**
 * A synthetic source: a member's camera and microphone made by ffmpeg instead of a browser — a
 * moving test pattern with the member's name on it (VP8) and a steady tone (Opus) — for emulator
 * mode's simulated members. ffmpeg sends RTP over loopback UDP to two sockets of this worker; each
 * packet is handed to a producer exactly as a publisher's would be, so subscribers, calls, the mix
 * and outputs take it like anyone's media.
 *
 * ffmpeg cannot answer a keyframe request, so it makes one every second: a receiver that starts or
 * loses sync waits at most that long.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpPacket, type Extensions } from 'werift';
import type { SyntheticSpec } from '../media-types.js';
import type { ProducerInput, ProducerTrack } from './producer.js';

/** The font of the name drawn on the picture (Debian's fonts-dejavu-core). */
export const SYNTHETIC_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const VIDEO_PT = 96;
const AUDIO_PT = 111;
/** ffmpeg's scheduling priority (nice): below the media workers'. */
const ENCODER_NICENESS = 10;
/** A stopping ffmpeg still there after this long is killed. */
const KILL_AFTER_MS = 1_000;
const noop = () => undefined;
/** Paths put in the filter graph as they are: nothing in them that the graph's syntax reads. */
const PLAIN_PATH = /^[A-Za-z0-9._/-]+$/;

/** A track-like source of RTP packets for a producer. */
class SyntheticTrack implements ProducerTrack {
  readonly #listeners = new Set<(rtp: RtpPacket, extensions?: Extensions) => void>();
  readonly onReceiveRtp = {
    subscribe: (listener: (rtp: RtpPacket, extensions?: Extensions) => void) => {
      this.#listeners.add(listener);
      return { unSubscribe: () => void this.#listeners.delete(listener) };
    },
  };

  emit(rtp: RtpPacket): void {
    for (const listener of this.#listeners) listener(rtp, undefined);
  }
}

/** What the router is told about a synthetic source. */
export interface SyntheticEvents {
  /** ffmpeg started as process `pid`, or ended (null). */
  pid(pid: number | null): void;
  /** ffmpeg ended without being stopped (it failed): the source's tracks are gone. */
  failed(reason: string): void;
}

export class SyntheticSource {
  readonly video: ProducerInput & { track: SyntheticTrack };
  readonly audio: ProducerInput & { track: SyntheticTrack };
  /** Keyframes asked of it (answered by the next periodic one). */
  keyframesAsked = 0;
  /** RTP packets received from ffmpeg. */
  packets = 0;
  #sockets: Socket[] = [];
  #child: ChildProcess | undefined;
  #dir: string | undefined;
  #stopped = false;

  constructor(
    readonly spec: SyntheticSpec,
    private readonly ffmpeg: string,
    private readonly events: SyntheticEvents,
  ) {
    const input = (kind: 'audio' | 'video', mimeType: string) => ({
      kind,
      codecs: [{ mimeType }],
      headerExtensions: [],
      receiver: {
        sendRtcpPLI: async () => {
          this.keyframesAsked++;
        },
      },
      track: new SyntheticTrack(),
    });
    this.video = input('video', 'video/VP8');
    this.audio = input('audio', 'audio/opus');
  }

  /** Opens the ports and starts ffmpeg. Rejects when either cannot be done. */
  async start(): Promise<void> {
    const videoPort = await this.#listen(this.video.track, VIDEO_PT);
    const audioPort = await this.#listen(this.audio.track, AUDIO_PT);
    if (this.#stopped) {
      this.#cleanUp();
      return;
    }
    // The name goes in a file of its own (drawtext's textfile, read as it is): nothing a member
    // is called can change the filter graph.
    this.#dir = mkdtempSync(join(tmpdir(), `conclave-synthetic-${safe(this.spec.memberId)}-`));
    const textFile = join(this.#dir, 'name.txt');
    writeFileSync(textFile, this.spec.name);
    const child = spawn(this.ffmpeg, this.#arguments(videoPort, audioPort, textFile), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (errors.length < 4000) errors += chunk.toString();
    });
    child.on('error', (error) => this.#ended(`ffmpeg could not be run: ${error.message}`));
    child.on('close', (code, signal) =>
      this.#ended(
        `ffmpeg ended (${signal ?? `exit code ${code}`}): ${errors.trim().slice(-200) || 'no output'}`,
      ),
    );
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, ENCODER_NICENESS);
      } catch {
        // not allowed here: it runs at our priority
      }
      this.events.pid(child.pid);
    }
  }

  /** Ends ffmpeg (killed if it lingers) and closes the ports. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      child.once('close', () => clearTimeout(timer));
    }
    this.#cleanUp();
  }

  #ended(reason: string): void {
    this.events.pid(null);
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cleanUp();
    this.events.failed(reason);
  }

  #cleanUp(): void {
    for (const socket of this.#sockets.splice(0)) socket.close();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  /** A loopback socket taking RTP of payload type `pt` to `track` (ffmpeg's RTCP is dropped). */
  async #listen(track: SyntheticTrack, pt: number): Promise<number> {
    const socket = createSocket('udp4');
    this.#sockets.push(socket);
    socket.on('error', noop);
    socket.on('message', (message, remote) => {
      if (remote.address !== '127.0.0.1' || message.length < 12) return;
      if ((message[1]! & 0x7f) !== pt) return; // RTCP (payload types 200–204) and strays
      let rtp: RtpPacket;
      try {
        rtp = RtpPacket.deSerialize(message);
      } catch {
        return;
      }
      this.packets++;
      track.emit(rtp);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return socket.address().port;
  }

  #arguments(videoPort: number, audioPort: number, textFile: string): string[] {
    const { toneHz } = this.spec;
    const picture = 'testsrc2=size=640x360:rate=15';
    const font = this.spec.font ?? SYNTHETIC_FONT;
    const text =
      existsSync(font) && PLAIN_PATH.test(font) && PLAIN_PATH.test(textFile)
        ? `,drawtext=fontfile=${font}:textfile=${textFile}` +
          ':expansion=none:fontsize=40:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12' +
          ':x=(w-tw)/2:y=h-th-30'
        : '';
    // `rtcpport` is the RTP port itself: ffmpeg's sender reports land on our socket and are
    // dropped, not on port+1, which may be anyone's.
    const rtp = (port: number) => `rtp://127.0.0.1:${port}?pkt_size=1200&rtcpport=${port}`;
    return [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-re', '-f', 'lavfi', '-i', picture + text],
      ...['-re', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`],
      ...['-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8'],
      ...['-b:v', '300k', '-g', '30', '-force_key_frames', 'expr:gte(t,n_forced*1)'],
      ...['-f', 'rtp', '-payload_type', String(VIDEO_PT), rtp(videoPort)],
      ...['-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-application', 'voip'],
      ...['-frame_duration', '20', '-f', 'rtp', '-payload_type', String(AUDIO_PT), rtp(audioPort)],
    ];
  }
}

/** Letters, digits and dashes only (a member id, in a directory name). */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '').slice(0, 64);
}
