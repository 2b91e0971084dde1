// The OpenAPI description at /openapi.json, built by @fastify/swagger from the route schemas. The
// predict body is validated by fastify only in its JSON form; the docs also list the raw image
// and multipart forms, added here so they never reach the validator.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { version } from '../version.js';
import { jsonImages } from './schemas.js';

const imageBody = {
  'image/*': { schema: { type: 'string', format: 'binary', description: 'one image file' } },
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
  'multipart/form-data': {
    schema: {
      type: 'object',
      properties: {
        image: {
          type: 'array',
          items: { type: 'string', format: 'binary' },
          description: 'one file part per image',
        },
      },
    },
  },
  'application/json': { schema: jsonImages },
};

export async function registerOpenApi(app: FastifyInstance, secured: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'visiontune serve', version, description: 'Inference on visiontune bundles.' },
      components: secured
        ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
        : undefined,
      security: secured ? [{ bearer: [] }] : undefined,
    },
    transform: ({ schema, url }) => {
      if (!url.endsWith('/predict') || !schema) return { schema, url };
      return { schema: { ...schema, body: { content: imageBody } } as typeof schema, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
