// The run, queue, schema and export routes of the studio API (api-types.ts).
import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.js';

export async function runRoutes(_app: FastifyInstance, _studio: StudioContext): Promise<void> {}
