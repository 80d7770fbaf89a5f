import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../lib/ids.js';
import type { Store } from '../store/store.js';

/** Longest `media_ttl`, in seconds (7 days). */
export const MAX_MEDIA_TTL = 604800;

const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const EXPIRES = /^\d{1,12}$/;

function sign(secret: string, recordingId: string, expires: number): string {
  return createHmac('sha256', Buffer.from(secret, 'base64url'))
    .update(`recording:${recordingId}:${expires}`)
    .digest('base64url');
}

async function projectSecret(store: Store, projectId: string, now: number): Promise<string> {
  return store.ensureMediaKey(projectId, {
    id: newId(),
    secret: randomBytes(32).toString('base64url'),
    createdAt: now,
  });
}

/**
 * `<public url>/media/recordings/<id>?expires=<unix s>&signature=<HMAC-SHA256>`, valid for `ttl`
 * seconds from `now` (Unix ms), signed with the project's media key.
 */
export async function signRecordingUrl(
  store: Store,
  publicUrl: string,
  projectId: string,
  recordingId: string,
  ttl: number,
  now: number,
): Promise<string> {
  const expires = Math.floor(now / 1000) + ttl;
  const signature = sign(await projectSecret(store, projectId, now), recordingId, expires);
  return `${publicUrl}/media/recordings/${recordingId}?expires=${expires}&signature=${signature}`;
}

/** Whether a link's `expires` and `signature` are the project's and not yet past (constant time). */
export async function verifyRecordingUrl(
  store: Store,
  projectId: string,
  recordingId: string,
  expires: string | undefined,
  signature: string | undefined,
  now: number,
): Promise<boolean> {
  if (expires === undefined || signature === undefined) return false;
  if (!EXPIRES.test(expires) || !SIGNATURE.test(signature)) return false;
  const at = Number(expires);
  if (Math.floor(now / 1000) > at) return false;
  const expected = Buffer.from(sign(await projectSecret(store, projectId, now), recordingId, at));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
