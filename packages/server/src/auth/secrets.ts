import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** D2: API tokens are `PT` + 48 lowercase hex (192 random bits). */
export const API_TOKEN_PATTERN = /^PT[0-9a-f]{48}$/;

export function newApiToken(): string {
  return 'PT' + randomBytes(24).toString('hex');
}

/**
 * The stored form of a secret. Tokens carry 192 random bits, so a single SHA-256 is enough: a slow
 * password hash protects guessable secrets, and these are not guessable.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two secrets (or their hashes) without leaking where they differ. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** What the API shows of a token after creation: enough to recognise it, never enough to use it. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 8);
}
