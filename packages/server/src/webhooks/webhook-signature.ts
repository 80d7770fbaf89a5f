import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `<t>.<body>` under `secret`, hex: what `v1=` carries. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The `Conclave-Signature` value: `t=<unix seconds>,v1=<hex>`, with one `v1` per secret in use
 * (after a rotation, the new one first and the previous one while it stays valid).
 */
export function signatureHeader(
  secrets: readonly string[],
  timestamp: number,
  body: string,
): string {
  return [
    `t=${timestamp}`,
    ...secrets.map((s) => `v1=${webhookSignature(s, timestamp, body)}`),
  ].join(',');
}
