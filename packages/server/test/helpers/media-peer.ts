import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useAudioLevelIndication,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useVP8,
  type RTCRtpTransceiver,
} from 'werift';
import { closePeer } from '@conclave/media';
import type { MediaTrackInfo, ServerMessage } from '@conclave/schema';
import type { TestMember } from './realtime-client.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** A WebRTC peer in Node (werift) speaking Conclave's media protocol over a TestMember: it
 *  publishes synthetic VP8 + Opus RTP and counts what it receives, per remote member and kind. */
export class MediaPeer {
  publish: RTCPeerConnection | undefined;
  subscribe: RTCPeerConnection | undefined;
  /** Packets received, by `<member id>/<kind>`. */
  readonly received = new Map<string, number>();
  /** The latest offer's track map. */
  tracks: MediaTrackInfo[] = [];
  #timer: NodeJS.Timeout | undefined;
  #transceivers: RTCRtpTransceiver[] = [];
  /** Audio level sent (0 loudest … 127 silence). */
  level = 127;
  offers = 0;

  constructor(
    readonly member: TestMember,
    readonly options: {
      /** The video codecs it offers or accepts (default VP8). */
      video?: ('VP8' | 'H264')[];
      /** Percent of incoming media packets dropped (werift's own loss simulation). */
      loss?: number;
    } = {},
  ) {}

  config() {
    const video = (this.options.video ?? ['VP8']).map((name) =>
      name === 'VP8'
        ? useVP8({ rtcpFeedback: [useNACK(), usePLI()] })
        : useH264({ rtcpFeedback: [useNACK(), usePLI()] }),
    );
    return {
      codecs: { audio: [useOPUS()], video },
      // werift drops a packet when `inboundPacketLoss / 100 < random`: 100 - loss keeps the rest.
      ...(this.options.loss ? { debug: { inboundPacketLoss: 100 - this.options.loss } } : {}),
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid()] },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      iceUseTcp: false,
      // One transport for every m-line (werift leaves the sockets of unbundled ones open).
      bundlePolicy: 'max-bundle' as const,
      iceFilterCandidatePair: (pair: { localCandidate: { host: string } }) =>
        pair.localCandidate.host === '127.0.0.1',
    };
  }

  /** Publishes audio and video; resolves with the server's answer (or its error). */
  async startPublishing(
    sources: { audio?: string; video?: string } = { audio: 'microphone', video: 'camera' },
  ): Promise<Of<'media.answer'> | Of<'error'>> {
    const pc = new RTCPeerConnection(this.config());
    this.publish = pc;
    const tracks: { mid: string; source: string }[] = [];
    const kinds = (['audio', 'video'] as const).filter((k) => sources[k] !== undefined);
    for (const kind of kinds) {
      const track = new MediaStreamTrack({ kind });
      this.#transceivers.push(pc.addTransceiver(track, { direction: 'sendonly' }));
    }
    await pc.setLocalDescription(await pc.createOffer());
    for (const t of this.#transceivers)
      tracks.push({ mid: t.mid!, source: sources[t.kind as 'audio']! });
    const id = `pub${Date.now()}`;
    this.member.send({ type: 'media.publish', id, sdp: pc.localDescription!.sdp, tracks });
    const reply = (await this.member.next(
      (m) => (m.type === 'media.answer' || m.type === 'error') && 'ref' in m && m.ref === id,
      15_000,
    )) as Of<'media.answer'> | Of<'error'>;
    if (reply.type === 'error') return reply;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    await waitConnected(pc);
    this.#startSending();
    return reply;
  }

  #startSending(): void {
    let seq = 0;
    let frame = 0;
    this.#timer = setInterval(() => {
      frame++;
      for (const t of this.#transceivers) {
        const track = t.sender.track;
        if (!track) continue;
        if (t.kind === 'video') {
          // A keyframe every 10 frames, deltas between: VP8 (descriptor S=1, then the P bit) or
          // H.264 (an IDR slice, NAL type 5, or a non-IDR one, type 1).
          const key = frame % 10 === 1;
          const h264 = this.options.video?.[0] === 'H264';
          const head = h264 ? [key ? 0x65 : 0x41] : [0x10, key ? 0x00 : 0x01];
          const payload = Buffer.concat([Buffer.from(head), Buffer.alloc(600)]);
          track.writeRtp(
            new RtpPacket(
              new RtpHeader({
                sequenceNumber: seq & 0xffff,
                timestamp: frame * 3000,
                payloadType: 96,
                marker: true,
              }),
              payload,
            ),
          );
        } else {
          const levelId = t.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id;
          const header = new RtpHeader({
            sequenceNumber: seq & 0xffff,
            timestamp: frame * 960,
            payloadType: 111,
            marker: false,
          });
          if (levelId !== undefined) {
            header.extensions = [{ id: levelId, payload: Buffer.from([0x80 | this.level]) }];
          }
          track.writeRtp(new RtpPacket(header, Buffer.alloc(80)));
        }
      }
      seq++;
    }, 20);
  }

  /** Subscribes and keeps answering the server's offers. */
  async startSubscribing(): Promise<void> {
    const pc = new RTCPeerConnection(this.config());
    this.subscribe = pc;
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => {
        const transceiver = pc.getTransceivers().find((t) => t.receiver.track === track);
        const info = this.tracks.find((i) => i.mid === transceiver?.mid);
        if (!info) return;
        const key = `${info.member_id}/${info.kind}`;
        this.received.set(key, (this.received.get(key) ?? 0) + 1);
      });
    });
    const onOffer = async () => {
      for (;;) {
        const offer = await this.member.next('media.offer', 60_000).catch(() => undefined);
        if (!offer) return;
        if (this.subscribe !== pc) {
          // Closed meanwhile: the offer is for whoever subscribes next on this member.
          this.member.deliver(offer);
          return;
        }
        this.offers++;
        this.tracks = offer.tracks;
        await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        this.member.send({ type: 'media.answer', sdp: pc.localDescription!.sdp });
      }
    };
    void onOffer();
    const ack = await this.member.request({ type: 'media.subscribe' });
    if (ack.type !== 'ack') throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  }

  count(memberId: string, kind: 'audio' | 'video'): number {
    return this.received.get(`${memberId}/${kind}`) ?? 0;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const pcs = [this.publish, this.subscribe];
    this.publish = undefined;
    this.subscribe = undefined;
    this.#transceivers = [];
    await Promise.all(pcs.map((pc) => (pc ? closePeer(pc) : undefined)));
  }
}

function waitConnected(pc: RTCPeerConnection, ms = 15_000): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected in ${ms} ms`)), ms);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
