import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/responses.js';

const Status = Type.Object({ status: Type.String() });

/** D21: liveness and readiness, without credentials. */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['Health'],
        security: [],
        summary: 'Process is up',
        response: { 200: Status, ...errorResponses() },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Health'],
        security: [],
        summary: 'Database is reachable',
        response: { 200: Status, ...errorResponses() },
      },
    },
    async (request) => {
      try {
        await ctx.store.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        throw new HttpError(503);
      }
      return { status: 'ok' };
    },
  );
}
