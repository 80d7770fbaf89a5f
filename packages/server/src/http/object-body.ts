import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * A route that takes a body gets an object: no body reads as `{}` (so missing fields are reported
 * field by field), and JSON that is not an object (array, string, null…) is a 400.
 */
export async function requireObjectBody(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.schema?.body === undefined) return;
  const body = request.body;
  if (body === undefined) request.body = {};
  else if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400);
}
