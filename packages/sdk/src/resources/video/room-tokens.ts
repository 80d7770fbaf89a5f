import type { CreateRoomTokenRequest, RoomTokenResponse } from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/room_tokens';

/** `client.video.roomTokens` — `/api/video/room_tokens`. */
export class RoomTokens {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Issues a signed room token (a JWT) carrying the request's grants. Not retried on 5xx.
   *
   * @example
   * ```ts
   * const { token } = await client.video.roomTokens.create({ room_name: 'standup', user_name: 'Ada' });
   * ```
   */
  create(body: CreateRoomTokenRequest, options?: RequestOptions): Promise<RoomTokenResponse> {
    return this.#http.request<RoomTokenResponse>({ method: 'POST', path: BASE, body }, options);
  }
}
