/**
 * What a client sends about media is checked here before werift sees it: the shape of an SDP and
 * of an ICE candidate, and limits on their size. A refusal is a `media_failed` error frame for
 * that member; nothing else changes.
 */
import { isIPv4, isIPv6 } from 'node:net';

export class MediaInputError extends Error {}

/** Most media sections in one SDP (a member publishes at most a handful of tracks; a subscriber
 *  answers one section per remote track). */
const MAX_MEDIA_SECTIONS = 1024;
const MAX_LINE = 4096;
const MAX_CANDIDATES = 128;
const LINE = /^[a-z]=[\x20-\x7e]*$/;

/** Throws MediaInputError unless `sdp` looks like a WebRTC session description. */
export function checkSdp(
  sdp: string,
  type: 'offer' | 'answer',
  maxSections = MAX_MEDIA_SECTIONS,
): void {
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'v=0') throw new MediaInputError(`the ${type} is not an SDP (no "v=0")`);
  let sections = 0;
  let candidates = 0;
  let fingerprint = false;
  let ufrag = false;
  for (const line of lines) {
    if (line.length > MAX_LINE) throw new MediaInputError('an SDP line is over 4096 characters');
    if (!LINE.test(line)) throw new MediaInputError('the SDP has a malformed line');
    if (line.startsWith('m=')) {
      if (++sections > maxSections) throw new MediaInputError('too many media sections');
      const kind = line.slice(2).split(' ')[0];
      if (kind !== 'audio' && kind !== 'video' && kind !== 'application') {
        throw new MediaInputError(`unsupported media section "${kind?.slice(0, 20)}"`);
      }
    } else if (line.startsWith('a=candidate:')) {
      if (++candidates > MAX_CANDIDATES) throw new MediaInputError('too many candidates');
      checkCandidate(line.slice(2));
    } else if (line.startsWith('a=fingerprint:')) {
      fingerprint = true;
    } else if (line.startsWith('a=ice-ufrag:')) {
      ufrag = true;
    }
  }
  if (sections === 0) throw new MediaInputError(`the ${type} has no media`);
  if (!fingerprint) throw new MediaInputError(`the ${type} has no DTLS fingerprint`);
  if (!ufrag) throw new MediaInputError(`the ${type} has no ICE credentials`);
}

/**
 * Throws MediaInputError unless `text` is an ICE candidate attribute
 * (`candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`).
 * Chrome's mDNS host names (`….local`) are accepted.
 */
export function checkCandidate(text: string): void {
  if (text.length > 1024) throw new MediaInputError('the candidate is too long');
  const body = text.startsWith('candidate:') ? text.slice(10) : undefined;
  if (body === undefined) throw new MediaInputError('a candidate starts with "candidate:"');
  const parts = body.split(' ');
  if (parts.length < 8 || parts.length > 40) throw new MediaInputError('a malformed candidate');
  const [foundation, component, transport, priority, address, port, typ, type] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const transportName = transport.toLowerCase();
  if (
    !/^[A-Za-z0-9+/]{1,32}$/.test(foundation) ||
    !/^[12]$/.test(component) ||
    (transportName !== 'udp' && transportName !== 'tcp') ||
    !/^\d{1,10}$/.test(priority) ||
    Number(priority) > 0xffffffff ||
    !/^\d{1,5}$/.test(port) ||
    Number(port) > 65535 ||
    typ !== 'typ' ||
    !['host', 'srflx', 'prflx', 'relay'].includes(type)
  ) {
    throw new MediaInputError('a malformed candidate');
  }
  if (!isIPv4(address) && !isIPv6(address) && !/^[A-Za-z0-9-]{1,64}\.local$/.test(address)) {
    throw new MediaInputError('a candidate with an unusable address');
  }
}
