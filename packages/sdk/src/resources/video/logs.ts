import type { ListVideoLogsQuery, VideoLog } from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/logs';

/**
 * `client.video.logs` — `/api/video/logs`, a Conclave extension (SignalWire's SDK has no
 * accessor for it): one log per room or conference session, written as the session starts
 * (`in-progress`) and ends (`completed`). A log is discarded when its room or conference is
 * deleted; discarded logs (`{ id, discarded_at, created_at }`) are listed only with
 * `include_deleted: true`.
 */
export class Logs {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Lists logs, newest first; filter by `created_before`, `created_on` (a UTC day),
   * `created_after`, and `include_deleted`.
   *
   * @example
   * ```ts
   * for await (const log of client.video.logs.list({ created_after: '2030-01-01' })) console.log(log.id);
   * ```
   */
  list(params: ListVideoLogsQuery = {}, options?: RequestOptions): PagePromise<VideoLog> {
    return this.#http.getPage<VideoLog>(BASE, params, options);
  }

  /**
   * Fetches one log; a discarded log is still readable by id, in its discarded shape.
   *
   * @example
   * ```ts
   * const log = await client.video.logs.get(logId);
   * ```
   */
  get(id: string, options?: RequestOptions): Promise<VideoLog> {
    return this.#http.request<VideoLog>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }
}
