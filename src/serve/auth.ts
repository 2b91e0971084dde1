// The API key check: with a key configured, every /v1 route needs `Authorization: Bearer <key>`.
// Compared in constant time (over SHA-256 digests, so lengths do not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function requireApiKey(app: FastifyInstance, key: string): void {
  const expected = digest(key);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
    const header = request.headers.authorization ?? '';
    const given = /^Bearer (.+)$/.exec(header)?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected))
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        given === undefined
          ? 'this server needs "Authorization: Bearer <api key>"'
          : 'wrong API key',
        { 'www-authenticate': 'Bearer' },
      );
  });
}
