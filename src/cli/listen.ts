// What `serve` and `studio` share around a fastify app: listening (a taken or foreign address is a
// usage error naming the flags), the URL to print, and waiting for SIGTERM/SIGINT.
import type { FastifyInstance } from 'fastify';
import { badUsage } from '../errors.js';

/** Listens on host:port and answers the URL it listens at (the real port when port is 0). */
export async function listenAt(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ port, host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw badUsage(`--host ${host} --port ${port}: cannot listen (${code})`);
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** Resolves on the first SIGTERM or SIGINT (a second one is left to Node: exit at once). */
export function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
  });
}

/** For a server's onInternalError: a bug's stack on stderr (the client only learns it happened). */
export const reportInternalError = (err: unknown) =>
  process.stderr.write(
    `internal error (a bug, please report it):\n${(err as Error)?.stack ?? err}\n`,
  );
