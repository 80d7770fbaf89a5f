import type {
  ConclaveEvent,
  EventType,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from '@conclave/schema';
import { ApiConnectionError, ConclaveError } from '../../core/errors.js';
import type { HttpClient, OpenStream } from '../../core/http-client.js';
import { SseParser } from '../../internal/sse.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/conclave/v1/webhooks';

/** What a webhook endpoint is made with. */
export interface CreateWebhookEndpointParams {
  /** Where events are POSTed: `http://` or `https://`. */
  url: string;
  /** Event types to send (default every type, `['*']`). */
  eventTypes?: (EventType | '*')[];
  description?: string | null;
  /** Default true. */
  enabled?: boolean;
}

/** What `update` changes: at least one of them. */
export type UpdateWebhookEndpointParams = Partial<CreateWebhookEndpointParams>;

/** A page of deliveries or attempts, newest first. */
export interface WebhookListParams {
  /** 1–200, default 50. */
  limit?: number;
  /** The last id of the previous page. */
  before?: string;
}

const endpointBody = (params: UpdateWebhookEndpointParams) => ({
  ...(params.url !== undefined ? { url: params.url } : {}),
  ...(params.eventTypes !== undefined ? { event_types: params.eventTypes } : {}),
  ...(params.description !== undefined ? { description: params.description } : {}),
  ...(params.enabled !== undefined ? { enabled: params.enabled } : {}),
});

/**
 * `client.conclave.webhooks` — the project's webhook endpoints (Conclave's own API, not
 * SignalWire's): each gets the events it subscribes to, signed with its secret (check with
 * `verifyWebhook` from `@conclave/sdk/webhooks`), at least once, in order per session.
 */
export class Webhooks {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates an endpoint; the answer carries its `secret`, shown this once.
   *
   * @example
   * ```ts
   * const endpoint = await client.conclave.webhooks.create({
   *   url: 'https://app.example.com/conclave-events',
   *   eventTypes: ['session.started', 'session.ended', 'recording.completed'],
   * });
   * saveSecret(endpoint.secret);
   * ```
   */
  create(
    params: CreateWebhookEndpointParams,
    options?: RequestOptions,
  ): Promise<WebhookEndpointWithSecret> {
    return this.#http.request<WebhookEndpointWithSecret>(
      { method: 'POST', path: BASE, body: endpointBody(params) },
      options,
    );
  }

  /** The project's endpoints, newest first (without secrets). */
  async list(options?: RequestOptions): Promise<WebhookEndpoint[]> {
    const page = await this.#http.request<{ data: WebhookEndpoint[] }>(
      { method: 'GET', path: BASE },
      options,
    );
    return page.data;
  }

  get(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.#http.request<WebhookEndpoint>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Changes an endpoint; `{ enabled: true }` turns on again one Conclave disabled after failing.
   *
   * @example
   * ```ts
   * await client.conclave.webhooks.update(endpoint.id, { enabled: true });
   * ```
   */
  update(
    id: string,
    params: UpdateWebhookEndpointParams,
    options?: RequestOptions,
  ): Promise<WebhookEndpoint> {
    return this.#http.request<WebhookEndpoint>(
      { method: 'PATCH', path: `${BASE}/${encodeURIComponent(id)}`, body: endpointBody(params) },
      options,
    );
  }

  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.#http.request<void>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * A new secret; the previous one keeps signing too for `keepPreviousForSeconds` (default one
   * day), so receivers can switch without missing a delivery.
   */
  rotateSecret(
    id: string,
    params: { keepPreviousForSeconds?: number } = {},
    options?: RequestOptions,
  ): Promise<WebhookEndpointWithSecret> {
    return this.#http.request<WebhookEndpointWithSecret>(
      {
        method: 'POST',
        path: `${BASE}/${encodeURIComponent(id)}/rotate_secret`,
        body:
          params.keepPreviousForSeconds === undefined
            ? {}
            : { keep_previous_for_seconds: params.keepPreviousForSeconds },
      },
      options,
    );
  }

  /** The endpoint's deliveries, newest first. */
  async listDeliveries(
    id: string,
    params: WebhookListParams = {},
    options?: RequestOptions,
  ): Promise<WebhookDelivery[]> {
    const page = await this.#http.request<{ data: WebhookDelivery[] }>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}/deliveries`, query: { ...params } },
      options,
    );
    return page.data;
  }

  /** Every delivery attempt (HTTP status, time, duration, response excerpt), newest first. */
  async listAttempts(
    id: string,
    params: WebhookListParams = {},
    options?: RequestOptions,
  ): Promise<WebhookAttempt[]> {
    const page = await this.#http.request<{ data: WebhookAttempt[] }>(
      { method: 'GET', path: `${BASE}/${encodeURIComponent(id)}/attempts`, query: { ...params } },
      options,
    );
    return page.data;
  }

  /** Sends a delivery's event again (a new delivery, the same event id). */
  replayDelivery(
    id: string,
    deliveryId: string,
    options?: RequestOptions,
  ): Promise<WebhookDelivery> {
    return this.#http.request<WebhookDelivery>(
      {
        method: 'POST',
        path: `${BASE}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/replay`,
      },
      options,
    );
  }

  /**
   * Sends every matching event since `since` again; resolves with how many deliveries were queued.
   *
   * @example
   * ```ts
   * await client.conclave.webhooks.replaySince(endpoint.id, new Date(Date.now() - 3600_000));
   * ```
   */
  async replaySince(id: string, since: Date | string, options?: RequestOptions): Promise<number> {
    const result = await this.#http.request<{ replayed: number }>(
      {
        method: 'POST',
        path: `${BASE}/${encodeURIComponent(id)}/replay`,
        body: { since: typeof since === 'string' ? since : since.toISOString() },
      },
      options,
    );
    return result.replayed;
  }
}

/** `client.conclave.events(…)`: one page of the project's events, oldest first. */
export interface ListEventsParams {
  /** An event id: only events after it. */
  after?: string;
  /** 1–500, default 100. */
  limit?: number;
}

export async function listEvents(
  http: HttpClient,
  params: ListEventsParams,
  options?: RequestOptions,
): Promise<ConclaveEvent[]> {
  const page = await http.request<{ data: ConclaveEvent[] }>(
    { method: 'GET', path: '/conclave/v1/events', query: { ...params } },
    options,
  );
  return page.data;
}

/** Where the event stream is, relative to the server's base URL. */
export const EVENT_STREAM_PATH = '/conclave/v1/events/stream';

export interface EventStreamOptions {
  /** Start after this event id (default: the first event kept); reconnects resume after the last. */
  after?: string;
  /** Ends the stream: the iteration finishes (no error). */
  signal?: AbortSignal;
  /** Milliseconds to wait before reconnecting after the connection drops (default 1000). */
  reconnectDelay?: number;
}

/**
 * The project's events as they happen (Server-Sent Events). A dropped connection is opened again
 * with `Last-Event-ID`, so nothing is missed; errors the server answers (401, 403…) are thrown.
 */
export async function* eventStream(
  http: HttpClient,
  options: EventStreamOptions,
): AsyncGenerator<ConclaveEvent, void, undefined> {
  const { signal } = options;
  let last = options.after;
  while (!signal?.aborted) {
    let stream: OpenStream;
    try {
      stream = await http.openStream(
        { method: 'GET', path: EVENT_STREAM_PATH },
        {
          ...(signal ? { signal } : {}),
          ...(last !== undefined ? { headers: { 'last-event-id': last } } : {}),
        },
      );
    } catch (error) {
      if (signal?.aborted) return;
      if (!(error instanceof ApiConnectionError)) throw error;
      await pause(options.reconnectDelay ?? 1000, signal);
      continue;
    }
    const body = stream.response.body;
    if (!body) {
      stream.close();
      throw new ConclaveError('The server sent no stream', {
        method: 'GET',
        url: http.url(EVENT_STREAM_PATH),
      });
    }
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch {
          break;
        }
        if (chunk.done) break;
        for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
          const parsed = JSON.parse(event.data) as ConclaveEvent;
          last = event.id ?? parsed.id;
          yield parsed;
          if (signal?.aborted) return;
        }
      }
    } finally {
      stream.close();
      reader.cancel().catch(() => {});
    }
    if (signal?.aborted) return;
    await pause(options.reconnectDelay ?? 1000, signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
