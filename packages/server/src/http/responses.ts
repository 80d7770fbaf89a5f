import { ErrorBody, ValidationErrorBody } from '@conclave/schema';
import type { TSchema } from '@sinclair/typebox';

/** The error responses a route declares, by status, for its schema and OpenAPI entry. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 413 | 422 | 503)[]) {
  const out: Record<number, TSchema> = { 500: ErrorBody };
  for (const status of statuses) out[status] = status === 422 ? ValidationErrorBody : ErrorBody;
  return out;
}
