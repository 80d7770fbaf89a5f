import { ErrorBody } from '@conclave/schema';
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
        summary: 'Database is reachable and the node takes new sessions',
        description:
          'Answers 503 `{"status":"draining"}` once the node is stopping (SIGTERM): a load ' +
          'balancer sends it nothing new while its live sessions finish; 503 ' +
          '`{"status":"bus_unavailable"}` while it cannot reach the other nodes (its message bus), ' +
          'and 503 when it cannot reach its database: it then admits nobody new.',
        response: { 200: Status, ...errorResponses(), 503: Type.Union([Status, ErrorBody]) },
      },
    },
    async (request, reply) => {
      if (ctx.cluster.state === 'draining') return reply.code(503).send({ status: 'draining' });
      // The database first: on PostgreSQL the bus rides on it, and its loss is the cause to name.
      try {
        await ctx.store.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        throw new HttpError(503);
      }
      if (ctx.cluster.unavailable() === 'bus') {
        return reply.code(503).send({ status: 'bus_unavailable' });
      }
      return { status: 'ok' };
    },
  );
}
