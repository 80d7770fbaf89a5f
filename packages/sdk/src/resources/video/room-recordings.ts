import type {
  GetRoomRecordingQuery,
  ListRoomRecordingsQuery,
  ListRoomSessionChildrenQuery,
  RoomRecording,
  RoomSessionEvent,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/room_recordings';

/**
 * `client.video.roomRecordings` — `/api/video/room_recordings`. Each `uri` is a signed link to
 * the file, valid for `media_ttl` seconds (default 900).
 */
export class RoomRecordings {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Lists recordings, newest first.
   *
   * @example
   * ```ts
   * for await (const r of client.video.roomRecordings.list({ media_ttl: 3600 })) console.log(r.uri);
   * ```
   */
  list(params: ListRoomRecordingsQuery = {}, options?: RequestOptions): PagePromise<RoomRecording> {
    return this.#http.getPage<RoomRecording>(BASE, params, options);
  }

  /**
   * Fetches one recording.
   *
   * @example
   * ```ts
   * const recording = await client.video.roomRecordings.get(recordingId, { media_ttl: 60 });
   * ```
   */
  get(
    id: string,
    params?: GetRoomRecordingQuery,
    options?: RequestOptions,
  ): Promise<RoomRecording> {
    return this.#http.request<RoomRecording>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}`, query: params },
      options,
    );
  }

  /**
   * Deletes a recording and its file.
   *
   * @example
   * ```ts
   * await client.video.roomRecordings.delete(recordingId);
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Lists the events of a recording.
   *
   * @example
   * ```ts
   * const { data: events } = await client.video.roomRecordings.listEvents(recordingId);
   * ```
   */
  listEvents(
    id: string,
    params: ListRoomSessionChildrenQuery = {},
    options?: RequestOptions,
  ): PagePromise<RoomSessionEvent> {
    return this.#http.getPage<RoomSessionEvent>(
      `${BASE}/${encodeURIComponent(id)}/events`,
      params,
      options,
    );
  }
}
