// The studio's guards, in one onRequest hook. It writes files and starts training processes, so:
// - a loopback-bound studio answers only requests whose Host is a loopback name (a page on another
//   site that rebinds its DNS name to 127.0.0.1 cannot talk to it);
// - a request from a page of another origin (its Origin header) is refused;
// - requests that change something carry the `x-visiontune-studio` header, which a form or a
//   plain cross-site request cannot send (and no CORS preflight is ever granted);
// - with a token (required beyond loopback), every request needs it: as a cookie set by opening
//   `/?token=…` once, or as `Authorization: Bearer …`. Compared in constant time.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { secretCheck } from '../serve/auth.js';
import { HttpError } from '../serve/http-error.js';
import { isLoopback } from '../serve/options.js';
import { STUDIO_HEADER } from './api-types.js';

export const TOKEN_COOKIE = 'visiontune_studio';
const READS = new Set(['GET', 'HEAD']);

/** The host name of a Host header or URL authority, without port or IPv6 brackets. */
function hostName(authority: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(authority);
  if (bracketed) return bracketed[1]!;
  return authority.replace(/:\d+$/, '');
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function givenToken(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  return bearer ?? cookie(request, TOKEN_COOKIE) ?? (typeof query === 'string' ? query : undefined);
}

export function guardStudio(app: FastifyInstance, options: { host: string; token?: string }) {
  const loopbackOnly = isLoopback(options.host);
  const matches = options.token === undefined ? undefined : secretCheck(options.token);
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? '';
    if (loopbackOnly && !isLoopback(hostName(host)))
      throw new HttpError(
        403,
        'FORBIDDEN_HOST',
        `this studio answers only on localhost, not '${host}'`,
      );
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {}
      if (originHost !== host)
        throw new HttpError(403, 'FORBIDDEN_ORIGIN', `requests from ${origin} are not accepted`);
    }
    if (!READS.has(request.method) && request.headers[STUDIO_HEADER] !== '1')
      throw new HttpError(
        403,
        'MISSING_HEADER',
        `requests that change something need the header '${STUDIO_HEADER}: 1'`,
      );
    if (!matches) return;
    const given = givenToken(request);
    if (given === undefined || !matches(given))
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        given === undefined
          ? 'this studio needs its token: open the URL it printed (…/?token=…)'
          : 'wrong token',
      );
    // A token given in the URL becomes a cookie, so the page's own requests carry it.
    if (cookie(request, TOKEN_COOKIE) === undefined)
      reply.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(given)}; Path=/; HttpOnly; SameSite=Strict`,
      );
  });
}
