import type { RTCPeerConnection } from 'werift';

/**
 * Closes a werift peer connection and every socket it opened. werift's `close()` skips closing an
 * ICE transport whose state already reads `closed` (as after the remote went silent), which leaves
 * its UDP sockets open; they are closed here whatever the state.
 */
export async function closePeer(pc: RTCPeerConnection): Promise<void> {
  await pc.close().catch(() => undefined);
  await Promise.allSettled(pc.iceTransports.map((transport) => transport.connection.close()));
}
