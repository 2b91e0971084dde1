// The project, image and label routes of the studio API (api-types.ts).
import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.js';

export async function projectRoutes(_app: FastifyInstance, _studio: StudioContext): Promise<void> {}
