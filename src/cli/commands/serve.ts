// `visiontune serve`: an HTTP inference server over bundles (src/serve). The flags are the options
// schema of createServer; this command listens, prints where, and on SIGTERM/SIGINT stops
// accepting, lets in-flight requests finish and returns (exit 0).
import type { Command } from 'commander';
import { badUsage } from '../../errors.js';
import { createServer } from '../../serve/app.js';
import { serveOptionsSchema } from '../../serve/options.js';
import { tuneProcessForServing } from '../../serve/process-tuning.js';
import { defineCommand } from '../define-command.js';

/** Resolves on the first SIGTERM or SIGINT (a second one is left to Node: exit at once). */
function shutdownSignal(): Promise<string> {
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

export function serveCommand(program: Command): void {
  defineCommand(program, {
    name: 'serve',
    description: 'serve bundles over HTTP: predict, model info, health, metrics, a try-it page',
    options: serveOptionsSchema,
    what: 'serve',
    async run(options, { out, runtime }) {
      tuneProcessForServing();
      const app = createServer({
        ...options,
        threads: runtime.threads,
        onInternalError: (err) =>
          process.stderr.write(
            `internal error (a bug, please report it):\n${(err as Error)?.stack ?? err}\n`,
          ),
      });
      const stopped = shutdownSignal();
      try {
        await app.listen({ port: options.port, host: options.host });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
          throw badUsage(`--host ${options.host} --port ${options.port}: cannot listen (${code})`);
        throw err;
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      const url = `http://${host}:${port}`;
      const models = (
        (await app.inject('/v1/models').then((r) => r.json())) as { models: unknown[] }
      ).models;
      out.result(
        { url, models },
        () => `serving ${models.length} model(s) at ${url} (try ${url}/)`,
      );
      const signal = await stopped;
      out.info(`${signal}: finishing in-flight requests`);
      await app.close();
    },
  });
}
