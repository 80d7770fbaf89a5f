import type { PaginationLinks } from '@conclave/schema';

/** The wire envelope of every list: `{links, data}`. */
export interface ListBody<T> {
  links: PaginationLinks;
  data: T[];
}

/** Loads the page the given query string names, on the list's own path. */
type PageLoader<T> = (query: Record<string, string>) => Promise<Page<T>>;

/**
 * One page of a list: `data` and `links` as the server sent them, plus navigation.
 * `for await` over a page yields its items and those of every page after it.
 *
 * @example
 * ```ts
 * let page = await client.video.conferences.list({ page_size: 100 });
 * while (true) {
 *   for (const conference of page.data) console.log(conference.name);
 *   if (!page.hasNextPage()) break;
 *   page = await page.getNextPage();
 * }
 * ```
 */
export class Page<T> implements AsyncIterable<T> {
  /** The items of this page. */
  readonly data: T[];
  /** `self` and `first` always; `next` unless this is the last page; `prev` past the first. */
  readonly links: PaginationLinks;
  readonly #load: PageLoader<T>;

  constructor(body: ListBody<T>, load: PageLoader<T>) {
    this.data = body.data;
    this.links = body.links;
    this.#load = load;
  }

  /** Whether `links.next` names a further page. */
  hasNextPage(): boolean {
    return typeof this.links.next === 'string' && this.links.next !== '';
  }

  /**
   * The query of `links.next` (`page_number`, `page_size`, `page_token` and every filter), or
   * `null` on the last page. Pass it to `list()` to resume a walk later.
   */
  nextPageParams(): Record<string, string> | null {
    if (!this.hasNextPage()) return null;
    return Object.fromEntries(new URL(this.links.next!, 'http://localhost').searchParams);
  }

  /**
   * Fetches the next page. Only the query string of `links.next` is used, on this list's path
   * and base URL, so a server behind a proxy or with another public URL works the same
   * (DECISIONS D15 makes that query self-sufficient).
   *
   * @throws Error when there is no next page; check `hasNextPage()` first.
   */
  getNextPage(): Promise<Page<T>> {
    const params = this.nextPageParams();
    if (!params) return Promise.reject(new Error('There is no next page (check hasNextPage())'));
    return this.#load(params);
  }

  /** This page and every page after it, fetched one at a time as you iterate. */
  async *iterPages(): AsyncGenerator<Page<T>, void, undefined> {
    yield this;
    const seen = new Set<string>();
    for (let page = await this.#after(seen); page; page = await page.#after(seen)) yield page;
  }

  /** The page after this one, or `undefined` on the last; refuses a `next` link seen before. */
  async #after(seen: Set<string>): Promise<Page<T> | undefined> {
    if (!this.hasNextPage()) return undefined;
    const next = this.links.next!;
    if (seen.has(next)) throw new Error(`Pagination loop: ${next} came twice`);
    seen.add(next);
    return this.getNextPage();
  }

  /** Every item of this page and the pages after it. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.iterPages()) yield* page.data;
  }

  /** The wire shape, so `JSON.stringify(page)` gives `{links, data}` like a raw response. */
  toJSON(): ListBody<T> {
    return { links: this.links, data: this.data };
  }
}

/**
 * What `list()` returns: `await` it for the first page, or `for await` it for every item of
 * every page, fetched lazily page by page.
 *
 * @example
 * ```ts
 * const page = await client.video.conferences.list({ page_size: 10 });
 * for await (const conference of client.video.conferences.list()) console.log(conference.id);
 * ```
 */
export class PagePromise<T> extends Promise<Page<T>> implements AsyncIterable<T> {
  // `then`/`catch`/`finally` return plain promises, not page promises.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  static from<T>(first: Promise<Page<T>>): PagePromise<T> {
    return new PagePromise<T>((resolve, reject) => {
      first.then(resolve, reject);
    });
  }

  /** Every item across all pages, following `links.next`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const first = await this;
    yield* first;
  }

  /** Every page, starting with the first. */
  async *iterPages(): AsyncGenerator<Page<T>, void, undefined> {
    const first = await this;
    yield* first.iterPages();
  }
}
