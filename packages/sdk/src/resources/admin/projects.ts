import type { CreateProjectRequest, ListPageQuery, Project } from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { PagePromise } from '../../core/pagination.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/admin/v1/projects';

/** `admin.projects` — `/admin/v1/projects`. */
export class Projects {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates a project. It has no API token yet: create one with `admin.apiTokens.create()`.
   *
   * @example
   * ```ts
   * const project = await admin.projects.create({ name: 'Acme' });
   * ```
   */
  create(body: CreateProjectRequest, options?: RequestOptions): Promise<Project> {
    return this.#http.request<Project>({ method: 'POST', path: BASE, body }, options);
  }

  /**
   * Lists projects, newest first.
   *
   * @example
   * ```ts
   * for await (const project of admin.projects.list()) console.log(project.id, project.name);
   * ```
   */
  list(params: ListPageQuery = {}, options?: RequestOptions): PagePromise<Project> {
    return this.#http.getPage<Project>(BASE, params, options);
  }

  /**
   * Deletes a project and everything in it.
   *
   * @example
   * ```ts
   * await admin.projects.delete(project.id);
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/${encodeURIComponent(id)}` },
      options,
    );
  }
}
