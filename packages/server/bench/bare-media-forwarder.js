/**
 * Baseline of `npm run bench -- media`: a bare werift forwarder, no Conclave code. One
 * RTCPeerConnection receives a page's VP8 + Opus, a second one sends it to another page: each RTP
 * packet is forwarded as is (header extensions stripped, the sender writes its own), and the
 * subscriber's keyframe requests go to the publisher. Signaling is plain HTTP, relayed by the
 * benchmark: POST /publish (offer → answer), POST /subscribe (→ offer), POST /answer, GET /stats.
 * Run as its own process (PORT) so that its CPU is measured like the server's.
 */
import { createServer } from 'node:http';
import {
  RTCPeerConnection,
  useAbsSendTime,
  useFIR,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useVP8,
} from 'werift';

const config = () => ({
  codecs: {
    audio: [useOPUS({ rtcpFeedback: [] })],
    video: [useVP8({ rtcpFeedback: [useNACK(), usePLI(), useFIR()] })],
  },
  headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
  iceAdditionalHostAddresses: ['127.0.0.1'],
  iceUseIpv6: false,
  iceUseTcp: false,
  iceFilterCandidatePair: (pair) =>
    pair.localCandidate.host === '127.0.0.1' && pair.remoteCandidate.host.startsWith('127.'),
  bundlePolicy: 'max-bundle',
});

const loopbackOnly = (sdp) =>
  sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || l.split(' ')[4] === '127.0.0.1')
    .join('\r\n');

const stats = { packetsIn: 0, packetsOut: 0, bytesOut: 0, plis: 0 };
let pcIn;
let pcOut;
const out = {};
const inbound = {};
const ignore = () => undefined;

function forward(kind, track, receiver) {
  inbound[kind] = { receiver, ssrc: undefined };
  track.onReceiveRtp.subscribe((rtp) => {
    stats.packetsIn++;
    inbound[kind].ssrc = rtp.header.ssrc;
    const t = out[kind];
    if (!t) return;
    rtp.header.extensions = [];
    t.sender.sendRtp(rtp).catch(ignore);
    stats.packetsOut++;
    stats.bytesOut += rtp.payload.length;
  });
}

const askKeyframe = () => {
  const v = inbound.video;
  if (v?.ssrc !== undefined) {
    stats.plis++;
    v.receiver.sendRtcpPLI(v.ssrc).catch(ignore);
  }
};

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

const server = createServer(async (req, res) => {
  try {
    let reply = {};
    if (req.url === '/publish') {
      const { sdp } = await body(req);
      pcIn = new RTCPeerConnection(config());
      pcIn.onTrack.subscribe((track) => {
        const transceiver = pcIn.getTransceivers().find((t) => t.receiver.track === track);
        forward(track.kind, track, transceiver?.receiver ?? pcIn.getReceivers()[0]);
      });
      await pcIn.setRemoteDescription({ type: 'offer', sdp });
      await pcIn.setLocalDescription(await pcIn.createAnswer());
      reply = { sdp: loopbackOnly(pcIn.localDescription.sdp) };
    } else if (req.url === '/subscribe') {
      pcOut = new RTCPeerConnection(config());
      const audio = pcOut.addTransceiver('audio', { direction: 'sendonly' });
      const video = pcOut.addTransceiver('video', { direction: 'sendonly' });
      video.sender.onPictureLossIndication.subscribe(askKeyframe);
      await pcOut.setLocalDescription(await pcOut.createOffer());
      reply = { sdp: loopbackOnly(pcOut.localDescription.sdp) };
      pcOut.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          out.audio = audio;
          out.video = video;
          askKeyframe();
        }
      });
    } else if (req.url === '/answer') {
      const { sdp } = await body(req);
      await pcOut.setRemoteDescription({ type: 'answer', sdp });
    } else if (req.url === '/stats') {
      reply = stats;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(reply));
  } catch (error) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(error?.stack ?? error) }));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  pcIn?.close();
  pcOut?.close();
  process.exit(0);
});
