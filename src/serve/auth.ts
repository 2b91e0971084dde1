// The API key check: with a key configured, every /v1 route needs `Authorization: Bearer <key>`.
// Compared in constant time (over SHA-256 digests, so lengths do not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * A checker of a secret in constant time (over SHA-256 digests, so lengths do not leak either):
 * the studio's token and the server's API key.
 */
export function secretCheck(secret: string): (given: string) => boolean {
  const expected = digest(secret);
  return (given) => timingSafeEqual(digest(given), expected);
}

export function requireApiKey(app: FastifyInstance, key: string): void {
  const matches = secretCheck(key);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
    const header = request.headers.authorization ?? '';
    const given = /^Bearer (.+)$/.exec(header)?.[1];
    if (given === undefined || !matches(given))
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
