const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is not waited for; the backoff delay is used instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Methods that may be repeated without repeating a side effect. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Whether a failed attempt is worth repeating. Idempotent methods retry on 408, 429, every
 * 5xx and connection failures; a POST only on 429, which the server sends before doing anything,
 * so a create or a reset never happens twice.
 */
export function shouldRetry(method: string, status: number | 'connection'): boolean {
  if (status === 429) return true;
  if (!IDEMPOTENT.has(method)) return false;
  return status === 'connection' || status === 408 || status >= 500;
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in milliseconds, if usable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  let ms: number | undefined;
  const precise = headers.get('retry-after-ms');
  const coarse = headers.get('retry-after');
  if (precise !== null && precise.trim() !== '' && Number.isFinite(Number(precise))) {
    ms = Number(precise);
  } else if (coarse !== null && coarse.trim() !== '') {
    const seconds = Number(coarse);
    ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(coarse) - now;
  }
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  if (ms < 0) return 0;
  return ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
}

/**
 * Delay before retry number `retry` (0 for the first retry): the server's `Retry-After` when
 * given, otherwise exponential backoff (0.5 s, 1 s, 2 s … up to 8 s) less up to 25 % jitter, so
 * clients that failed together do not retry together.
 */
export function retryDelayMs(retry: number, headers?: Headers, random = Math.random): number {
  const fromServer = retryAfterMs(headers);
  if (fromServer !== undefined) return fromServer;
  const base = Math.min(INITIAL_DELAY_MS * 2 ** retry, MAX_DELAY_MS);
  return Math.round(base * (1 - 0.25 * random()));
}
