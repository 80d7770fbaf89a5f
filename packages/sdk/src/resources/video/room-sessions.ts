import type {
  ListRoomRecordingsQuery,
  ListRoomSessionChildrenQuery,
  ListRoomSessionsQuery,
  RoomRecording,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
  RoomSessionSummary,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/room_sessions';

/**
 * `client.video.roomSessions` — `/api/video/room_sessions`: sessions of rooms and conferences,
 * read-only (the live-session engine writes them).
 */
export class RoomSessions {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Lists sessions, newest first; filter by `room_id`, `room_name`, `room_name_matches`
   * (substring) or `status`.
   *
   * @example
   * ```ts
   * for await (const s of client.video.roomSessions.list({ status: 'completed' })) console.log(s.id);
   * ```
   */
  list(params: ListRoomSessionsQuery = {}, options?: RequestOptions): PagePromise<RoomSession> {
    return this.#http.getPage<RoomSession>(BASE, params, options);
  }

  /**
   * Fetches one session (the summary shape, without the list-only fields).
   *
   * @example
   * ```ts
   * const session = await client.video.roomSessions.get(sessionId);
   * ```
   */
  get(id: string, options?: RequestOptions): Promise<RoomSessionSummary> {
    return this.#http.request<RoomSessionSummary>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Lists the members of a session.
   *
   * @example
   * ```ts
   * const { data: members } = await client.video.roomSessions.listMembers(sessionId);
   * ```
   */
  listMembers(
    id: string,
    params: ListRoomSessionChildrenQuery = {},
    options?: RequestOptions,
  ): PagePromise<RoomSessionMember> {
    return this.#http.getPage<RoomSessionMember>(
      `${BASE}/${encodeURIComponent(id)}/members`,
      params,
      options,
    );
  }

  /**
   * Lists the events of a session.
   *
   * @example
   * ```ts
   * const { data: events } = await client.video.roomSessions.listEvents(sessionId);
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

  /**
   * Lists the recordings of a session; each `uri` is valid for `media_ttl` seconds (default 900).
   *
   * @example
   * ```ts
   * const { data: recordings } = await client.video.roomSessions.listRecordings(sessionId);
   * ```
   */
  listRecordings(
    id: string,
    params: ListRoomRecordingsQuery = {},
    options?: RequestOptions,
  ): PagePromise<RoomRecording> {
    return this.#http.getPage<RoomRecording>(
      `${BASE}/${encodeURIComponent(id)}/recordings`,
      params,
      options,
    );
  }
}
