import type { ConferenceToken } from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/conference_tokens';

/** `client.video.conferenceTokens` — `/api/video/conference_tokens`. */
export class ConferenceTokens {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Fetches one conference token.
   *
   * @example
   * ```ts
   * const token = await client.video.conferenceTokens.get(tokenId);
   * ```
   */
  get(id: string, options?: RequestOptions): Promise<ConferenceToken> {
    return this.#http.request<ConferenceToken>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Issues a new value for a token; the old value stops working at once. Keeps `id`, `name` and
   * `scopes`.
   *
   * @example
   * ```ts
   * const { token } = await client.video.conferenceTokens.reset(tokenId);
   * ```
   */
  reset(id: string, options?: RequestOptions): Promise<ConferenceToken> {
    return this.#http.request<ConferenceToken>(
      { method: 'POST', path: `${BASE}/${encodeURIComponent(id)}/reset` },
      options,
    );
  }
}
