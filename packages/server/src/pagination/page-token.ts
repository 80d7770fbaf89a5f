import type { Cursor } from '../store/store.js';

/**
 * Page tokens (D14): `PA…` = the page after a position, `PB…` = the page before it. The position is
 * the full sort key (created_at in ms and id), not just an id, so a walk continues correctly even
 * when the row a token names has been deleted. Layout, base64url-encoded: 1 flag byte (bit 0:
 * inclusive), 8 bytes of created_at (big-endian, signed), 16 bytes of UUID.
 */
export type PageDirection = 'after' | 'before';

const TOKEN = /^P([AB])([A-Za-z0-9_-]{34})$/;
const MAX_MS = 253402300799999;

export function encodePageToken(direction: PageDirection, cursor: Cursor): string {
  const bytes = Buffer.alloc(25);
  bytes.writeUInt8(cursor.inclusive ? 1 : 0, 0);
  bytes.writeBigInt64BE(BigInt(cursor.createdAt), 1);
  Buffer.from(cursor.id.replace(/-/g, ''), 'hex').copy(bytes, 9);
  return (direction === 'after' ? 'PA' : 'PB') + bytes.toString('base64url');
}

export function decodePageToken(
  token: string,
): { direction: PageDirection; cursor: Cursor } | undefined {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const bytes = Buffer.from(m[2]!, 'base64url');
  if (bytes.length !== 25 || bytes.toString('base64url') !== m[2]) return undefined;
  const flags = bytes.readUInt8(0);
  if (flags > 1) return undefined;
  const createdAt = Number(bytes.readBigInt64BE(1));
  if (createdAt < 0 || createdAt > MAX_MS) return undefined;
  const hex = bytes.subarray(9).toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const cursor: Cursor = { createdAt, id };
  if (flags === 1) cursor.inclusive = true;
  return { direction: m[1] === 'A' ? 'after' : 'before', cursor };
}
