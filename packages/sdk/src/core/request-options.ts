/**
 * Per-call options, always the last argument of a method.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await client.video.conferences.get(id, {}, {
 *   timeout: 5_000,
 *   maxRetries: 0,
 *   signal: controller.signal,
 *   headers: { 'x-request-id': 'checkout-42' },
 * });
 * ```
 */
export interface RequestOptions {
  /** Milliseconds one attempt may take, response body included. Default: the client's (60 s). */
  timeout?: number;
  /** Retries after the first attempt, for the failures that are retried. Default: the client's (2). */
  maxRetries?: number;
  /** Aborts the call, including a wait between retries; the call then throws `UserAbortError`. */
  signal?: AbortSignal;
  /** Extra headers for this call; `null` removes a header the client would send. */
  headers?: Record<string, string | null | undefined>;
}

/** A `fetch` implementation: the platform's, or one you inject (a test double, a proxy agent…). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
