import { retryDelayMs, shouldRetry } from '../internal/retry.js';
import { sleep } from '../internal/sleep.js';
import { VERSION } from '../version.js';
import {
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  ConclaveError,
  UserAbortError,
} from './errors.js';
import { Page, PagePromise, type ListBody } from './pagination.js';
import type { FetchLike, RequestOptions } from './request-options.js';

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query values as the API reads them: booleans become `true`/`false`, `undefined` is left out. */
export type QueryParams = object;

export interface ApiRequest {
  method: HttpMethod;
  /** Path below the base URL, starting with `/`. */
  path: string;
  query?: QueryParams | undefined;
  body?: unknown;
}

export interface HttpClientOptions {
  /** Absolute base URL without a trailing slash. */
  baseUrl: string;
  /** The `Authorization` header value. */
  authorization: string;
  fetch?: FetchLike | undefined;
  timeout?: number | undefined;
  maxRetries?: number | undefined;
  defaultHeaders?: Record<string, string> | undefined;
}

function lowerKeys(headers: Record<string, string | null | undefined> | undefined) {
  const out: Record<string, string | null | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function newRequestId(): string | undefined {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return typeof crypto?.randomUUID === 'function' ? crypto.randomUUID() : undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1)`: the cause says why. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : null;
  if (!cause || typeof cause !== 'object') return message;
  const detail = [cause.code, cause.message].filter((p) => typeof p === 'string' && p !== '');
  return detail.length > 0 ? `${message} (${detail.join(': ')})` : message;
}

interface Attempt {
  response: Response;
  text: string;
}

/** A streamed response being read (`HttpClient.openStream`). */
export interface OpenStream {
  response: Response;
  /** Stops the stream: the request is aborted and the connection let go. Again is harmless. */
  close(): void;
}

/**
 * The transport under every resource: URL building, auth, JSON, time-outs, retries and the one
 * place HTTP failures become typed errors. Shared by `RestClient` and `AdminClient`.
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly #authorization: string;
  readonly #fetch: FetchLike;
  readonly #defaultHeaders: Record<string, string | null | undefined>;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#authorization = options.authorization;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.#defaultHeaders = lowerKeys(options.defaultHeaders);
    const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (typeof fetchImpl !== 'function') {
      throw new Error('No fetch implementation: pass one as the `fetch` option');
    }
    // Bound so a platform fetch is not called with the client as `this` (browsers refuse that).
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Builds the absolute URL of `path` with `query`. */
  url(path: string, query?: QueryParams): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {}) as [string, unknown][]) {
      if (value === undefined || value === null) continue;
      search.append(key, String(value));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** The headers of a call: the client's, then the call's own; a fresh request id. */
  #headers(
    request: ApiRequest,
    options: RequestOptions,
    accept = 'application/json',
  ): Record<string, string> {
    const headers: Record<string, string> = {};
    const given = {
      accept,
      'user-agent': `conclave-sdk-ts/${VERSION}`,
      authorization: this.#authorization,
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...this.#defaultHeaders,
      ...lowerKeys(options.headers),
    };
    for (const [k, v] of Object.entries(given)) if (typeof v === 'string') headers[k] = v;
    // One id for the call and its retries, so the server's log lines for all attempts match up.
    if (headers['x-request-id'] === undefined) {
      const id = newRequestId();
      if (id) headers['x-request-id'] = id;
    }
    return headers;
  }

  /** Sends a request and returns its parsed JSON body (`undefined` for a 204). */
  async request<T>(request: ApiRequest, options: RequestOptions = {}): Promise<T> {
    const url = this.url(request.path, request.query);
    const method = request.method;
    const timeout = options.timeout ?? this.timeout;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const signal = options.signal;
    const headers = this.#headers(request, options);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const context = { method, url, requestId: headers['x-request-id'] };

    for (let retry = 0; ; retry++) {
      if (signal?.aborted) throw new UserAbortError('Request aborted', context);
      let attempt: Attempt;
      try {
        attempt = await this.#attempt(url, { method, headers, body }, timeout, signal);
      } catch (error) {
        if (error instanceof UserAbortError || signal?.aborted) {
          throw new UserAbortError('Request aborted', { ...context, cause: error });
        }
        const failure =
          error instanceof ApiTimeoutError
            ? error
            : new ApiConnectionError(`Connection error: ${reasonOf(error)}`, {
                ...context,
                cause: error,
              });
        if (retry < maxRetries && shouldRetry(method, 'connection')) {
          await this.#wait(retryDelayMs(retry), signal, context);
          continue;
        }
        throw failure;
      }

      const { response, text } = attempt;
      if (response.ok) {
        if (response.status === 204 || text === '') return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw new ConclaveError(`The server sent a ${response.status} that is not JSON`, {
            ...context,
            requestId: response.headers.get('x-request-id') ?? context.requestId,
            cause: error,
          });
        }
      }
      if (retry < maxRetries && shouldRetry(method, response.status)) {
        await this.#wait(retryDelayMs(retry, response.headers), signal, context);
        continue;
      }
      throw ApiError.from({
        method,
        url,
        status: response.status,
        body: parseBody(text),
        headers: response.headers,
      });
    }
  }

  /**
   * Opens a streamed response (Server-Sent Events): resolves once a 2xx's headers arrive, its body
   * left to the caller to read; a non-2xx is the usual typed error. `timeout` bounds the wait for
   * the headers only, and nothing is retried (a stream is opened again by its reader, knowingly).
   */
  async openStream(
    request: ApiRequest,
    options: RequestOptions = {},
    accept = 'text/event-stream',
  ): Promise<OpenStream> {
    const url = this.url(request.path, request.query);
    const method = request.method;
    const timeout = options.timeout ?? this.timeout;
    const signal = options.signal;
    const headers = this.#headers(request, options, accept);
    const context = { method, url, requestId: headers['x-request-id'] };
    if (signal?.aborted) throw new UserAbortError('Request aborted', context);

    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const close = () => {
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: controller.signal,
      });
    } catch (error) {
      close();
      if (signal?.aborted)
        throw new UserAbortError('Request aborted', { ...context, cause: error });
      if (timedOut) {
        throw new ApiTimeoutError(`Request timed out after ${timeout} ms`, {
          ...context,
          cause: error,
        });
      }
      throw new ApiConnectionError(`Connection error: ${reasonOf(error)}`, {
        ...context,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      close();
      throw ApiError.from({
        method,
        url,
        status: response.status,
        body: parseBody(text),
        headers: response.headers,
      });
    }
    return { response, close };
  }

  /** Sends a list request and returns a page promise that follows `links.next`. */
  getPage<T>(
    path: string,
    query: QueryParams | undefined,
    options: RequestOptions = {},
  ): PagePromise<T> {
    const load = (q: QueryParams | undefined): Promise<Page<T>> =>
      this.request<ListBody<T>>({ method: 'GET', path, query: q }, options).then(
        (body) => new Page<T>(body, load),
      );
    return PagePromise.from(load(query));
  }

  async #wait(
    ms: number,
    signal: AbortSignal | undefined,
    context: { method: string; url: string; requestId: string | undefined },
  ): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (error) {
      throw new UserAbortError('Request aborted', { ...context, cause: error });
    }
  }

  /** One HTTP exchange, the body read in full, bounded by `timeout` and the caller's signal. */
  async #attempt(
    url: string,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#fetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: controller.signal,
      });
      const text = await response.text();
      return { response, text };
    } catch (error) {
      if (timedOut) {
        throw new ApiTimeoutError(`Request timed out after ${timeout} ms`, {
          method: init.method,
          url,
          requestId: init.headers['x-request-id'],
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
