import type { Stream, UpdateStreamRequest } from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/streams';

/**
 * `client.video.streams` — `/api/video/streams`: one stream of a room or a conference. Create
 * and list them with `rooms.createStream` / `conferences.createStream` and `listStreams`.
 */
export class Streams {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Fetches one stream.
   *
   * @example
   * ```ts
   * const stream = await client.video.streams.get(streamId);
   * ```
   */
  get(id: string, options?: RequestOptions): Promise<Stream> {
    return this.#http.request<Stream>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Changes a stream's address (`PUT`).
   *
   * @example
   * ```ts
   * await client.video.streams.update(streamId, { url: 'rtmps://backup.example.com/app/key' });
   * ```
   */
  update(id: string, body: UpdateStreamRequest, options?: RequestOptions): Promise<Stream> {
    return this.#http.request<Stream>(
      { method: 'PUT', path: `${BASE}/${encodeURIComponent(id)}`, body },
      options,
    );
  }

  /**
   * Deletes a stream.
   *
   * @example
   * ```ts
   * await client.video.streams.delete(streamId);
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }
}
