/**
 * ffmpeg, as outputs use it: whether it runs here, what a finished file holds (ffprobe), a black
 * VP8 keyframe (shown while nobody's camera is), and ending a process by its id.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why ffmpeg cannot be used (`ffmpeg -version` fails), or null. Synchronous: run once at start. */
export function ffmpegUnavailable(ffmpeg: string): string | null {
  const result = spawnSync(ffmpeg, ['-hide_banner', '-version'], {
    timeout: 10_000,
    encoding: 'utf8',
  });
  const onPath = ffmpeg.includes('/') ? `: ${ffmpeg}` : ' on PATH';
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `ffmpeg not found${onPath}`;
    return `ffmpeg could not be run${onPath} (${code ?? result.error.message})`;
  }
  if (result.status !== 0 || !/ffmpeg version/i.test(result.stdout)) {
    return `ffmpeg -version failed${onPath} (exit ${result.status ?? result.signal})`;
  }
  return null;
}

/** ffprobe beside the ffmpeg binary, else the one on PATH. */
export function ffprobeFor(ffmpeg: string): string {
  if (!ffmpeg.includes('/')) return 'ffprobe';
  const sibling = join(dirname(ffmpeg), basename(ffmpeg).replace(/ffmpeg/, 'ffprobe'));
  return sibling !== ffmpeg && existsSync(sibling) ? sibling : 'ffprobe';
}

export interface FileFacts {
  durationMs: number;
  sizeBytes: number;
}

/**
 * A media file's real duration (ffprobe) and size. A file without a duration in its header (its
 * writer was killed) is measured by its last packet; a missing or unreadable file is 0 and 0.
 */
export async function probeFile(ffprobe: string, path: string): Promise<FileFacts> {
  const sizeBytes = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (sizeBytes === 0) return { durationMs: 0, sizeBytes };
  const probe = async (args: string[]) =>
    (
      await run(ffprobe, ['-v', 'error', ...args, path], {
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch(() => ({ stdout: '' }))
    ).stdout;
  const header = Number.parseFloat(
    await probe(['-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1']),
  );
  if (Number.isFinite(header) && header > 0) {
    return { durationMs: Math.round(header * 1000), sizeBytes };
  }
  let last = 0;
  for (const line of (
    await probe(['-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0'])
  ).split('\n')) {
    const [pts, duration] = line.split(',').map(Number.parseFloat);
    if (pts !== undefined && Number.isFinite(pts)) last = Math.max(last, pts + (duration || 0));
  }
  return { durationMs: Math.round(last * 1000), sizeBytes };
}

/** One black VP8 keyframe of `width`×`height`, encoded by ffmpeg (libvpx), as a raw frame. */
export async function blackVp8Keyframe(
  ffmpeg: string,
  width: number,
  height: number,
): Promise<Buffer> {
  const child = spawn(
    ffmpeg,
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', `color=c=black:s=${width}x${height}:r=1`, '-frames:v', '1'],
      ...['-c:v', 'libvpx', '-b:v', '200k', '-f', 'ivf', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out: Buffer[] = [];
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const ivf = Buffer.concat(out);
  // IVF: a 32-byte file header, then each frame's 4-byte size and 8-byte timestamp.
  if (code !== 0 || ivf.length < 44 || ivf.toString('latin1', 0, 4) !== 'DKIF') {
    throw new Error(`ffmpeg could not encode a VP8 frame: ${errors.trim().slice(0, 200)}`);
  }
  const size = ivf.readUInt32LE(32);
  return ivf.subarray(44, 44 + size);
}

/** The size a VP8 keyframe says (RFC 6386 §9.1), or undefined for another frame. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | undefined {
  if (frame.length < 10 || (frame[0]! & 0x01) !== 0) return undefined;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** Asks process `pid` to end (`signal`), then kills it if it is still there after `graceMs`. */
export async function endProcess(pid: number, graceMs: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
