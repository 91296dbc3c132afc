import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document, built by @fastify/swagger from the routes' TypeBox schemas (so it cannot
 * drift from validation), at /api/v1/openapi.json, and Swagger UI at /api/docs. Register before
 * the routes: the document collects routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance, options: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'unitscore API',
        version: options.version,
        description:
          'Exposure scores of systemd service units across a fleet (systemd-analyze security). ' +
          'Exposures are decimals 0.0-10.0 as systemd prints them; times are ISO 8601 UTC. ' +
          'Tables answer CSV too (Accept: text/csv or ?format=csv).',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
