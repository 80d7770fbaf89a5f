/**
 * Media configuration from the environment (README, "Media and networks"):
 *
 * - `CONCLAVE_MEDIA` — `on` (default) or `off` (members meet, signal and chat; no media).
 * - `CONCLAVE_MEDIA_WORKERS` — worker threads; default one per core.
 * - `CONCLAVE_MEDIA_ADDRESSES` — addresses announced as ICE host candidates, comma-separated.
 *   Default: the listen address (`HOST`); for `0.0.0.0` every IPv4 interface and 127.0.0.1.
 * - `CONCLAVE_MEDIA_PUBLIC_IP` — also announced: the public address behind a 1:1 NAT.
 * - `CONCLAVE_MEDIA_PORTS` — UDP port range `min-max`; default any free port.
 * - `CONCLAVE_ICE_SERVERS` — STUN/TURN servers handed to clients: a JSON array of
 *   `{urls, username?, credential?}`, or comma-separated `stun:`/`turn:` URLs.
 * - `CONCLAVE_FFMPEG` — the ffmpeg that makes recordings and streams; default `ffmpeg` on PATH.
 * - `CONCLAVE_STREAM_SIZE` (`WIDTHxHEIGHT`, even, 160x90–3840x2160; default 1280x720),
 *   `CONCLAVE_STREAM_FPS` (1–60; default 30), `CONCLAVE_STREAM_KBPS` (video kbit/s, 100–20000;
 *   default 2500) — what an RTMP stream is encoded as.
 */
import { isIP } from 'node:net';
import { availableParallelism, networkInterfaces } from 'node:os';
import type { IceServer, MediaEngineOptions, OutputOptions } from './media-types.js';

export interface MediaConfig extends MediaEngineOptions {
  enabled: boolean;
}

/** Keyframe requests reaching one publisher: at most two a second. */
const KEYFRAME_INTERVAL_MS = 500;

export function parseMediaConfig(env: NodeJS.ProcessEnv, host: string): MediaConfig {
  const switchValue = (env.CONCLAVE_MEDIA || 'on').toLowerCase();
  if (!['on', 'off', '1', '0', 'true', 'false'].includes(switchValue)) {
    throw new Error('CONCLAVE_MEDIA must be on or off');
  }
  const enabled = ['on', '1', 'true'].includes(switchValue);
  const workersText = env.CONCLAVE_MEDIA_WORKERS;
  let workers = availableParallelism();
  if (workersText) {
    workers = Number(workersText);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
      throw new Error('CONCLAVE_MEDIA_WORKERS must be an integer from 1 to 256');
    }
  }
  const addresses = env.CONCLAVE_MEDIA_ADDRESSES
    ? list(env.CONCLAVE_MEDIA_ADDRESSES)
    : defaultAddresses(host);
  for (const address of addresses) {
    if (!isIP(address))
      throw new Error(`CONCLAVE_MEDIA_ADDRESSES: "${address}" is not an IP address`);
  }
  const publicIp = env.CONCLAVE_MEDIA_PUBLIC_IP;
  if (publicIp) {
    if (!isIP(publicIp)) throw new Error('CONCLAVE_MEDIA_PUBLIC_IP must be an IP address');
    if (!addresses.includes(publicIp)) addresses.push(publicIp);
  }
  return {
    enabled,
    workers,
    addresses,
    portRange: parsePorts(env.CONCLAVE_MEDIA_PORTS),
    iceServers: parseIceServers(env.CONCLAVE_ICE_SERVERS),
    keyframeIntervalMs: KEYFRAME_INTERVAL_MS,
    outputs: parseOutputOptions(env),
  };
}

/** The outputs' settings the environment sets (the rest keep `outputDefaults()`). */
export function parseOutputOptions(env: NodeJS.ProcessEnv): Partial<OutputOptions> {
  const options: Partial<OutputOptions> = {};
  if (env.CONCLAVE_FFMPEG) options.ffmpeg = env.CONCLAVE_FFMPEG;
  const size = env.CONCLAVE_STREAM_SIZE?.trim();
  if (size) {
    const match = /^(\d{3,4})[xX](\d{2,4})$/.exec(size);
    const width = Number(match?.[1]);
    const height = Number(match?.[2]);
    if (
      !match ||
      width % 2 !== 0 ||
      height % 2 !== 0 ||
      width < 160 ||
      width > 3840 ||
      height < 90 ||
      height > 2160
    ) {
      throw new Error('CONCLAVE_STREAM_SIZE must be WIDTHxHEIGHT, even, from 160x90 to 3840x2160');
    }
    options.streamWidth = width;
    options.streamHeight = height;
  }
  const fps = integer(env.CONCLAVE_STREAM_FPS, 'CONCLAVE_STREAM_FPS', 1, 60);
  if (fps !== undefined) options.streamFps = fps;
  const kbps = integer(env.CONCLAVE_STREAM_KBPS, 'CONCLAVE_STREAM_KBPS', 100, 20_000);
  if (kbps !== undefined) options.streamVideoKbps = kbps;
  return options;
}

function integer(text: string | undefined, name: string, min: number, max: number) {
  if (!text?.trim()) return undefined;
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function defaultAddresses(host: string): string[] {
  if (host === 'localhost' || host.startsWith('127.') || host === '::1') return ['127.0.0.1'];
  if (host !== '0.0.0.0' && host !== '::' && isIP(host)) return [host];
  const found: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) found.push(entry.address);
    }
  }
  found.push('127.0.0.1');
  return found;
}

function parsePorts(text: string | undefined): [number, number] | undefined {
  if (!text) return undefined;
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (!match || min < 1024 || max > 65535 || max - min < 1) {
    throw new Error('CONCLAVE_MEDIA_PORTS must be a range min-max within 1024-65535');
  }
  return [min, max];
}

export function parseIceServers(text: string | undefined): IceServer[] {
  if (!text || !text.trim()) return [];
  const value = text.trim();
  if (value.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error('CONCLAVE_ICE_SERVERS is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new Error('CONCLAVE_ICE_SERVERS must be a JSON array');
    return parsed.map((entry: unknown, i) => {
      const e = entry as Partial<IceServer> | null;
      const urls = e?.urls;
      const ok =
        typeof urls === 'string' ? isIceUrl(urls) : Array.isArray(urls) && urls.every(isIceUrl);
      if (!ok) throw new Error(`CONCLAVE_ICE_SERVERS[${i}].urls must be stun:/turn:/turns: URLs`);
      return {
        urls: urls as string | string[],
        ...(typeof e?.username === 'string' ? { username: e.username } : {}),
        ...(typeof e?.credential === 'string' ? { credential: e.credential } : {}),
      };
    });
  }
  const urls = list(value);
  if (!urls.every(isIceUrl))
    throw new Error('CONCLAVE_ICE_SERVERS must be stun:/turn:/turns: URLs');
  return urls.map((url) => ({ urls: url }));
}

function isIceUrl(url: unknown): boolean {
  return typeof url === 'string' && /^(stun|stuns|turn|turns):[^\s]+$/.test(url);
}
