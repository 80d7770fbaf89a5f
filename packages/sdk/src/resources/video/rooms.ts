import type {
  CreateRoomRequest,
  CreateStreamRequest,
  GetRoomQuery,
  ListRoomsQuery,
  ListStreamsQuery,
  Room,
  Stream,
  UpdateRoomRequest,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/api/video/rooms';

/** `client.video.rooms` — `/api/video/rooms`. */
export class Rooms {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Lists rooms, newest first. A conference's own backing room is not listed.
   *
   * @example
   * ```ts
   * const page = await client.video.rooms.list({ starts_after: '2030-01-01', page_size: 20 });
   * ```
   */
  list(params: ListRoomsQuery = {}, options?: RequestOptions): PagePromise<Room> {
    return this.#http.getPage<Room>(BASE, params, options);
  }

  /**
   * Creates a room. `name` is required and unique in the project. Not retried on 5xx.
   *
   * @example
   * ```ts
   * const room = await client.video.rooms.create({ name: 'standup', max_members: 10 });
   * ```
   */
  create(body: CreateRoomRequest, options?: RequestOptions): Promise<Room> {
    return this.#http.request<Room>({ method: 'POST', path: BASE, body }, options);
  }

  /**
   * Fetches one room by id (a UUID) or by name (anything else): `GET /rooms/{id}` and
   * `GET /rooms/{name}`.
   *
   * @example
   * ```ts
   * const room = await client.video.rooms.get('standup', { include_active_session: true });
   * ```
   */
  get(idOrName: string, params?: GetRoomQuery, options?: RequestOptions): Promise<Room> {
    return this.#http.request<Room>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(idOrName)}`, query: params },
      options,
    );
  }

  /**
   * Changes a room (`PUT`). Fields left out keep their values; `name` cannot change.
   *
   * @example
   * ```ts
   * await client.video.rooms.update(room.id, { display_name: 'Daily standup' });
   * ```
   */
  update(id: string, body: UpdateRoomRequest, options?: RequestOptions): Promise<Room> {
    return this.#http.request<Room>(
      { method: 'PUT', path: `${BASE}/${encodeURIComponent(id)}`, body },
      options,
    );
  }

  /**
   * Deletes a room and its streams; its past sessions stay readable.
   *
   * @example
   * ```ts
   * await client.video.rooms.delete(room.id);
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Lists a room's outbound streams.
   *
   * @example
   * ```ts
   * const { data: streams } = await client.video.rooms.listStreams(room.id);
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
   * Adds an outbound stream (`rtmp://` or `rtmps://`) to a room. Conclave stores the
   * configuration and does not send media yet.
   *
   * @example
   * ```ts
   * const stream = await client.video.rooms.createStream(room.id, { url: 'rtmp://live.example.com/app/key' });
   * ```
   */
  createStream(id: string, body: CreateStreamRequest, options?: RequestOptions): Promise<Stream> {
    return this.#http.request<Stream>(
      { method: 'POST', path: `${BASE}/${encodeURIComponent(id)}/streams`, body },
      options,
    );
  }
}
