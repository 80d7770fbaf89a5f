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
  // Each filter is encoded once for all the links: [key, `key=value`].
  const filterPairs: [string, string][] = [];
  for (const k in filters) {
    const v = filters[k];
    if (v !== undefined) filterPairs.push([k, `${formEncode(k)}=${formEncode(v)}`]);
  }
  const url = (extra: Record<string, string | number | undefined>) => {
    // `{ ...filters, ...extra }` without building it: a key of `extra` (even undefined) wins.
    const entries: [string, string][] = [];
    for (const pair of filterPairs) if (!(pair[0] in extra)) entries.push(pair);
    for (const k in extra) {
      const v = extra[k];
      if (v !== undefined) entries.push([k, `${formEncode(k)}=${formEncode(String(v))}`]);
    }
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${base}?${entries.map(([, pair]) => pair).join('&')}`;
  };
  const links: PaginationLinks = {
    self: url({
      page_number: params.pageNumber,
      page_size: params.pageSize,
      page_token: params.pageToken,
    }),
    first: url({ page_size: params.pageSize }),
  };
  if (page.hasNext && page.lastKey) {
    links.next = url({
      page_number: params.pageNumber + 1,
      page_size: params.pageSize,
      page_token: encodePageToken('after', page.lastKey),
    });
  }
  if (params.pageNumber > 0 && page.firstKey) {
    links.prev = url({
      page_number: params.pageNumber - 1,
      page_size: params.pageSize,
      page_token: encodePageToken('before', page.firstKey),
    });
  }
  return links;
}

const FORM_PLAIN = /^[A-Za-z0-9*._-]*$/;

/**
 * A query-string key or value as `URLSearchParams` writes it (application/x-www-form-urlencoded:
 * only ASCII letters, digits and `*-._` as they are, a space as `+`, the rest as UTF-8 `%XX`),
 * without building a `URLSearchParams` per link (measured: ~4 % of a list request's CPU).
 */
function formEncode(text: string): string {
  // Most are already plain (numbers, page tokens): nothing to encode.
  if (FORM_PLAIN.test(text)) return text;
  return encodeURIComponent(text).replace(/[!'()~]|%20/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
