import { HttpClient } from './core/http-client.js';
import type { FetchLike } from './core/request-options.js';
import { baseUrlFromHost } from './internal/base-url.js';
import { basicAuthorization } from './internal/basic-auth.js';
import { readEnv } from './internal/env.js';
import { Conclave } from './resources/conclave/conclave.js';
import { Video } from './resources/video/video.js';

/** Transport settings shared by `RestClient` and `AdminClient`. */
export interface TransportOptions {
  /** A `fetch` to use instead of the platform's. */
  fetch?: FetchLike;
  /** Same as `fetch`; the name SignalWire's SDK uses. */
  fetchImpl?: FetchLike;
  /** Milliseconds one attempt may take (default 60 000). Per call: `{ timeout }`. */
  timeout?: number;
  /** Retries of a failed idempotent call (default 2). Per call: `{ maxRetries }`. */
  maxRetries?: number;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
}

export interface ClientOptions extends TransportOptions {
  /** Project id (UUID). Default: `SIGNALWIRE_PROJECT_ID`. */
  project?: string;
  /** API token (`PT…`). Default: `SIGNALWIRE_API_TOKEN`. */
  token?: string;
  /**
   * The server: a bare host (`video.example.com`, https assumed; `127.0.0.1:8080`, http for a
   * loopback host) or a full URL (`http://10.0.0.5:8080`). Default: `SIGNALWIRE_REST_BASE_URL`,
   * then `SIGNALWIRE_SPACE`.
   */
  host?: string;
}

/**
 * The Conclave REST client, a drop-in for SignalWire's `RestClient` where their names meet:
 * change the import and the same code runs against Conclave.
 *
 * @example
 * ```ts
 * import { RestClient } from '@conclave/sdk';
 *
 * const client = new RestClient({
 *   project: '1d7b6b6e-8e1c-4b3f-9f7e-2a1f0c3d4e5f',
 *   token: 'PT…',
 *   host: 'http://127.0.0.1:8080',
 * });
 * // or, from SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE:
 * const fromEnv = new RestClient();
 * ```
 */
export class RestClient {
  /** The Video API. */
  readonly video: Video;
  /** Conclave's own API (`/conclave/v1`, not SignalWire's): the live feed and moderation. */
  readonly conclave: Conclave;
  /** The project id the client authenticates as. */
  readonly project: string;
  /** The absolute base URL requests go to. */
  readonly baseUrl: string;

  constructor(options: ClientOptions = {}) {
    const project = options.project || readEnv('SIGNALWIRE_PROJECT_ID');
    const token = options.token || readEnv('SIGNALWIRE_API_TOKEN');
    const host = options.host || readEnv('SIGNALWIRE_REST_BASE_URL') || readEnv('SIGNALWIRE_SPACE');
    if (!project || !token || !host) {
      throw new Error(
        'project, token and host are required: pass them as options or set SIGNALWIRE_PROJECT_ID, ' +
          'SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE',
      );
    }
    this.project = project;
    this.baseUrl = baseUrlFromHost(host);
    const http = new HttpClient({
      baseUrl: this.baseUrl,
      authorization: basicAuthorization(project, token),
      fetch: options.fetch ?? options.fetchImpl,
      timeout: options.timeout,
      maxRetries: options.maxRetries,
      defaultHeaders: options.defaultHeaders,
    });
    this.video = new Video(http);
    this.conclave = new Conclave(http);
  }
}
