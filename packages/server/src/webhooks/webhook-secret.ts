import { randomBytes } from 'node:crypto';

/** `whsec_` + 32 random bytes (base64url): signs an endpoint's deliveries. */
export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}
