import type { RoomTokenKeyRotation } from '@conclave/schema';
import { HttpClient } from './core/http-client.js';
import type { RequestOptions } from './core/request-options.js';
import { baseUrlFromHost } from './internal/base-url.js';
import { readEnv } from './internal/env.js';
import { ApiTokens } from './resources/admin/api-tokens.js';
import { Emulator } from './resources/admin/emulator.js';
import { Projects } from './resources/admin/projects.js';
import type { TransportOptions } from './rest-client.js';

export interface AdminClientOptions extends TransportOptions {
  /** The server's URL (or bare host, as for `RestClient`). Default: `CONCLAVE_URL`. */
  url?: string;
  /** The server's `CONCLAVE_ADMIN_TOKEN`. Default: `CONCLAVE_ADMIN_TOKEN`. */
  adminToken?: string;
}

/**
 * The Conclave admin API (`/admin/v1`): projects, their API tokens and room-token signing keys.
 * The server answers it only when started with `CONCLAVE_ADMIN_TOKEN`.
 *
 * @example
 * ```ts
 * import { AdminClient } from '@conclave/sdk';
 *
 * const admin = new AdminClient({ url: 'http://127.0.0.1:8080', adminToken: 'change-me' });
 * ```
 */
export class AdminClient {
  /** Create, list and delete projects. */
  readonly projects: Projects;
  /** Create, list and revoke a project's API tokens. */
  readonly apiTokens: ApiTokens;
  /**
   * Emulator mode (`CONCLAVE_EMULATOR=1` on the server): scripted faults, project reset and
   * fixtures for test suites. Without the switch each method rejects with NotFoundError.
   */
  readonly emulator: Emulator;
  /** The absolute base URL requests go to. */
  readonly baseUrl: string;
  readonly #http: HttpClient;

  constructor(options: AdminClientOptions = {}) {
    const url = options.url || readEnv('CONCLAVE_URL');
    const adminToken = options.adminToken || readEnv('CONCLAVE_ADMIN_TOKEN');
    if (!url || !adminToken) {
      throw new Error(
        'url and adminToken are required: pass them as options or set CONCLAVE_URL and ' +
          'CONCLAVE_ADMIN_TOKEN',
      );
    }
    this.baseUrl = baseUrlFromHost(url);
    const http = new HttpClient({
      baseUrl: this.baseUrl,
      authorization: `Bearer ${adminToken}`,
      fetch: options.fetch ?? options.fetchImpl,
      timeout: options.timeout,
      maxRetries: options.maxRetries,
      defaultHeaders: options.defaultHeaders,
    });
    this.#http = http;
    this.projects = new Projects(http);
    this.apiTokens = new ApiTokens(http);
    this.emulator = new Emulator(http);
  }

  /**
   * Rotates a project's room-token signing key: a new key signs from now on, and tokens signed
   * with the retired one stay valid until `retired.verifiable_until`. The secret is never shown.
   * Not retried on 5xx.
   *
   * @example
   * ```ts
   * const rotation = await admin.rotateRoomTokenSecret(projectId);
   * console.log(rotation.kid, rotation.retired?.verifiable_until);
   * ```
   */
  rotateRoomTokenSecret(
    projectId: string,
    options?: RequestOptions,
  ): Promise<RoomTokenKeyRotation> {
    return this.#http.request<RoomTokenKeyRotation>(
      {
        method: 'POST',
        path: `/admin/v1/projects/${encodeURIComponent(projectId)}/room_token_secret/rotate`,
      },
      options,
    );
  }
}
