/**
 * A browser's side of a SignalWire call for the relay tests: libwebrtc (`@roamhq/wrtc`) makes the
 * offer the SDK would — one audio and one video transceiver, non-trickle (candidates gathered
 * into the SDP) — and applies the server's answer. It runs in a child process because wrtc's
 * native teardown crashes a process that ends on its own; it ends with process.exit.
 *
 * Lines on stdout: `OFFER <sdp as JSON>`, then `STATE <connectionState>` on every change. Lines on
 * stdin: `ANSWER <sdp as JSON>`. Stdin closing ends it. `RELAY_PEER_DIRECTION=recvonly` offers to
 * receive only (an audience member).
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

interface Wrtc {
  RTCPeerConnection: typeof RTCPeerConnection;
  nonstandard: {
    RTCVideoSource: new () => { createTrack(): MediaStreamTrack };
    RTCAudioSource: new () => { createTrack(): MediaStreamTrack };
  };
}

const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
const recvonly = process.env.RELAY_PEER_DIRECTION === 'recvonly';

async function main(): Promise<void> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-compat' });
  if (recvonly) {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
  } else {
    const audio = new wrtc.nonstandard.RTCAudioSource().createTrack();
    const video = new wrtc.nonstandard.RTCVideoSource().createTrack();
    pc.addTransceiver(audio, { direction: 'sendrecv' });
    pc.addTransceiver(video, { direction: 'sendrecv' });
  }
  pc.onconnectionstatechange = () => console.log(`STATE ${pc.connectionState}`);
  await pc.setLocalDescription(await pc.createOffer());
  // Non-trickle, as the SDK: the offer goes out once gathering is complete.
  const deadline = Date.now() + 5000;
  while (pc.iceGatheringState !== 'complete' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`OFFER ${JSON.stringify(pc.localDescription!.sdp)}`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (!line.startsWith('ANSWER ')) return;
    const sdp = JSON.parse(line.slice(7)) as string;
    pc.setRemoteDescription({ type: 'answer', sdp }).then(
      () => console.log('APPLIED'),
      (error: unknown) => console.log(`FAILED ${JSON.stringify(String(error))}`),
    );
  });
  lines.on('close', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.log(`FAILED ${JSON.stringify(String(error))}`);
  process.exit(1);
});
