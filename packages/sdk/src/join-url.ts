import { baseUrlFromHost } from './internal/base-url.js';

export interface JoinUrlOptions {
  /** Display name to fill in on the page (a room token's `user_name` still wins). */
  name?: string;
}

/**
 * The link to a Conclave server's join page for a conference token (`vpt_…`) or a room token:
 * `<server>/join#token=…&name=…`. The token travels in the URL's fragment, which browsers never
 * send, so it reaches no server or proxy log. `baseUrl` is taken as `RestClient` takes `host`
 * (a full URL, any path kept as a prefix, or a bare host), without a trailing slash.
 *
 * @example
 * ```ts
 * joinUrl('https://video.example.com', 'vpt_6a8e…', { name: 'Ada Lovelace' });
 * // 'https://video.example.com/join#token=vpt_6a8e…&name=Ada%20Lovelace'
 * ```
 */
export function joinUrl(baseUrl: string, token: string, options: JoinUrlOptions = {}): string {
  const name = options.name ? `&name=${encodeURIComponent(options.name)}` : '';
  return `${baseUrlFromHost(baseUrl)}/join#token=${encodeURIComponent(token)}${name}`;
}
