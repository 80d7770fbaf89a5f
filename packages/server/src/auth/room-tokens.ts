import { randomBytes } from 'node:crypto';
import {
  JOIN_AS_TYPES,
  MEDIA_ALLOWED_TYPES,
  ROOM_TOKEN_PERMISSIONS,
  type RoomTokenPermission,
} from '@conclave/schema';
import { decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { newId } from '../lib/ids.js';
import type { NewRoomTokenKey, RoomTokenKey, Store } from '../store/store.js';

/**
 * Room tokens (`POST /api/video/room_tokens`): JWTs with header `{typ: 'VRT', alg: 'HS512', kid, ch}`
 * (`ch`: the SignalWire relay's URL, for SignalWire's browser SDK),
 * signed with a per-project secret that never leaves the server. The live-session engine admits
 * people with {@link verifyRoomToken}. Claims (times in Unix seconds; absent when not given):
 *
 * | claim | request field | | claim | request field |
 * |---|---|---|---|---|
 * | `iat` | issue time | | `jam` | `join_audio_muted` |
 * | `jti` | token id (UUID) | | `jvm` | `join_video_muted` |
 * | `sub` | project id | | `erp` | `enable_room_previews` |
 * | `u` | `user_name` | | `rdn` | `room_display_name` |
 * | `r` | `room_name` | | `erl` | `end_room_session_on_leave` |
 * | `s` | `permissions` | | `ja` | `join_as` |
 * | `acr` | `auto_create_room` | | `ma` | `media_allowed` |
 * | `jf` / `ju` | `join_from` / `join_until` | | `rm` | `room_meta` |
 * | `rat` | `remove_at` | | `m` | `meta` |
 * | `rse` | `remove_after_seconds_elapsed` | | `sav` | `sync_audio_video` |
 *
 * The first column is the spec's own example token; the second is Conclave's. Booleans and the
 * two enums are always present, with the request's defaults applied.
 */
export const ROOM_TOKEN_TYPE = 'VRT';
export const ROOM_TOKEN_ALG = 'HS512';

/**
 * After a rotation, tokens signed with the retired key stay valid this long (24 hours), so that
 * a link sent just before the rotation still works today; after that they are refused.
 */
export const ROOM_TOKEN_KEY_GRACE_MS = 24 * 60 * 60 * 1000;

/** What a room token grants, as the live-session engine reads it. */
export interface RoomTokenGrants {
  tokenId: string;
  projectId: string;
  /** Unix seconds. */
  issuedAt: number;
  /** The signing key's id. */
  keyId: string;
  roomName: string;
  /** Absent: the engine picks a random name at each join (as the spec says). */
  userName?: string;
  permissions: RoomTokenPermission[];
  autoCreateRoom: boolean;
  /** Unix seconds. */
  joinFrom?: number;
  joinUntil?: number;
  removeAt?: number;
  removeAfterSecondsElapsed?: number;
  joinAudioMuted: boolean;
  joinVideoMuted: boolean;
  enableRoomPreviews: boolean;
  roomDisplayName?: string;
  endRoomSessionOnLeave: boolean;
  joinAs: (typeof JOIN_AS_TYPES)[number];
  mediaAllowed: (typeof MEDIA_ALLOWED_TYPES)[number];
  roomMeta?: Record<string, unknown>;
  meta?: Record<string, unknown>;
  syncAudioVideo: boolean;
}

/** The grants of a new token, before it has an id, a project, an issue time or a key. */
export type RoomTokenRequestGrants = Omit<
  RoomTokenGrants,
  'tokenId' | 'projectId' | 'issuedAt' | 'keyId'
>;

export type RoomTokenRejection =
  /** Not a JWT, or not a room token (header typ, alg or kid wrong). */
  | 'malformed'
  /** Its key does not exist (never did, pruned after retirement, or its project was deleted). */
  | 'unknown_key'
  /** Its key was retired more than the grace period ago. */
  | 'key_retired'
  /** The signature, the subject or a claim does not check out. */
  | 'invalid';

export class RoomTokenRejected extends Error {
  constructor(readonly reason: RoomTokenRejection) {
    super(`room token refused: ${reason}`);
    this.name = 'RoomTokenRejected';
  }
}

function newKey(now: number): NewRoomTokenKey {
  // 512 bits: the HMAC-SHA-512 block-size key the algorithm is designed for.
  return { kid: newId(), secret: randomBytes(64).toString('base64url'), createdAt: now };
}

const keyBytes = (key: RoomTokenKey) => Buffer.from(key.secret, 'base64url');
const seconds = (ms: number) => Math.floor(ms / 1000);

/** The JWT payload for the grants, in the order of the spec's example token. */
export function roomTokenClaims(
  projectId: string,
  tokenId: string,
  issuedAtMs: number,
  grants: RoomTokenRequestGrants,
): JWTPayload {
  const claims: Record<string, unknown> = {
    iat: seconds(issuedAtMs),
    jti: tokenId,
    sub: projectId,
  };
  const put = (name: string, value: unknown) => {
    if (value !== undefined) claims[name] = value;
  };
  put('u', grants.userName);
  put('r', grants.roomName);
  put('s', grants.permissions);
  put('acr', grants.autoCreateRoom);
  put('jf', grants.joinFrom);
  put('ju', grants.joinUntil);
  put('rat', grants.removeAt);
  put('rse', grants.removeAfterSecondsElapsed);
  put('jam', grants.joinAudioMuted);
  put('jvm', grants.joinVideoMuted);
  put('erp', grants.enableRoomPreviews);
  put('rdn', grants.roomDisplayName);
  put('erl', grants.endRoomSessionOnLeave);
  put('ja', grants.joinAs);
  put('ma', grants.mediaAllowed);
  put('rm', grants.roomMeta);
  put('m', grants.meta);
  put('sav', grants.syncAudioVideo);
  return claims;
}

/**
 * Signs a new room token with the project's current key, creating the key on first use.
 * `channel` goes into the protected header as `ch`: where SignalWire's browser SDK connects (its
 * relay WebSocket URL), which it reads from the header without verifying anything. Verification
 * ignores it.
 */
export async function signRoomToken(
  store: Store,
  projectId: string,
  grants: RoomTokenRequestGrants,
  now: number,
  options: { channel?: string } = {},
): Promise<string> {
  const key = await store.ensureRoomTokenKey(projectId, newKey(now));
  return new SignJWT(roomTokenClaims(projectId, newId(), now, grants))
    .setProtectedHeader({
      typ: ROOM_TOKEN_TYPE,
      alg: ROOM_TOKEN_ALG,
      kid: key.kid,
      ...(options.channel === undefined ? {} : { ch: options.channel }),
    })
    .sign(keyBytes(key));
}

/**
 * Retires the project's current key and makes a new one current. Tokens signed with the retired
 * key verify for {@link ROOM_TOKEN_KEY_GRACE_MS} more; keys whose grace has ended are deleted.
 */
export async function rotateRoomTokenKey(store: Store, projectId: string, now: number) {
  return store.rotateRoomTokenKey(projectId, newKey(now), now - ROOM_TOKEN_KEY_GRACE_MS);
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const PERMISSIONS: ReadonlySet<string> = new Set(ROOM_TOKEN_PERMISSIONS);

/** The grants of a verified payload; undefined when a claim has the wrong shape. */
function grantsOf(payload: JWTPayload, keyId: string): RoomTokenGrants | undefined {
  const p = payload as Record<string, unknown>;
  const { iat, jti, sub, r, s, acr, jam, jvm, erp, erl, ja, ma, sav } = p;
  if (!isInt(iat) || !isString(jti) || !isString(sub) || !isString(r)) return undefined;
  if (!Array.isArray(s) || !s.every((x) => isString(x) && PERMISSIONS.has(x))) return undefined;
  if (![acr, jam, jvm, erp, erl, sav].every(isBool)) return undefined;
  if (!JOIN_AS_TYPES.includes(ja as never) || !MEDIA_ALLOWED_TYPES.includes(ma as never)) {
    return undefined;
  }
  const grants: RoomTokenGrants = {
    tokenId: jti,
    projectId: sub,
    issuedAt: iat,
    keyId,
    roomName: r,
    permissions: s as RoomTokenPermission[],
    autoCreateRoom: acr as boolean,
    joinAudioMuted: jam as boolean,
    joinVideoMuted: jvm as boolean,
    enableRoomPreviews: erp as boolean,
    endRoomSessionOnLeave: erl as boolean,
    joinAs: ja as RoomTokenGrants['joinAs'],
    mediaAllowed: ma as RoomTokenGrants['mediaAllowed'],
    syncAudioVideo: sav as boolean,
  };
  const optional: [string, keyof RoomTokenGrants, (v: unknown) => boolean][] = [
    ['u', 'userName', isString],
    ['jf', 'joinFrom', isInt],
    ['ju', 'joinUntil', isInt],
    ['rat', 'removeAt', isInt],
    ['rse', 'removeAfterSecondsElapsed', isInt],
    ['rdn', 'roomDisplayName', isString],
    ['rm', 'roomMeta', isObject],
    ['m', 'meta', isObject],
  ];
  for (const [claim, field, check] of optional) {
    const value = p[claim];
    if (value === undefined) continue;
    if (!check(value)) return undefined;
    (grants as unknown as Record<string, unknown>)[field] = value;
  }
  return grants;
}

/**
 * Checks a room token and returns what it grants: a `VRT`/`HS512` JWT signed with a key of the
 * project it names (`sub`), current or retired less than the grace period ago. It does not check
 * the join window or whether the room exists: admitting someone is the engine's decision.
 * `now` (Unix ms; default the wall clock) may be a function of the signing key's project, whose
 * clock may be a test clock (emulator mode).
 *
 * @throws RoomTokenRejected with the reason.
 */
export async function verifyRoomToken(
  store: Store,
  token: string,
  options: { now?: number | ((projectId: string) => number) } = {},
): Promise<RoomTokenGrants> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new RoomTokenRejected('malformed');
  }
  if (
    header.typ !== ROOM_TOKEN_TYPE ||
    header.alg !== ROOM_TOKEN_ALG ||
    typeof header.kid !== 'string' ||
    header.kid.length > 100
  ) {
    throw new RoomTokenRejected('malformed');
  }
  const key = await store.getRoomTokenKey(header.kid);
  if (!key) throw new RoomTokenRejected('unknown_key');
  const now =
    typeof options.now === 'function' ? options.now(key.projectId) : (options.now ?? Date.now());
  if (key.retiredAt !== null && now > key.retiredAt + ROOM_TOKEN_KEY_GRACE_MS) {
    throw new RoomTokenRejected('key_retired');
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyBytes(key), {
      algorithms: [ROOM_TOKEN_ALG],
      typ: ROOM_TOKEN_TYPE,
      subject: key.projectId,
      currentDate: new Date(now),
    }));
  } catch {
    throw new RoomTokenRejected('invalid');
  }
  const grants = grantsOf(payload, key.kid);
  if (!grants) throw new RoomTokenRejected('invalid');
  return grants;
}
