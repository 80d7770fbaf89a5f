/**
 * `@conclave/sdk/webhooks` — checks that a webhook delivery comes from Conclave. Node only (it
 * uses `node:crypto`), so it lives apart from the SDK's main entry, which runs in browsers too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConclaveEvent } from '@conclave/schema';

/** The header a delivery's signature is in (`t=<unix seconds>,v1=<hex>[,v1=<hex>]`). */
export const WEBHOOK_SIGNATURE_HEADER = 'conclave-signature';
/** Default largest age of a delivery's timestamp, in seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** Thrown by `verifyWebhook` when a delivery cannot be trusted; `message` says why. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyWebhookOptions {
  /** Largest age (and clock skew) of the signature's timestamp in seconds; 0: no check. */
  toleranceSeconds?: number;
  /** The time to check against, Unix ms (default now). */
  now?: number;
}

/**
 * Checks a delivery's `Conclave-Signature` against the raw body and the endpoint's secret (any
 * of several, while a rotation overlaps) and returns the parsed event. Throws
 * `WebhookVerificationError` when no signature matches or the timestamp is too old.
 *
 * @example
 * ```ts
 * import { verifyWebhook } from '@conclave/sdk/webhooks';
 *
 * // rawBody: the request body exactly as received (string or Buffer), before any JSON parsing.
 * const event = verifyWebhook(rawBody, req.headers['conclave-signature'], process.env.WEBHOOK_SECRET!);
 * if (event.type === 'recording.completed') fetchRecording(event.object.id);
 * ```
 */
export function verifyWebhook(
  body: string | Uint8Array,
  signature: string | string[] | null | undefined,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): ConclaveEvent {
  const header = Array.isArray(signature) ? signature.join(',') : signature;
  if (!header) throw new WebhookVerificationError('no Conclave-Signature header');
  let timestamp: number | undefined;
  const given: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') timestamp = Number(value);
    else if (key === 'v1') given.push(value);
  }
  if (timestamp === undefined || !Number.isSafeInteger(timestamp) || given.length === 0) {
    throw new WebhookVerificationError('malformed Conclave-Signature header');
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (tolerance > 0 && Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError('the signature is too old (or from the future)');
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const matches = secrets.some((s) => {
    const expected = createHmac('sha256', s).update(`${timestamp}.`).update(bytes).digest();
    return given.some((hex) => {
      const candidate = Buffer.from(hex, 'hex');
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
  });
  if (!matches) throw new WebhookVerificationError('no signature matches the body');
  try {
    return JSON.parse(bytes.toString('utf8')) as ConclaveEvent;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}
