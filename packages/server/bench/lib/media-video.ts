/**
 * The fake camera's picture for `npm run bench -- media`: a Y4M file Chromium plays in a loop
 * (`--use-file-for-fake-video-capture`). Chromium's built-in fake camera (a static pattern with a
 * small moving part) encodes to ~100 kbit/s, far below a real camera; this one — a moving
 * gradient with fine noise that changes every frame — keeps VP8 at the bitrate the
 * sender's congestion control allows, like a camera in a lit room.
 */
import { writeFileSync } from 'node:fs';

export function writeNoiseY4m(
  file: string,
  width: number,
  height: number,
  fps: number,
  seconds = 2,
): void {
  const frames = Math.max(1, fps * seconds);
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = Buffer.from('FRAME\n');
  const out = Buffer.alloc(header.length + frames * (frameHeader.length + ySize + 2 * cSize));
  let at = header.copy(out, 0);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >>> 16;
  };
  for (let f = 0; f < frames; f++) {
    at += frameHeader.copy(out, at);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = (x + y + f * 6) & 0xff;
        out[at++] = Math.max(16, Math.min(235, base + (rand() % 48) - 24));
      }
    }
    for (let i = 0; i < cSize; i++) out[at++] = 128 + ((i + f * 3) % 32) - 16;
    for (let i = 0; i < cSize; i++) out[at++] = 128 + ((i * 7 + f) % 32) - 16;
  }
  writeFileSync(file, out.subarray(0, at));
}
