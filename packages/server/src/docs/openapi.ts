import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorReferenceHtml } from './error-reference.js';

export const OPENAPI_INFO = {
  title: 'Conclave Video API',
  version: '0.1.0',
  description:
    'Self-hosted video conferences with a management API wire-compatible with the SignalWire ' +
    'Video REST API. Authenticate with HTTP Basic: project id as the user name, API token as the ' +
    'password.',
};

/**
 * The OpenAPI 3.1 document is generated from the same TypeBox schemas that validate requests;
 * `npm run openapi` writes it to `packages/server/openapi.json` and CI checks it is current.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: {
          BasicAuth: { type: 'http', scheme: 'basic' },
          AdminBearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ BasicAuth: [] }],
    },
  });
}

export async function registerDocsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const html = errorReferenceHtml();
  app.get('/docs/errors', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
