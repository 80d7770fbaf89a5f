/**
 * How Conclave's peer connections are configured: the codecs it forwards (Opus; VP8, and H.264
 * where both sides offer it), their feedback (NACK with RTX, PLI, FIR), the header extensions it
 * reads or writes, and where ICE listens.
 */
import { isIPv4 } from 'node:net';
import {
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useFIR,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useVideoOrientation,
  useVP8,
  type PeerConfig,
} from 'werift';
import type { WorkerConfig } from '../media-types.js';

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
export const VIDEO_ORIENTATION_URI = 'urn:3gpp:video-orientation';
/** Extensions forwarded from publisher to subscriber, their ids translated per connection. The
 *  others (mid, abs-send-time) are written by each connection's own sender. */
export const FORWARDED_EXTENSIONS = [AUDIO_LEVEL_URI, VIDEO_ORIENTATION_URI];

const feedback = () => [useNACK(), usePLI(), useFIR()];
const rtx = () => new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000 });

/** Codecs, with fresh objects each time (werift assigns payload types into them). */
export function codecs(): PeerConfig['codecs'] {
  return {
    audio: [useOPUS({ rtcpFeedback: [] })],
    video: [
      useVP8({ rtcpFeedback: feedback() }),
      rtx(),
      useH264({ rtcpFeedback: feedback() }),
      rtx(),
    ],
  };
}

const isLoopback = (address: string) => address.startsWith('127.') || address === '::1';

/** The peer-connection options for one connection of a member. */
export function peerConfig(config: WorkerConfig): Partial<PeerConfig> {
  const allowed = new Set(config.addresses);
  const loopbackOnly = config.addresses.every(isLoopback);
  return {
    codecs: codecs(),
    headerExtensions: {
      audio: [useSdesMid(), useAudioLevelIndication()],
      video: [useSdesMid(), useAbsSendTime(), useVideoOrientation()],
    },
    iceAdditionalHostAddresses: config.addresses,
    iceUseIpv4: true,
    iceUseIpv6: config.addresses.some((a) => !isIPv4(a)),
    iceUseTcp: false,
    icePortRange: config.portRange,
    // Only pairs from an announced address: a loopback-only server never sends to a remote
    // address off the machine, whatever candidates a client offers.
    iceFilterCandidatePair: (pair) => {
      const local = pair.localCandidate.host;
      if (!allowed.has(local)) return false;
      return !loopbackOnly || isLoopback(pair.remoteCandidate.host);
    },
    bundlePolicy: 'max-bundle',
  };
}

/**
 * Drops the SSRC lines of the sections Conclave only receives on. werift writes its own RTCP
 * sender's SSRCs there, which the far end never needs, and older libwebrtc builds (the one in
 * `@roamhq/wrtc`) refuse an answer whose section names SSRCs of more than one track.
 */
export function withoutReceiveOnlySsrcs(sdp: string): string {
  const [head = '', ...sections] = sdp.split(/\r\n(?=m=)/);
  const kept = sections.map((section) => {
    const lines = section.split('\r\n');
    if (!lines.includes('a=recvonly') && !lines.includes('a=inactive')) return section;
    return lines
      .filter((l) => !l.startsWith('a=ssrc:') && !l.startsWith('a=ssrc-group:'))
      .join('\r\n');
  });
  return [head, ...kept].join('\r\n');
}

/** Keeps only the candidates on announced addresses in an SDP the server sends. */
export function announcedOnly(sdp: string, addresses: string[]): string {
  const allowed = new Set(addresses);
  return sdp
    .split('\r\n')
    .filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const address = line.split(' ')[4];
      return address !== undefined && allowed.has(address);
    })
    .join('\r\n');
}
