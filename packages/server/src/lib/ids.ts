import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function newId(): string {
  return randomUUID();
}

/**
 * A UUIDv7: increasing within this process. For what the live engine writes (sessions, members,
 * events), so rows with the same millisecond still list in the order they happened (lists order
 * by `created_at`, then `id`).
 */
export function newOrderedId(): string {
  return uuidv7();
}

const NAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** D9: the name of a conference created without one — 20 characters of `[A-Za-z0-9]`. */
export function randomName(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return out;
}

/** D18: a conference token value, `vpt_` + 32 lowercase hex. */
export function newConferenceTokenValue(): string {
  return 'vpt_' + randomBytes(16).toString('hex');
}
