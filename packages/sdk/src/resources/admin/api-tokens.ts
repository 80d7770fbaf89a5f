import type {
  ApiToken,
  CreateApiTokenRequest,
  CreatedApiToken,
  ListPageQuery,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const tokensPath = (projectId: string) =>
  `/admin/v1/projects/${encodeURIComponent(projectId)}/api_tokens`;

/** `admin.apiTokens` — `/admin/v1/projects/{id}/api_tokens`. */
export class ApiTokens {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates an API token. The response's `token` is the only time the secret is shown.
   *
   * @example
   * ```ts
   * const { token } = await admin.apiTokens.create(projectId, { name: 'ci', scopes: ['video'] });
   * ```
   */
  create(
    projectId: string,
    body: CreateApiTokenRequest,
    options?: RequestOptions,
  ): Promise<CreatedApiToken> {
    return this.#http.request<CreatedApiToken>(
      { method: 'POST', path: tokensPath(projectId), body },
      options,
    );
  }

  /**
   * Lists a project's API tokens (their prefixes, never their secrets).
   *
   * @example
   * ```ts
   * const { data: tokens } = await admin.apiTokens.list(projectId);
   * ```
   */
  list(
    projectId: string,
    params: ListPageQuery = {},
    options?: RequestOptions,
  ): PagePromise<ApiToken> {
    return this.#http.getPage<ApiToken>(tokensPath(projectId), params, options);
  }

  /**
   * Revokes an API token; it is refused from the next request on.
   *
   * @example
   * ```ts
   * await admin.apiTokens.revoke(projectId, tokenId);
   * ```
   */
  async revoke(projectId: string, tokenId: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${tokensPath(projectId)}/${encodeURIComponent(tokenId)}` },
      options,
    );
  }
}
