import { ConflictBody, ErrorBody, ValidationErrorBody } from '@conclave/schema';
import type { TSchema } from '@sinclair/typebox';

/**
 * The error responses a route declares, by status, for its schema and OpenAPI entry. Any route
 * may answer 429 (rate limit), 500 and 503 (database unreachable).
 */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 422)[]) {
  const out: Record<number, TSchema> = { 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };
  for (const status of statuses) {
    out[status] = status === 422 ? ValidationErrorBody : status === 409 ? ConflictBody : ErrorBody;
  }
  return out;
}
