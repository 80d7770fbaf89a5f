import type { Page, PageRequest } from '../store.js';
import { forwardPage, forwardQuery, type AnySelect, type FetchByIds } from './keyset-page.js';

/**
 * Runs SQL text with positional parameters, rows as arrays, on a statement the engine prepares
 * once per text: better-sqlite3's prepared statement in raw mode, or a PostgreSQL named statement
 * (parsed and planned once per connection). An engine hook; see `EngineHooks.arrayQuery`.
 */
export type ArrayQuery = (
  text: string,
  parameters: readonly unknown[],
) => unknown[][] | Promise<unknown[][]>;

/** A list row as the direct path reads it: its key, then what the page sends. */
export type KeyedArrayRow<T> = [id: string, createdAt: number, value: T];

/**
 * Forward keyset pages of one hot list, run without building the query for every request. The
 * SQL is Kysely's own — the forward query `keysetPage` runs, compiled once per query shape (which
 * filters, which cursor) — and each request supplies only the parameters, in the order that
 * compilation put them (checked when the shape is first compiled). The query must select the
 * key columns first: `id, created_at`, then the value.
 */
export class DirectPages {
  readonly #texts = new Map<string, string>();

  constructor(private readonly run: ArrayQuery) {}

  /**
   * `shape` names which optional parts the query has; `parameters` are its values in the order
   * the query builder adds them (the cursor's `createdAt, id` and the limit are added here);
   * `build` makes the query (and its by-ids step) when the shape is first seen.
   */
  async page<T>(
    shape: string,
    parameters: unknown[],
    build: () => { query: AnySelect; byIds?: FetchByIds | undefined },
    page: PageRequest,
  ): Promise<Page<T>> {
    const after = page.after;
    if (after) parameters.push(after.createdAt, after.id);
    parameters.push(page.limit + 1);
    const key = `${shape}|${after ? (after.inclusive ? 'at' : 'after') : ''}`;
    let text = this.#texts.get(key);
    if (text === undefined) {
      const { query, byIds } = build();
      const compiled = forwardQuery(query, page, byIds).compile();
      if (JSON.stringify(compiled.parameters) !== JSON.stringify(parameters)) {
        throw new Error(`direct page ${key}: parameters out of the compiled order`);
      }
      text = compiled.sql;
      this.#texts.set(key, text);
    }
    const rows = (await this.run(text, parameters)) as KeyedArrayRow<T>[];
    const result = forwardPage(rows, page, (row) => ({ id: row[0], createdAt: row[1] }));
    return { ...result, items: rows.map((row) => row[2]) };
  }
}
