import type {
  Conference,
  ConferenceToken,
  CreateConferenceRequest,
  CreateStreamRequest,
  GetConferenceQuery,
  ListConferencesQuery,
  ListPageQuery,
  ListStreamsQuery,
  Stream,
  UpdateConferenceRequest,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/conferences';

/** `client.video.conferences` — `/api/video/conferences`. */
export class Conferences {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Lists conferences, newest first.
   *
   * @example
   * ```ts
   * const page = await client.video.conferences.list({ starts_after: '2025-01-01', page_size: 20 });
   * for await (const conference of client.video.conferences.list({ ends_before: '2026-01-01' })) {
   *   console.log(conference.name);
   * }
   * ```
   */
  list(params: ListConferencesQuery = {}, options?: RequestOptions): PagePromise<Conference> {
    return this.#http.getPage<Conference>(BASE, params, options);
  }

  /**
   * Creates a conference (and its Moderator and Guest tokens). Not retried on 5xx: a create is
   * not idempotent.
   *
   * @example
   * ```ts
   * const conference = await client.video.conferences.create({ display_name: 'All hands' });
   * ```
   */
  create(body: CreateConferenceRequest, options?: RequestOptions): Promise<Conference> {
    return this.#http.request<Conference>({ method: 'POST', path: BASE, body }, options);
  }

  /**
   * Fetches one conference.
   *
   * @example
   * ```ts
   * const conference = await client.video.conferences.get(id, { include_active_session: true });
   * ```
   */
  get(id: string, params?: GetConferenceQuery, options?: RequestOptions): Promise<Conference> {
    return this.#http.request<Conference>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}`, query: params },
      options,
    );
  }

  /**
   * Replaces a conference's settings (`PUT`). `display_name` is required; fields left out keep
   * their values; `name` cannot change.
   *
   * @example
   * ```ts
   * await client.video.conferences.update(id, { display_name: 'Weekly all hands', size: 'large' });
   * ```
   */
  update(id: string, body: UpdateConferenceRequest, options?: RequestOptions): Promise<Conference> {
    return this.#http.request<Conference>(
      { method: 'PUT', path: `${BASE}/${encodeURIComponent(id)}`, body },
      options,
    );
  }

  /**
   * Deletes a conference and its tokens.
   *
   * @example
   * ```ts
   * await client.video.conferences.delete(id);
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Lists a conference's tokens.
   *
   * @example
   * ```ts
   * const { data: tokens } = await client.video.conferences.listConferenceTokens(id);
   * ```
   */
  listConferenceTokens(
    id: string,
    params: ListPageQuery = {},
    options?: RequestOptions,
  ): PagePromise<ConferenceToken> {
    return this.#http.getPage<ConferenceToken>(
      `${BASE}/${encodeURIComponent(id)}/conference_tokens`,
      params,
      options,
    );
  }

  /**
   * Lists a conference's outbound streams.
   *
   * @example
   * ```ts
   * const { data: streams } = await client.video.conferences.listStreams(id);
   * ```
   */
  listStreams(
    id: string,
    params: ListStreamsQuery = {},
    options?: RequestOptions,
  ): PagePromise<Stream> {
    return this.#http.getPage<Stream>(`${BASE}/${encodeURIComponent(id)}/streams`, params, options);
  }

  /**
   * Adds an outbound stream (`rtmp://` or `rtmps://`) to a conference. Conclave stores the
   * configuration and does not send media yet. Not retried on 5xx.
   *
   * @example
   * ```ts
   * const stream = await client.video.conferences.createStream(id, { url: 'rtmp://live.example.com/app/key' });
   * ```
   */
  createStream(id: string, body: CreateStreamRequest, options?: RequestOptions): Promise<Stream> {
    return this.#http.request<Stream>(
      { method: 'POST', path: `${BASE}/${encodeURIComponent(id)}/streams`, body },
      options,
    );
  }
}
