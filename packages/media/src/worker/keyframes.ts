/**
 * Keyframes: whether an RTP payload starts one (a subscriber that starts or resumes waits for
 * one), and a per-publisher limit on the keyframe requests passed to it — without the limit, a
 * handful of subscribers asking at once make the publisher send keyframes back to back and every
 * stream freezes.
 */

/** Whether a VP8 RTP payload (RFC 7741) is the first packet of a keyframe. */
export function isVp8Keyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const first = payload[0]!;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  if (!start || partition !== 0) return false;
  let offset = 1;
  if (first & 0x80) {
    // X: an extension byte, then I (picture id, 1–2 bytes), L (1), T/K (1).
    if (payload.length < 2) return false;
    const ext = payload[1]!;
    offset = 2;
    if (ext & 0x80) offset += payload.length > offset && payload[offset]! & 0x80 ? 2 : 1;
    if (ext & 0x40) offset += 1;
    if (ext & 0x30) offset += 1;
  }
  if (payload.length <= offset) return false;
  // VP8 payload header: P (inverse keyframe flag) is the lowest bit.
  return (payload[offset]! & 0x01) === 0;
}

/** Whether an H.264 RTP payload (RFC 6184) carries an IDR slice or the SPS that precedes one. */
export function isH264Keyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    // STAP-A: aggregated NAL units, each with a 16-bit size.
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = payload.readUInt16BE(offset);
      const nal = payload[offset + 2]! & 0x1f;
      if (nal === 5 || nal === 7) return true;
      offset += 2 + size;
    }
    return false;
  }
  if (type === 28 && payload.length > 1) {
    // FU-A: the start fragment of an IDR slice.
    return (payload[1]! & 0x80) !== 0 && (payload[1]! & 0x1f) === 5;
  }
  return false;
}

export function isKeyframe(mimeType: string, payload: Buffer): boolean {
  const mime = mimeType.toLowerCase();
  if (mime === 'video/vp8') return isVp8Keyframe(payload);
  if (mime === 'video/h264') return isH264Keyframe(payload);
  return true;
}

/**
 * At most one request per `intervalMs` reaches the publisher; requests in between are merged into
 * one sent when the interval is over.
 */
export class KeyframeLimiter {
  #last = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  asked = 0;
  sent = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
  ) {}

  request(): void {
    this.asked++;
    if (this.#timer) return;
    const wait = this.#last + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.#fire();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
  }

  #fire(): void {
    this.#last = performance.now();
    this.sent++;
    this.send();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
