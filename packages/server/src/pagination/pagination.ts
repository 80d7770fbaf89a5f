import type { PaginationLinks } from '@conclave/schema';
import { problem, ValidationFailed } from '../http/errors.js';
import type { Page, PageRequest } from '../store/store.js';
import { decodePageToken, encodePageToken } from './page-token.js';

export interface PageQuery {
  page_number?: number;
  page_size?: number;
  page_token?: string;
}

export interface PageParams {
  pageNumber: number;
  pageSize: number;
  pageToken: string | undefined;
  request: PageRequest;
}

export const DEFAULT_PAGE_SIZE = 50;

/** Reads and checks the paging parameters (D14); Ajv has already checked their ranges. */
export function readPageParams(query: PageQuery): PageParams {
  const pageNumber = query.page_number ?? 0;
  const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
  const pageToken = query.page_token === '' ? undefined : query.page_token;
  if (pageToken === undefined) {
    if (pageNumber > 0) throw new ValidationFailed([problem('page_token_required', 'page_token')]);
    return { pageNumber, pageSize, pageToken, request: { limit: pageSize } };
  }
  const decoded = decodePageToken(pageToken);
  if (!decoded) throw new ValidationFailed([problem('page_token_is_invalid', 'page_token')]);
  const request: PageRequest =
    decoded.direction === 'after'
      ? { after: decoded.cursor, limit: pageSize }
      : { before: decoded.cursor, limit: pageSize };
  return { pageNumber, pageSize, pageToken, request };
}

/**
 * The `links` of a page (D15): absolute, query keys in alphabetical order, every filter and
 * `page_size` carried, so the query string alone reproduces the page on the original path.
 */
export function buildLinks(
  base: string,
  filters: Record<string, string | undefined>,
  params: PageParams,
  page: Page<unknown>,
): PaginationLinks {
  // The filters as `key=value`, each encoded once for all the links, in key order.
  const filterPairs: [key: string, pair: string][] = [];
  for (const k in filters) {
    const v = filters[k];
    if (v !== undefined) filterPairs.push([k, `${formEncode(k)}=${formEncode(v)}`]);
  }
  filterPairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // The paging keys, in key order; one that is also a filter's replaces it (even undefined).
  const url = (pageNumber: number | undefined, pageToken: string | undefined): string => {
    let query = '';
    let f = 0;
    const add = (key: string, pair: string | undefined) => {
      while (f < filterPairs.length && filterPairs[f]![0] < key) {
        query += (query === '' ? '' : '&') + filterPairs[f++]![1];
      }
      if (f < filterPairs.length && filterPairs[f]![0] === key) f++;
      if (pair !== undefined) query += (query === '' ? '' : '&') + pair;
    };
    add('page_number', pageNumber === undefined ? undefined : `page_number=${pageNumber}`);
    add('page_size', `page_size=${params.pageSize}`);
    add('page_token', pageToken === undefined ? undefined : `page_token=${formEncode(pageToken)}`);
    while (f < filterPairs.length) query += (query === '' ? '' : '&') + filterPairs[f++]![1];
    return `${base}?${query}`;
  };
  const links: PaginationLinks = {
    self: url(params.pageNumber, params.pageToken),
    first: url(undefined, undefined),
  };
  if (page.hasNext && page.lastKey) {
    links.next = url(params.pageNumber + 1, encodePageToken('after', page.lastKey));
  }
  if (params.pageNumber > 0 && page.firstKey) {
    links.prev = url(params.pageNumber - 1, encodePageToken('before', page.firstKey));
  }
  return links;
}

/** `%XX` of each ASCII character that a form-encoded query writes escaped; '' for the plain ones. */
const FORM_ESCAPES: readonly string[] = Array.from({ length: 128 }, (_, c) =>
  /[A-Za-z0-9*._-]/.test(String.fromCharCode(c))
    ? ''
    : c === 32
      ? '+'
      : `%${c.toString(16).toUpperCase().padStart(2, '0')}`,
);

/**
 * A query-string key or value as `URLSearchParams` writes it (application/x-www-form-urlencoded:
 * only ASCII letters, digits and `*-._` as they are, a space as `+`, the rest as UTF-8 `%XX`),
 * without building a `URLSearchParams` per link (measured: ~4 % of a list request's CPU). ASCII
 * text, which is what filters and page tokens are, is escaped in one pass; anything else goes
 * through `encodeURIComponent`.
 */
export function formEncode(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return formEncodeUnicode(text);
    const escape = FORM_ESCAPES[c]!;
    if (escape === '') continue;
    out += text.slice(from, i) + escape;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

function formEncodeUnicode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()~]|%20/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
