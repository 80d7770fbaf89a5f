/** Where SignalWire's browser SDK connects: the relay endpoint's path on this server. */
export const RELAY_PATH = '/api/video/relay';

/**
 * The relay's public WebSocket URL under `CONCLAVE_PUBLIC_URL` (`http` → `ws`, `https` → `wss`),
 * which room tokens carry in their `ch` header.
 *
 * @example relayUrl('https://video.example.com') // 'wss://video.example.com/api/video/relay'
 */
export function relayUrl(publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, 'ws$1://');
  return base + RELAY_PATH;
}
